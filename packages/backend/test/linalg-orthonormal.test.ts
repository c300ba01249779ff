import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError, orthonormalBasis, orthonormalBasisDetailed, setupBackend, tf } from '@odl/backend';
import {
  householderQ,
  matrixWithSingularValues,
  orthogonalityError,
  randomMatrix,
  relativeResidual,
  subspaceDistance,
} from './linalg-reference';

function logspace(from: number, to: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => from * (to / from) ** (i / (n - 1)));
}

/** Runs orthonormalBasis on a Float64 matrix and checks QᵀQ = I and span(A) ⊆ span(Q). */
function check(a64: Float64Array, m: number, k: number, hostLimitMacs?: number) {
  const a = tf.tensor2d(Float32Array.from(a64), [m, k]);
  const before = tf.memory().numTensors;
  const res = orthonormalBasisDetailed(a, hostLimitMacs === undefined ? {} : { hostLimitMacs });
  expect(tf.memory().numTensors).toBe(before + 1); // only the result survives
  expect(res.q.shape).toEqual([m, k]);
  expect(res.q.dtype).toBe('float32');
  const q = res.q.dataSync();
  const a32 = a.dataSync();
  const out = {
    path: res.path,
    passes: res.passes,
    ortho: orthogonalityError(q, m, k),
    residual: relativeResidual(a32, q, m, k, k),
    q: Float64Array.from(q),
  };
  tf.dispose([a, res.q]);
  return out;
}

describe.each(['cpu', 'wasm'] as const)('orthonormalBasis on %s', (backend) => {
  beforeAll(async () => {
    await setupBackend({ prefer: [backend] });
  });

  it('tall Gaussian (200000×16 on wasm, 60000×16 on cpu): one Gram pass, orthonormal, spans A', () => {
    const m = backend === 'wasm' ? 200000 : 60000;
    const k = 16;
    const r = check(randomMatrix(m, k, 1), m, k);
    expect(r.path).toBe('gram');
    expect(r.passes).toBe(1);
    expect(r.ortho).toBeLessThan(1e-5);
    expect(r.residual).toBeLessThan(1e-6);
  });

  it('same span as a Float64 Householder QR (20011×16: prime m, padded diagonal blocks)', () => {
    const m = 20011;
    const k = 16;
    const a = matrixWithSingularValues(m, logspace(1, 1e-2, k), 10);
    const r = check(a, m, k);
    expect(r.path).toBe('gram');
    const ref = householderQ(Float64Array.from(Float32Array.from(a)), m, k);
    // Compare spans after re-orthonormalising Q in Float64, so only directions count, not norms.
    expect(subspaceDistance(ref, householderQ(r.q, m, k), m, k)).toBeLessThan(1e-10);
  });

  it('tall non-centred (all positive) columns stay accurate', () => {
    const m = 50000;
    const k = 16;
    const a = randomMatrix(m, k, 2).map((x) => Math.abs(x) + 3);
    const r = check(a, m, k);
    expect(r.path).toBe('gram');
    expect(r.ortho).toBeLessThan(1e-5);
    expect(r.residual).toBeLessThan(1e-6);
  });

  it('condition 1e6 on the Gram path: orthonormal and spans A to float32 accuracy', () => {
    const m = 40960; // a multiple of the 2048-row diagonal block (no padding)
    const k = 12;
    const a = matrixWithSingularValues(m, logspace(1, 1e-6, k), 3);
    const r = check(a, m, k);
    expect(r.path).toBe('gram');
    expect(r.passes).toBeGreaterThan(1);
    expect(r.ortho).toBeLessThan(1e-5);
    // float32 products of an ill-conditioned chain: a few 1e-6 of A's energy may fall outside.
    expect(r.residual).toBeLessThan(1e-5);
  });

  it('rank-deficient input (rank 5 of 10, and a zero column) is completed to 10 orthonormal columns', () => {
    const m = 50000;
    const k = 10;
    const b = randomMatrix(m, 5, 4);
    const c = randomMatrix(5, k, 5);
    const a = new Float64Array(m * k);
    for (let t = 0; t < m; t++) {
      for (let j = 0; j < k - 1; j++) {
        let s = 0;
        for (let l = 0; l < 5; l++) s += b[t * 5 + l] * c[l * k + j];
        a[t * k + j] = s;
      }
    }
    const r = check(a, m, k);
    expect(r.path).toBe('gram');
    expect(r.ortho).toBeLessThan(1e-5);
    expect(r.residual).toBeLessThan(1e-5);
    const host = check(a, m, k, Infinity);
    expect(host.path).toBe('host');
    expect(host.ortho).toBeLessThan(1e-6);
    expect(host.residual).toBeLessThan(1e-6);
  });

  it('small squarish inputs use the Float64 host path, also for cond 1e8 and exact duplicates', () => {
    const m = 100; // fewer than 16 rows per column
    const k = 8;
    const ill = check(matrixWithSingularValues(m, logspace(1, 1e-8, k), 6), m, k);
    expect(ill.path).toBe('host');
    expect(ill.ortho).toBeLessThan(1e-6);
    expect(ill.residual).toBeLessThan(1e-7);
    const dup = randomMatrix(m, k, 7);
    for (let t = 0; t < m; t++) dup[t * k + 3] = dup[t * k + 1];
    const r = check(dup, m, k);
    expect(r.path).toBe('host');
    expect(r.ortho).toBeLessThan(1e-6);
    expect(r.residual).toBeLessThan(1e-7);
  });

  it('small tall inputs (16+ rows per column) take the Gram path, and stay accurate at cond 1e8 and with duplicates', () => {
    const m = 300;
    const k = 8;
    const ill = check(matrixWithSingularValues(m, logspace(1, 1e-8, k), 6), m, k);
    expect(ill.ortho).toBeLessThan(1e-5);
    expect(ill.residual).toBeLessThan(1e-5);
    const dup = randomMatrix(m, k, 7);
    for (let t = 0; t < m; t++) dup[t * k + 3] = dup[t * k + 1];
    const r = check(dup, m, k);
    expect(r.ortho).toBeLessThan(1e-5);
    expect(r.residual).toBeLessThan(1e-5);
    const plain = check(randomMatrix(m, k, 8), m, k);
    expect(plain.path).toBe('gram');
    expect(plain.ortho).toBeLessThan(1e-5);
    // the host path, when asked for, is exact to Float64 before rounding
    const host = check(matrixWithSingularValues(m, logspace(1, 1e-8, k), 6), m, k, Infinity);
    expect(host.path).toBe('host');
    expect(host.ortho).toBeLessThan(1e-6);
    expect(host.residual).toBeLessThan(1e-7);
  });

  it('a tiny-valued (1e-20) or all-zero large input still gives k orthonormal columns', () => {
    const m = 5000;
    const k = 8;
    const tiny = check(randomMatrix(m, k, 12).map((v) => v * 1e-20), m, k);
    expect(tiny.ortho).toBeLessThan(1e-6);
    expect(tiny.residual).toBeLessThan(1e-6);
    const a = tf.zeros([m, k]) as tf.Tensor2D;
    const zero = orthonormalBasis(a);
    expect(orthogonalityError(zero.dataSync(), m, k)).toBeLessThan(1e-6);
    tf.dispose([a, zero]);
  });

  it('square and k = m inputs give an orthogonal matrix, on both paths', () => {
    const r = check(randomMatrix(16, 16, 8), 16, 16);
    expect(r.ortho).toBeLessThan(1e-6);
    const g = check(randomMatrix(200, 200, 9), 200, 200);
    expect(g.path).toBe('gram');
    expect(g.ortho).toBeLessThan(1e-5);
    expect(g.residual).toBeLessThan(1e-6);
  });
});

describe('orthonormalBasis errors', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });
  it('rejects wide, non-2-D and int inputs with ShapeError', () => {
    expect(() => orthonormalBasis(tf.zeros([3, 5]) as tf.Tensor2D)).toThrow(ShapeError);
    expect(() => orthonormalBasis(tf.zeros([3, 5]) as tf.Tensor2D)).toThrow(/more columns than rows/);
    expect(() => orthonormalBasis(tf.zeros([3]) as unknown as tf.Tensor2D)).toThrow(/2-D/);
    expect(() => orthonormalBasis(tf.zeros([4, 2], 'int32') as tf.Tensor2D)).toThrow(/float32/);
  });
  it('rejects NaN input', () => {
    const a = tf.tensor2d([1, NaN, 3, 4, 5, 6], [3, 2]);
    expect(() => orthonormalBasis(a)).toThrow(/NaN/);
  });
});
