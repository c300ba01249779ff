// Forward values and every gradient of the transformer ops against plain Float64 references
// (@odl/test-utils transformer-reference), on cpu and wasm (docs/method.md §8).
import { setupBackend, tf } from '@odl/backend';
import {
  attentionF64,
  attentionGradF64,
  erfF64,
  geluF64,
  geluGradF64,
  layerNormF64,
  layerNormGradF64,
  linearF64,
  linearInputGradF64,
  maxRelError,
  relFro,
  type AttentionF64Input,
} from '@odl/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { attention, frozenLinear, gelu, layerNorm } from '../src/index';
import { randn } from './helpers';

/**
 * Float32 tolerance: the largest element error relative to the reference's largest element
 * (maxRelError), for sums of at most a few dozen float32 products (ε = 6e-8 each); every case
 * here measures below 1e-6 on cpu and wasm, so 1e-5 leaves a 10× margin and still catches any
 * wrong or missing term.
 */
const TOL = 1e-5;

const data = (t: tf.Tensor) => t.dataSync();

/** Float64 erf against published values (Abramowitz & Stegun, table 7.1). */
describe('erfF64 reference', () => {
  it('matches tabulated erf to 1e-13', () => {
    const table: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.5, 0.999593047982555],
      [3, 0.9999779095030014],
      [4, 0.9999999845827421],
    ];
    for (const [x, erf] of table) {
      expect(Math.abs(erfF64(x) - erf)).toBeLessThan(1e-13);
      expect(Math.abs(erfF64(-x) + erf)).toBeLessThan(1e-13);
    }
  });
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`transformer ops vs Float64 (${backend})`, () => {
    beforeAll(async () => {
      await setupBackend({ prefer: [backend] });
    });

    for (const shape of [[3, 7], [2, 5, 8], [2, 3, 4, 6]]) {
      it(`layerNorm ${JSON.stringify(shape)}: value, dx, dγ, dβ`, () => {
        tf.tidy(() => {
          const D = shape[shape.length - 1]!;
          // an offset mean and a non-unit spread, as in a residual stream
          const x = tf.add(tf.mul(randn(shape), 2.5), 3);
          const gamma = randn([D]) as tf.Tensor1D;
          const beta = randn([D]) as tf.Tensor1D;
          const dy = randn(shape);
          const eps = 1e-5;
          const y = layerNorm(x, gamma, beta, eps);
          expect(y.shape).toEqual(shape);
          expect(maxRelError(y, layerNormF64(data(x), D, data(gamma), data(beta), eps))).toBeLessThan(TOL);
          const [dx, dGamma, dBeta] = tf.grads((a, g, b) => tf.sum(tf.mul(layerNorm(a, g as tf.Tensor1D, b as tf.Tensor1D, eps), dy)))([x, gamma, beta]);
          const ref = layerNormGradF64(data(x), D, data(gamma), eps, data(dy));
          expect(maxRelError(dx!, ref.dx)).toBeLessThan(TOL);
          expect(maxRelError(dGamma!, ref.dGamma)).toBeLessThan(TOL);
          expect(maxRelError(dBeta!, ref.dBeta)).toBeLessThan(TOL);
        });
      });
    }

    it('layerNorm with a large epsilon (1e-1) still matches (ε enters 1/σ)', () => {
      tf.tidy(() => {
        const x = tf.mul(randn([4, 5]), 0.2);
        const gamma = randn([5]) as tf.Tensor1D;
        const beta = randn([5]) as tf.Tensor1D;
        const dy = randn([4, 5]);
        expect(maxRelError(layerNorm(x, gamma, beta, 0.1), layerNormF64(data(x), 5, data(gamma), data(beta), 0.1))).toBeLessThan(TOL);
        const dx = tf.grad((a) => tf.sum(tf.mul(layerNorm(a, gamma, beta, 0.1), dy)))(x);
        expect(maxRelError(dx, layerNormGradF64(data(x), 5, data(gamma), 0.1, data(dy)).dx)).toBeLessThan(TOL);
      });
    });

    for (const shape of [[4, 9], [2, 5, 8], [3, 2, 2, 5]]) {
      it(`gelu ${JSON.stringify(shape)}: value and dx`, () => {
        tf.tidy(() => {
          // ±3σ·3 covers the tails where Φ saturates
          const x = tf.mul(randn(shape), 3);
          const dy = randn(shape);
          expect(maxRelError(gelu(x), geluF64(data(x)))).toBeLessThan(TOL);
          const dx = tf.grad((a) => tf.sum(tf.mul(gelu(a), dy)))(x);
          expect(maxRelError(dx, geluGradF64(data(x), data(dy)))).toBeLessThan(TOL);
        });
      });
    }

    const attentionCases: { name: string; q: number[]; kv: [number, number]; bias?: number[]; scale?: number }[] = [
      { name: 'no bias, default scale', q: [2, 3, 5, 4], kv: [5, 4] },
      { name: 'bias [1, h, N, N]', q: [2, 2, 6, 8], kv: [6, 8], bias: [1, 2, 6, 6] },
      { name: 'bias [B, 1, N, N], scale 0.3', q: [3, 2, 4, 4], kv: [4, 4], bias: [3, 1, 4, 4], scale: 0.3 },
      { name: 'full bias [B, h, N, N]', q: [2, 2, 3, 5], kv: [3, 5], bias: [2, 2, 3, 3] },
      { name: 'cross attention Nq≠Nk, dv≠d, bias [Nq, Nk]', q: [1, 2, 3, 4], kv: [5, 6], bias: [3, 5] },
    ];
    for (const c of attentionCases) {
      it(`attention ${c.name}: value, dq, dk, dv, dbias`, () => {
        tf.tidy(() => {
          const [B, H, Nq, d] = c.q as [number, number, number, number];
          const [Nk, dv] = c.kv;
          const q = randn(c.q) as tf.Tensor4D;
          const k = randn([B, H, Nk, d]) as tf.Tensor4D;
          const v = randn([B, H, Nk, dv]) as tf.Tensor4D;
          const bias = c.bias ? tf.mul(randn(c.bias), 2) : undefined;
          const dy = randn([B, H, Nq, dv]);
          const scale = c.scale ?? 1 / Math.sqrt(d);
          const ref: AttentionF64Input = { q: data(q), k: data(k), v: data(v), dims: [B, H, Nq, Nk, d, dv], scale };
          if (bias) {
            ref.bias = data(bias);
            ref.biasShape = [...Array(4 - bias.rank).fill(1), ...bias.shape] as [number, number, number, number];
          }
          const options = { ...(c.scale !== undefined ? { scale: c.scale } : {}), ...(bias ? { bias } : {}) };
          const out = attention(q, k, v, options);
          expect(out.shape).toEqual([B, H, Nq, dv]);
          expect(maxRelError(out, attentionF64(ref))).toBeLessThan(TOL);
          const inputs = bias ? [q, k, v, bias] : [q, k, v];
          const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(attention(t[0] as tf.Tensor4D, t[1] as tf.Tensor4D, t[2] as tf.Tensor4D, { ...options, ...(bias ? { bias: t[3] } : {}) }), dy)))(inputs);
          const g = attentionGradF64(ref, data(dy));
          expect(maxRelError(grads[0]!, g.dq)).toBeLessThan(TOL);
          expect(maxRelError(grads[1]!, g.dk)).toBeLessThan(TOL);
          expect(maxRelError(grads[2]!, g.dv)).toBeLessThan(TOL);
          if (bias) {
            expect(grads[3]!.shape).toEqual(bias.shape);
            expect(maxRelError(grads[3]!, g.dBias)).toBeLessThan(TOL);
          }
        });
      });
    }

    it('attention with a Swin window mask [W, N, N] (W = 2 windows, B = 4) and a bias [1, h, N, N]: value and gradients', () => {
      tf.tidy(() => {
        const [B, H, N, d, W] = [4, 2, 4, 3, 2];
        const q = randn([B, H, N, d]) as tf.Tensor4D;
        const k = randn([B, H, N, d]) as tf.Tensor4D;
        const v = randn([B, H, N, d]) as tf.Tensor4D;
        const bias = randn([1, H, N, N]);
        // torchvision's mask: 0 within a region, -100 across regions
        const windowMask = tf.mul(tf.cast(tf.greater(randn([W, N, N]), 0.3), 'float32'), -100);
        const dy = randn([B, H, N, d]);
        const scale = 1 / Math.sqrt(d);
        const ref: AttentionF64Input = { q: data(q), k: data(k), v: data(v), dims: [B, H, N, N, d, d], scale, bias: data(bias), biasShape: [1, H, N, N], windowMask: data(windowMask), windows: W };
        expect(maxRelError(attention(q, k, v, { bias, windowMask }), attentionF64(ref))).toBeLessThan(TOL);
        const grads = tf.grads((a, b, c, e) => tf.sum(tf.mul(attention(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, { bias: e, windowMask }), dy)))([q, k, v, bias]);
        const g = attentionGradF64(ref, data(dy));
        [g.dq, g.dk, g.dv, g.dBias].forEach((r, i) => expect(maxRelError(grads[i]!, r)).toBeLessThan(TOL));
      });
    });

    it('attention with a -inf mask entry (Swin-style) gives zero weight there and finite gradients', () => {
      tf.tidy(() => {
        const q = randn([1, 1, 3, 2]) as tf.Tensor4D;
        const v = randn([1, 1, 3, 2]) as tf.Tensor4D;
        const mask = tf.tensor4d([0, -Infinity, 0, 0, 0, -Infinity, 0, 0, 0], [1, 1, 3, 3]);
        const dy = randn([1, 1, 3, 2]);
        const ref: AttentionF64Input = { q: data(q), k: data(q), v: data(v), dims: [1, 1, 3, 3, 2, 2], scale: 1 / Math.SQRT2, bias: data(mask), biasShape: [1, 1, 3, 3] };
        expect(maxRelError(attention(q, q, v, { bias: mask }), attentionF64(ref))).toBeLessThan(TOL);
        const [dv] = tf.grads((t) => tf.sum(tf.mul(attention(q, q, t as tf.Tensor4D, { bias: mask }), dy)))([v]);
        expect(maxRelError(dv!, attentionGradF64(ref, data(dy)).dv)).toBeLessThan(TOL);
      });
    });

    for (const [x, w, withBias] of [
      [[5, 7], [7, 3], true],
      [[2, 4, 7], [7, 5], false],
      [[2, 2, 3, 6], [6, 4], true],
    ] as [number[], [number, number], boolean][]) {
      it(`frozenLinear ${JSON.stringify(x)}·${JSON.stringify(w)}${withBias ? ' + b' : ''}: value and dx`, () => {
        tf.tidy(() => {
          const [I, O] = w;
          const xt = randn(x);
          const wt = randn(w) as tf.Tensor2D;
          const b = withBias ? (randn([O]) as tf.Tensor1D) : null;
          const dy = randn([...x.slice(0, -1), O]);
          const y = frozenLinear(xt, wt, b);
          expect(y.shape).toEqual([...x.slice(0, -1), O]);
          expect(maxRelError(y, linearF64(data(xt), data(wt), I, O, b ? data(b) : null))).toBeLessThan(TOL);
          const dx = tf.grad((a) => tf.sum(tf.mul(frozenLinear(a, wt, b), dy)))(xt);
          expect(dx.shape).toEqual(x);
          expect(maxRelError(dx, linearInputGradF64(data(dy), data(wt), I, O))).toBeLessThan(TOL);
        });
      });
    }

    it('outside a gradient tape every op gives the same value as under it', () => {
      tf.tidy(() => {
        const x = randn([2, 3, 4]);
        const g = randn([4]) as tf.Tensor1D;
        const b = randn([4]) as tf.Tensor1D;
        const q = randn([1, 2, 3, 4]) as tf.Tensor4D;
        const bias = randn([1, 2, 3, 3]);
        const w = randn([4, 5]) as tf.Tensor2D;
        const windowMask = tf.mul(tf.cast(tf.greater(randn([1, 3, 3]), 0), 'float32'), -100);
        const all = (t: tf.Tensor) => [layerNorm(t, g, b, 1e-6), gelu(t), frozenLinear(t, w, null), attention(q, q, q, { bias }), attention(q, q, q, { windowMask })];
        const plain = all(x);
        let taped: tf.Tensor[] = [];
        tf.grad((t) => {
          taped = all(t).map((y) => tf.keep(tf.clone(y)));
          return tf.sum(taped[0]!);
        })(x);
        plain.forEach((p, i) => expect(relFro(p, taped[i]!)).toBe(0));
        taped.forEach((t) => t.dispose());
      });
    });
  });
}
