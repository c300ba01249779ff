import { setupBackend, tf } from '@odl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { explainedVarianceRank } from '@odl/core';
import { HosvdCompressor, hosvdPlugin, LowrankOptionError } from '../src';
import { CASES } from './cases';
import { modeProductF64, refWeightGradient, relFro, tuckerComposeF64 } from '@odl/test-utils';
import { denseGeometry, gaussian, randn, randomOrthonormal } from './helpers';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

/** Weight gradient through the compressor directly (compress, then weightGradient). */
function viaCompressor(c: HosvdCompressor, x: tf.Tensor, dy: tf.Tensor): { grad: tf.Tensor; saved: ReturnType<HosvdCompressor['compress']> } {
  const saved = c.compress(x);
  return { grad: c.weightGradient(saved, dy), saved };
}

describe('hosvd: gradients', () => {
  for (const { name, geometry } of CASES) {
    it(`ε = 1 equals vanilla: ${name}`, () => {
      const x = randn(geometry.inputShape, 11);
      const dy = randn(geometry.outputShape, 12);
      const c = hosvdPlugin.create(geometry, { epsilon: 1 }) as HosvdCompressor;
      const { grad, saved } = viaCompressor(c, x, dy);
      const ref = refWeightGradient(geometry, x, dy);
      expect(grad.shape).toEqual(geometry.weightShape);
      expect(relFro(grad, ref)).toBeLessThanOrEqual(1e-5);
      expect(c.lastRanks).toEqual(geometry.inputShape);
      tf.dispose([x, dy, grad, ...saved.tensors]);
    });

    it(`ε = 0.7 equals the exact gradient of the reconstruction: ${name}`, () => {
      const x = randn(geometry.inputShape, 21);
      const dy = randn(geometry.outputShape, 22);
      const c = hosvdPlugin.create(geometry, { epsilon: 0.7 }) as HosvdCompressor;
      const { grad, saved } = viaCompressor(c, x, dy);
      const [core, ...factors] = saved.tensors;
      const rebuilt = tuckerComposeF64(core, factors);
      const xr = tf.tensor(Float32Array.from(rebuilt.data), rebuilt.shape);
      const ref = refWeightGradient(geometry, xr, dy);
      expect(relFro(grad, ref)).toBeLessThanOrEqual(1e-4);
      // Something was truncated, and the element count is Π k + Σ d·k.
      const ranks = c.lastRanks!;
      expect(ranks.some((k, n) => k < geometry.inputShape[n])).toBe(true);
      const expected = ranks.reduce((a, b) => a * b, 1) + ranks.reduce((s, k, n) => s + k * geometry.inputShape[n], 0);
      expect(saved.elements).toBe(expected);
      expect(saved.bytes).toBe(4 * expected);
      expect(saved.meta.ranks).toEqual(ranks);
      tf.dispose([x, dy, grad, xr, ...saved.tensors]);
    });
  }
});

describe("hosvd: the 'svd' path", () => {
  for (const { name, geometry } of CASES.filter((_, i) => i % 4 === 2)) {
    it(`ε = 1 equals vanilla: ${name}`, () => {
      const x = randn(geometry.inputShape, 13);
      const dy = randn(geometry.outputShape, 14);
      const c = hosvdPlugin.create(geometry, { epsilon: 1, path: 'svd' }) as HosvdCompressor;
      const { grad, saved } = viaCompressor(c, x, dy);
      const ref = refWeightGradient(geometry, x, dy);
      expect(relFro(grad, ref)).toBeLessThanOrEqual(1e-5);
      // The numerical rank of each unfolding: at most min(d_n, m_n).
      const numel = x.size;
      c.lastRanks!.forEach((k, n) => expect(k).toBeLessThanOrEqual(Math.min(geometry.inputShape[n], numel / geometry.inputShape[n])));
      tf.dispose([x, dy, grad, ...saved.tensors]);
    });
  }
});

describe('hosvd: ranks', () => {
  /** A 3-D tensor whose every unfolding has singular values `sigma` (superdiagonal core). */
  function knownSpectrumTensor(shape: number[], sigma: number[]): tf.Tensor {
    const r = sigma.length;
    let cur: { data: Float64Array; shape: number[] } = { data: new Float64Array(r ** shape.length), shape: shape.map(() => r) };
    const stride = (r ** shape.length - 1) / (r - 1);
    sigma.forEach((s, i) => (cur.data[i * stride] = s));
    shape.forEach((d, n) => {
      cur = modeProductF64(cur.data, cur.shape, randomOrthonormal(d, r, 100 + n), d, n);
    });
    return tf.tensor(Float32Array.from(cur.data), shape);
  }

  const sigma = [10, 6, 4, 2.5, 1.2, 0.5];
  const sigma2 = sigma.map((s) => s * s);

  it('the rule itself matches hand-computed values', () => {
    // σ² = 100, 36, 16, 6.25, 1.44, 0.25; total 159.94
    expect(explainedVarianceRank(sigma2, 0.5)).toBe(1); // 100/159.94 = 0.625
    expect(explainedVarianceRank(sigma2, 0.8)).toBe(2); // 136/159.94 = 0.850
    expect(explainedVarianceRank(sigma2, 0.9)).toBe(3); // 152/159.94 = 0.950
    expect(explainedVarianceRank(sigma2, 0.99)).toBe(5); // 159.69/159.94 = 0.9984
    expect(explainedVarianceRank(sigma2, 1)).toBe(6);
    expect(explainedVarianceRank([0, 0, 0], 0.5)).toBe(1);
    expect(explainedVarianceRank([4, -1e-9, 1], 0.9)).toBe(2);
  });

  for (const path of ['gram', 'svd'] as const) {
    it(`chosen ranks match the Float64 rule on a known spectrum (${path})`, () => {
      const shape = [9, 8, 7];
      const x = knownSpectrumTensor(shape, sigma);
      const g = denseGeometry(shape, 3);
      for (const epsilon of [0.5, 0.8, 0.9, 0.99]) {
        const c = hosvdPlugin.create(g, { epsilon, path }) as HosvdCompressor;
        const saved = c.compress(x);
        const k = explainedVarianceRank(sigma2, epsilon);
        expect(c.lastRanks).toEqual([k, k, k]);
        tf.dispose(saved.tensors);
      }
      x.dispose();
    });
  }

  it("'gram' and 'svd' paths give the same ranks and subspaces", () => {
    const shape = [9, 8, 7];
    const x = knownSpectrumTensor(shape, sigma);
    const g = denseGeometry(shape, 3);
    const a = hosvdPlugin.create(g, { epsilon: 0.95, path: 'gram' }) as HosvdCompressor;
    const b = hosvdPlugin.create(g, { epsilon: 0.95, path: 'svd' }) as HosvdCompressor;
    const sa = a.compress(x);
    const sb = b.compress(x);
    expect(a.lastRanks).toEqual(b.lastRanks);
    for (let n = 0; n < 3; n++) {
      // Projectors U Uᵀ are sign-invariant.
      const pa = tf.matMul(sa.tensors[n + 1], sa.tensors[n + 1], false, true);
      const pb = tf.matMul(sb.tensors[n + 1], sb.tensors[n + 1], false, true);
      expect(relFro(pa, pb)).toBeLessThanOrEqual(1e-4);
      tf.dispose([pa, pb]);
    }
    tf.dispose([x, ...sa.tensors, ...sb.tensors]);
  });

  it('factors are orthonormal and ranks vary with the batch', () => {
    const g = denseGeometry([16, 12], 4);
    const c = hosvdPlugin.create(g, { epsilon: 0.8 }) as HosvdCompressor;
    const lowRank = tf.tidy(() => tf.matMul(randn([16, 2], 5), randn([2, 12], 6)));
    const full = randn([16, 12], 7);
    const s1 = c.compress(lowRank);
    const r1 = c.lastRanks!;
    const s2 = c.compress(full);
    const r2 = c.lastRanks!;
    expect(r1[0]).toBeLessThanOrEqual(2);
    expect(r2[0]).toBeGreaterThan(r1[0]);
    for (const u of s2.tensors.slice(1)) {
      const gram = tf.matMul(u, u, true, false);
      const eye = tf.eye(u.shape[1]!);
      expect(relFro(gram, eye)).toBeLessThanOrEqual(1e-5);
      tf.dispose([gram, eye]);
    }
    tf.dispose([lowRank, full, ...s1.tensors, ...s2.tensors]);
  });

  it('a smaller last batch is accepted; a wrong feature size is not', () => {
    const g = denseGeometry([8, 6], 3);
    const c = hosvdPlugin.create(g, {});
    const x = tf.tensor(gaussian(5 * 6, 3), [5, 6]);
    const saved = c.compress(x);
    expect((saved.meta.tucker as { shape: number[] }).shape).toEqual([5, 6]);
    const bad = tf.zeros([8, 7]);
    expect(() => c.compress(bad)).toThrow(/only the batch size may differ/);
    tf.dispose([x, bad, ...saved.tensors]);
  });
});

describe('hosvd: options', () => {
  const g = denseGeometry([4, 6], 2);
  it('rejects bad options with typed errors', () => {
    for (const epsilon of [0, -0.1, 1.01, Number.NaN, '0.5']) {
      expect(() => hosvdPlugin.create(g, { epsilon } as never)).toThrow(LowrankOptionError);
    }
    expect(() => hosvdPlugin.create(g, { path: 'qr' } as never)).toThrow(/path must be 'gram' or 'svd'/);
    expect(() => hosvdPlugin.create(g, { epsilom: 0.5 } as never)).toThrow(/unknown option 'epsilom'/);
    try {
      hosvdPlugin.create(g, { epsilon: 2 });
    } catch (e) {
      expect((e as LowrankOptionError).option).toBe('epsilon');
      expect((e as LowrankOptionError).method).toBe('hosvd');
    }
  });
  it('defaults: ε = 0.8, gram path; stateless', () => {
    const c = hosvdPlugin.create(g, {}) as HosvdCompressor;
    expect(c.epsilon).toBe(0.8);
    expect(c.path).toBe('gram');
    expect(c.getState()).toBeNull();
    expect(() => c.setState({ tensors: {}, values: {} })).not.toThrow();
    expect(() => c.setState({ tensors: {}, values: { step: 3 } })).toThrow(LowrankOptionError);
  });
});
