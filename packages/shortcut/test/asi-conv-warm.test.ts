import { describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { conv2dGeometry, unpackTucker } from '@odl/core';
import { AsiCompressor } from '../src/index';
import { jointSpatialGramPays, warmConvProducts } from '../src/asi/conv-warm';
import { gramSchmidtF64, modeDotsF64, modeProductF64, projectorF64, relFro } from '@odl/test-utils';

/** P_n = A_(n) (A_(n)ᵀ U) in Float64 by the definition: the mode-n dots of A with A ×_n Uᵀ. */
function refWarmProduct(a: Float32Array, shape: number[], n: number, u: Float32Array, k: number): Float64Array {
  return modeDotsF64(a, shape, n, modeProductF64(a, shape, u, k, n, true).data, k);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`ASI warm products of a small feature map (${backend})`, () => {
    it('the two-transpose route (joint spatial Gram) equals A_(n)(A_(n)ᵀU_n) for every mode', async () => {
      await setupBackend({ prefer: [backend] });
      const shape: [number, number, number, number] = [6, 3, 4, 10];
      const ks = [3, 2, 3, 4];
      const start = tf.memory().numTensors;
      const a = tf.tidy(() => tf.relu(tf.randomNormal(shape, 0.1, 1, 'float32', 11))) as tf.Tensor4D;
      const us = shape.map((d, n) => tf.randomNormal([d, ks[n]], 0, 1, 'float32', 20 + n) as tf.Tensor2D);
      const ps = warmConvProducts(a, us);
      const av = a.dataSync() as Float32Array;
      ps.forEach((p, n) => {
        expect(p.shape).toEqual([shape[n], ks[n]]);
        const ref = refWarmProduct(av, shape, n, us[n].dataSync() as Float32Array, ks[n]);
        expect(relFro(p.dataSync(), ref)).toBeLessThan(1e-5);
      });
      tf.dispose([a, ...us, ...ps]);
      expect(tf.memory().numTensors).toBe(start);
    });

    it('a warm AsiCompressor step on a 7×7 map takes that route and matches the Float64 definition', async () => {
      await setupBackend({ prefer: [backend] });
      const g = conv2dGeometry([8, 7, 7, 24], [1, 1, 24, 8]);
      const ranks = [4, 4, 4, 6];
      expect(jointSpatialGramPays(7, 7, 4, 4)).toBe(true);
      const c = new AsiCompressor(g, { ranks, seed: 5, schedule: 'independent' });
      const x1 = tf.relu(tf.randomNormal(g.inputShape, 0.2, 1, 'float32', 1));
      const x2 = tf.relu(tf.randomNormal(g.inputShape, 0.2, 1, 'float32', 2));
      tf.dispose(c.compress(x1).tensors);
      const state = c.getState()!;
      const prev = ranks.map((_, n) => state.tensors[`U${n}`].dataSync() as Float32Array);
      const act = c.compress(x2);
      expect(c.lastStarts).toEqual(['warm', 'warm', 'warm', 'warm']);
      const { factors } = unpackTucker(act);
      const xv = x2.dataSync() as Float32Array;
      factors.forEach((u, n) => {
        const d = g.inputShape[n];
        const ref = gramSchmidtF64(refWarmProduct(xv, g.inputShape, n, prev[n], ranks[n]), d, ranks[n]);
        expect(relFro(projectorF64(u!.dataSync(), d, ranks[n]), projectorF64(ref, d, ranks[n]))).toBeLessThan(1e-4);
      });
      tf.dispose([x1, x2, ...act.tensors, ...Object.values(state.tensors)]);
      c.dispose();
    });
  });
}

describe('jointSpatialGramPays', () => {
  it('takes the joint Gram on small maps only', () => {
    expect(jointSpatialGramPays(7, 7, 4, 4)).toBe(true);
    expect(jointSpatialGramPays(14, 14, 4, 4)).toBe(false);
    expect(jointSpatialGramPays(56, 56, 16, 16)).toBe(false);
  });
});
