import { setupBackend, tf } from '@odl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { explainedVarianceRank } from '@odl/core';
import { LowrankOptionError, SvdCompressor, svdPlugin } from '../src';
import { CASES } from './cases';
import { refWeightGradient, relFro } from '@odl/test-utils';
import { denseGeometry, gaussian, randn, randomOrthonormal } from './helpers';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

describe('svd', () => {
  for (const { name, geometry } of CASES) {
    it(`ε = 1 equals vanilla: ${name}`, () => {
      const x = randn(geometry.inputShape, 61);
      const dy = randn(geometry.outputShape, 62);
      const c = svdPlugin.create(geometry, { epsilon: 1 }) as SvdCompressor;
      const saved = c.compress(x);
      const grad = c.weightGradient(saved, dy);
      const ref = refWeightGradient(geometry, x, dy);
      expect(relFro(grad, ref)).toBeLessThanOrEqual(1e-5);
      expect(c.lastRank).toBe(geometry.inputShape[0]);
      tf.dispose([x, dy, grad, ...saved.tensors]);
    });
  }

  for (const { name, geometry } of CASES.filter((_, i) => i % 3 === 1)) {
    it(`ε = 0.45 equals the exact gradient of U_k U_kᵀ A_(0): ${name}`, () => {
      const x = randn(geometry.inputShape, 71);
      const dy = randn(geometry.outputShape, 72);
      const c = svdPlugin.create(geometry, { epsilon: 0.45 }) as SvdCompressor;
      const saved = c.compress(x);
      const grad = c.weightGradient(saved, dy);
      const [u, p] = saved.tensors;
      const k = c.lastRank!;
      const batch = geometry.inputShape[0];
      const m = x.size / batch;
      expect(k).toBeLessThan(batch);
      expect(u.shape).toEqual([batch, k]);
      expect(p.shape).toEqual([k, m]);
      expect(saved.elements).toBe(k * (batch + m));
      expect(saved.bytes).toBe(4 * k * (batch + m));
      // Float64 reconstruction from the stored factors.
      const ud = u.dataSync();
      const pd = p.dataSync();
      const rebuilt = new Float32Array(batch * m);
      for (let b = 0; b < batch; b++)
        for (let j = 0; j < m; j++) {
          let s = 0;
          for (let r = 0; r < k; r++) s += ud[b * k + r] * pd[r * m + j];
          rebuilt[b * m + j] = s;
        }
      const xr = tf.tensor(rebuilt, geometry.inputShape);
      const ref = refWeightGradient(geometry, xr, dy);
      expect(relFro(grad, ref)).toBeLessThanOrEqual(1e-4);
      tf.dispose([x, dy, grad, xr, ...saved.tensors]);
    });
  }

  it('rank follows the Float64 rule on a known spectrum; paths agree', () => {
    const batch = 8;
    const m = 30;
    const sigma = [9, 5, 3, 2, 1, 0.6, 0.3, 0.1];
    const q1 = randomOrthonormal(batch, batch, 81);
    const q2 = randomOrthonormal(m, batch, 82);
    const a = new Float32Array(batch * m);
    for (let i = 0; i < batch; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let r = 0; r < batch; r++) s += q1[i * batch + r] * sigma[r] * q2[j * batch + r];
        a[i * m + j] = s;
      }
    const x = tf.tensor(a, [batch, 5, 6]);
    const g = denseGeometry([batch, 5, 6], 2);
    for (const epsilon of [0.6, 0.8, 0.95, 0.999]) {
      const k = explainedVarianceRank(sigma.map((s) => s * s), epsilon);
      const projectors = (['gram', 'svd'] as const).map((path) => {
        const c = svdPlugin.create(g, { epsilon, path }) as SvdCompressor;
        const saved = c.compress(x);
        expect(c.lastRank).toBe(k);
        const proj = tf.matMul(saved.tensors[0], saved.tensors[0], false, true);
        tf.dispose(saved.tensors);
        return proj;
      });
      expect(relFro(projectors[0], projectors[1])).toBeLessThanOrEqual(1e-4);
      tf.dispose(projectors);
    }
    x.dispose();
  });

  it('rejects bad options with typed errors; stateless', () => {
    const g = denseGeometry([4, 6], 2);
    expect(() => svdPlugin.create(g, { epsilon: 0 })).toThrow(LowrankOptionError);
    expect(() => svdPlugin.create(g, { epsilon: 1.5 })).toThrow(/epsilon must be a number in \(0, 1\]/);
    expect(() => svdPlugin.create(g, { path: 'eig' } as never)).toThrow(LowrankOptionError);
    const c = svdPlugin.create(g, {});
    expect(c.getState()).toBeNull();
    const x = tf.tensor(gaussian(24, 1), [4, 6]);
    const saved = c.compress(x);
    expect(saved.elements).toBe(saved.tensors.reduce((s, t) => s + t.size, 0));
    tf.dispose([x, ...saved.tensors]);
  });
});
