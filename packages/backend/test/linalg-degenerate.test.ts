import { beforeAll, describe, expect, it } from 'vitest';
import { leadingSingularVectors, setupBackend, tf } from '@odl/backend';
import { maxAbsDiff, projectorF64 } from '@odl/test-utils';

// Post-ReLU activations have many channels that are zero for the whole batch: unfoldings with many
// all-zero rows, and tall ones (channels × batch). These used to drive the Gram path to NaN.
function matrix(d: number, m: number, zeroEvery: number, seed: number): Float32Array {
  const out = new Float32Array(d * m);
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
  for (let i = 0; i < d; i++) for (let j = 0; j < m; j++) out[i * m + j] = i % zeroEvery === 0 ? rnd() * (j + 1) : 0;
  return out;
}

/** ‖P_gram − P_svd‖_max of the projectors onto the two subspaces. */
function projectorGap(u1: ArrayLike<number>, u2: ArrayLike<number>, d: number, r: number): number {
  return maxAbsDiff(projectorF64(u1, d, r), projectorF64(u2, d, r));
}

describe('leadingSingularVectors on degenerate unfoldings', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  for (const [d, m] of [[576, 8], [96, 300]] as const) {
    it(`${d}×${m} with two thirds of the rows zero: gram equals the Float64 SVD path`, () => {
      const a = tf.tensor2d(matrix(d, m, 3, 7), [d, m]);
      const gram = leadingSingularVectors(a, { explainedVariance: 0.9, method: 'gram' });
      const svd = leadingSingularVectors(a, { explainedVariance: 0.9, method: 'svd' });
      expect(gram.rank).toBe(svd.rank);
      for (let i = 0; i < Math.min(d, m); i++) expect(gram.singularValues[i]).toBeCloseTo(svd.singularValues[i], 3);
      const ug = gram.u.dataSync();
      for (const v of ug) expect(Number.isFinite(v)).toBe(true);
      // Orthonormal columns and the same subspace.
      const qtq = tf.matMul(tf.transpose(gram.u), gram.u).dataSync();
      for (let i = 0; i < gram.rank; i++) for (let j = 0; j < gram.rank; j++) expect(Math.abs(qtq[i * gram.rank + j] - (i === j ? 1 : 0))).toBeLessThan(1e-5);
      expect(projectorGap(ug, svd.u.dataSync(), d, gram.rank)).toBeLessThan(1e-4);
      tf.dispose([a, gram.u, svd.u]);
    });
  }

  it('an all-zero matrix gives rank 1 and a unit vector, not NaN', () => {
    const a = tf.zeros([40, 5]) as tf.Tensor2D;
    const r = leadingSingularVectors(a, { explainedVariance: 0.8 });
    expect(r.rank).toBe(1);
    const u = r.u.dataSync();
    expect(Array.from(u).reduce((s, v) => s + v * v, 0)).toBeCloseTo(1, 6);
    tf.dispose([a, r.u]);
  });
});
