// LoRA (docs/method.md §9): the weight-side plugin under the conformance kit, its initial and
// merged weights, its gradients against a Float64 reference, its state, its seeds and its cost.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { compressedConv2d, compressedDense, exactWeightGradient, getMethod, resolveOptions, unsupportedReason, VanillaCompressor, type LayerGeometry } from '@odl/core';
import { checkMethodConformance } from '@odl/core/testing';
import { relFro } from '@odl/test-utils';
import { exactLora, loraCost, loraPlugin, LoraWeights, LowrankOptionError, paperLora, registerLowrank } from '../src';
import { convGeometry, denseGeometry, randn } from './helpers';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
  registerLowrank();
});

const dense2 = denseGeometry([6, 10], 4);
const dense3 = denseGeometry([3, 5, 8], 6);
const conv = convGeometry('conv2d', [2, 7, 6, 3], [3, 3, 3, 5], { pad: 'same' });
const strided = convGeometry('conv2d', [2, 9, 7, 3], [3, 3, 3, 4], { strides: [2, 2], pad: 'same' });
const depthwise = convGeometry('depthwise', [2, 7, 7, 3], [3, 3, 3, 1], { pad: 'same' });

const values = (t: tf.Tensor) => Float64Array.from(t.dataSync());

/** Row-major Float64 product of a [n, k] and a [k, m] matrix, optionally transposing either. */
function matMulF64(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number, ta = false, tb = false): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * n + i]! : a[i * k + p]!) * (tb ? b[j * k + p]! : b[p * m + j]!);
      out[i * m + j] = s;
    }
  }
  return out;
}

describe("'lora' under the contract", () => {
  it('is registered, declares rank, alpha and seed, and passes the conformance kit (dense 2-D, 3-D, conv2d)', () => {
    expect(getMethod('lora')).toBe(loraPlugin);
    expect(loraPlugin.create).toBeUndefined();
    expect(resolveOptions(loraPlugin, {})).toEqual({ rank: 8 });
    expect(() => resolveOptions(loraPlugin, { rank: 0 })).toThrow(/rank/);
    expect(() => resolveOptions(loraPlugin, { alpha: 0 })).toThrow(/alpha/);
    const report = checkMethodConformance(loraPlugin, [
      { name: 'dense 2-D', geometry: dense2, options: { rank: 2, seed: 3 } },
      { name: 'dense 3-D', geometry: dense3, options: { rank: 3, alpha: 6 } },
      { name: 'conv2d 3×3', geometry: conv, options: { rank: 2 } },
      { name: 'conv2d strided', geometry: strided, options: { rank: 4 } },
    ]);
    for (const c of report.cases) {
      expect(c.weights!.stateful).toBe(true);
      expect(c.weights!.mergeError).toBeLessThanOrEqual(1e-6);
    }
    expect(report.cases[1]!.weights!.trainableElements).toBe(3 * (8 + 6));
  });

  it('leaves depthwise layers to exact training, with the reason, and refuses to make them', () => {
    expect(unsupportedReason(loraPlugin, depthwise)).toMatch(/depthwise weight \[3, 3, 3, 1\].*trains exactly/);
    const w = tf.zeros(depthwise.weightShape);
    expect(() => new LoraWeights(w, depthwise, {})).toThrow(LowrankOptionError);
    expect(() => new LoraWeights(tf.zeros([3, 3]), dense2, {})).toThrow(/shape \[3, 3\].*\[10, 4\]/);
    w.dispose();
    expect(loraCost(depthwise, {}, 'exact')).toEqual(getMethod('vanilla').cost(depthwise, {}, 'exact'));
  });
});

describe('LoRA weights', () => {
  it('start at W exactly (B = 0), and A is N(0, 1/r²) from the seed, reproducibly', () => {
    for (const g of [dense3, conv]) {
      const w = randn(g.weightShape, 7);
      const p = new LoraWeights(w, g, { rank: 2, seed: 5 });
      const eff = p.weight(w);
      expect(values(eff)).toEqual(values(w));
      expect(values(p.trainable.B!).every((v) => v === 0)).toBe(true);
      const q = new LoraWeights(w, g, { rank: 2, seed: 5 });
      const other = new LoraWeights(w, g, { rank: 2, seed: 6 });
      expect(values(q.trainable.A!)).toEqual(values(p.trainable.A!));
      expect(values(other.trainable.A!)).not.toEqual(values(p.trainable.A!));
      tf.dispose([w, eff]);
      [p, q, other].forEach((x) => x.dispose());
    }
    // The spread of A: std 1/r on a large draw (4096 values, r = 4: 0.25 within 5 %).
    const big = denseGeometry([2, 1024], 1024);
    const w = tf.zeros(big.weightShape);
    const p = new LoraWeights(w, big, { rank: 4, seed: 1 });
    const a = values(p.trainable.A!);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const std = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(std - 0.25) / 0.25).toBeLessThan(0.05);
    expect(p.rank).toBe(4);
    expect(p.scale).toBe(1);
    p.dispose();
    w.dispose();
  });

  it('W_eff = W + (α/r)·A·B in the [I, O] / [KH·KW·C, C′] layout, and merge gives the same plain weight', () => {
    for (const g of [dense2, conv]) {
      const [rows, cols] = g.kind === 'dense' ? g.weightShape : [g.weightShape[0]! * g.weightShape[1]! * g.weightShape[2]!, g.weightShape[3]!];
      const w = randn(g.weightShape, 3);
      const p = new LoraWeights(w, g, { rank: 3, alpha: 12, seed: 2 });
      expect(p.scale).toBe(4);
      const b = randn([3, cols!], 9);
      p.trainable.B!.assign(b);
      const ab = matMulF64(values(p.trainable.A!), values(b), rows!, 3, cols!);
      const expected = values(w).map((v, i) => v + 4 * ab[i]!);
      const [eff, merged] = [p.weight(w), p.merge(w)];
      expect(relFro(eff, expected)).toBeLessThan(1e-6);
      expect(values(merged)).toEqual(values(eff));
      expect(merged.shape).toEqual(g.weightShape);
      tf.dispose([w, b, eff, merged]);
      p.dispose();
    }
  });

  it("the gradients of A and B through the layer equal the Float64 reference (α/r)·G·Bᵀ and (α/r)·Aᵀ·G", () => {
    const cases: [LayerGeometry, number, number][] = [
      [dense3, 8, 6],
      [conv, 27, 5],
    ];
    for (const [g, rows, cols] of cases) {
      const x = randn(g.inputShape, 11);
      const dy = randn(g.outputShape, 12);
      const w = randn(g.weightShape, 13);
      const p = new LoraWeights(w, g, { rank: 2, alpha: 3, seed: 4 });
      const b = randn([2, cols], 14);
      p.trainable.B!.assign(b);
      const comp = new VanillaCompressor(g);
      const layer = () => {
        const eff = p.weight(w);
        const y = g.kind === 'dense' ? compressedDense(x, eff as tf.Tensor2D, null, comp, { inputGradient: false }) : compressedConv2d(x as tf.Tensor4D, eff as tf.Tensor4D, null, { pad: 'same', inputGradient: false }, comp);
        return tf.sum(tf.mul(y, dy)) as tf.Scalar;
      };
      const { value, grads } = tf.variableGrads(layer, [p.trainable.A!, p.trainable.B!]);
      // G: dense in Float64 from x and dy; conv from tfjs' exact weight gradient.
      let gF64: Float64Array;
      if (g.kind === 'dense') {
        const R = 15;
        gF64 = matMulF64(values(x), values(dy), 8, R, 6, true, false);
      } else {
        const gw = exactWeightGradient(g, x, dy);
        gF64 = values(gw);
        gw.dispose();
      }
      const s = 3 / 2;
      const dA = matMulF64(gF64, values(b), rows, cols, 2, false, true).map((v) => s * v);
      const dB = matMulF64(values(p.trainable.A!), gF64, 2, rows, cols, true, false).map((v) => s * v);
      expect(relFro(grads[p.trainable.A!.name]!, dA)).toBeLessThan(1e-5);
      expect(relFro(grads[p.trainable.B!.name]!, dB)).toBeLessThan(1e-5);
      tf.dispose([value, ...Object.values(grads), x, dy, w, b]);
      comp.dispose();
      p.dispose();
    }
  });

  it('getState / setState round-trip A and B, and refuse another rank', () => {
    const w = randn(dense3.weightShape, 1);
    const p = new LoraWeights(w, dense3, { rank: 2, seed: 1 });
    const b = randn([2, 6], 2);
    p.trainable.B!.assign(b);
    const q = new LoraWeights(w, dense3, { rank: 2, seed: 99 });
    const state = p.getState();
    q.setState(state);
    const [mp, mq] = [p.merge(w), q.merge(w)];
    expect(values(mq)).toEqual(values(mp));
    const other = new LoraWeights(w, dense3, { rank: 3 });
    expect(() => other.setState(state)).toThrow(/rank 3/);
    tf.dispose([w, b, mp, mq, ...Object.values(state.tensors)]);
    [p, q, other].forEach((x) => x.dispose());
  });
});

describe('LoRA cost', () => {
  it('exact: the input as vanilla plus the adapter products; paper: the branch x·A kept too', () => {
    // dense [4, 10] → 6, r = 2: R = 4 rows.
    const g = denseGeometry([4, 10], 6);
    const e = exactLora(g, { rank: 2 });
    expect(e.activationElements).toBe(40);
    expect(e.weightElements).toBe(60 + 2 * 16);
    expect(e.trainableElements).toBe(32);
    expect(e.forwardFlops).toBe(2 * 10 * 2 * 6 + 2 * 60 + 2 * 4 * 10 * 6);
    expect(e.backwardFlops).toBe(2 * (2 * 4 * 10 * 6) + 60 + 4 * 60 * 2);
    const p = paperLora(g, { rank: 2 });
    expect(p.activationElements).toBe(40 + 4 * 2);
    expect(p.forwardFlops).toBe(4 * 6 * 19 + 4 * 2 * 19 + 4 * 6 * 3);
    expect(p.backwardFlops).toBe(2 * 6 * 7 + (4 * 2 * 11 + 10 * 2 * 7));
    // conv: rows B·H′·W′ of the im2col product, KH·KW·C inputs; the rank clamps to C′.
    const c = paperLora(conv, { rank: 9 });
    expect(c.activationElements).toBe(2 * 7 * 6 * 3 + 2 * 7 * 6 * 5);
    expect(exactLora(conv, { rank: 9 }).trainableElements).toBe(5 * (27 + 5));
  });
});
