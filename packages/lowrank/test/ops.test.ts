import { measureSavedForBackward, setupBackend, tf } from '@odl/backend';
import {
  compressedConv2d,
  compressedDense,
  compressedDepthwiseConv2d,
  createLayerCompressor,
  getMethod,
  UnsupportedLayerError,
  type LayerCompressor,
  type LayerGeometry,
} from '@odl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientFilterPlugin, hosvdPlugin, LowrankOptionError, registerLowrank, svdPlugin } from '../src';
import { CASES } from './cases';
import { relFro } from '@odl/test-utils';
import { randn } from './helpers';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
  registerLowrank();
});

function layer(g: LayerGeometry, c: LayerCompressor) {
  return (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    if (g.kind === 'dense') return compressedDense(x, w as tf.Tensor2D, b as tf.Tensor1D, c);
    if (g.kind === 'depthwise') return compressedDepthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, {}, c);
    return compressedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, {}, c);
  };
}

/** [dx, dW, db] of Σ (layer(x) ⊙ R) through the compressed op. */
function gradsThroughOp(g: LayerGeometry, c: LayerCompressor, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, r: tf.Tensor): tf.Tensor[] {
  const f = layer(g, c);
  return tf.grads((xx, ww, bb) => tf.sum(tf.mul(f(xx, ww, bb), r)))([x, w, b]);
}

const METHODS: { method: string; options: Record<string, unknown>; applies: (g: LayerGeometry) => boolean }[] = [
  { method: 'hosvd', options: { epsilon: 0.8 }, applies: () => true },
  { method: 'svd', options: { epsilon: 0.8 }, applies: () => true },
  { method: 'gradient-filter', options: { radius: 2 }, applies: (g) => g.kind !== 'dense' || g.inputShape.length === 4 },
];

describe('registry', () => {
  it('registerLowrank is idempotent and exposes the three methods by name', () => {
    expect(registerLowrank()).toEqual([]);
    expect(getMethod('hosvd')).toBe(hosvdPlugin);
    expect(getMethod('svd')).toBe(svdPlugin);
    expect(getMethod('gradient-filter')).toBe(gradientFilterPlugin);
  });
  it('createLayerCompressor passes options through and surfaces typed errors', () => {
    const g = CASES.find((c) => c.name === 'dense 2-D')!.geometry;
    expect(() => createLayerCompressor('hosvd', g, { epsilon: 0 })).toThrow(LowrankOptionError);
    // a 2-D dense input: the plugin's unsupportedReason says why, before any compressor is made
    expect(() => createLayerCompressor('gradient-filter', g, {})).toThrow(UnsupportedLayerError);
    expect(() => createLayerCompressor('gradient-filter', g, {})).toThrow(/cannot serve this dense layer: dense layers need a 4-D input/);
    expect(() => gradientFilterPlugin.create(g, {})).toThrow(LowrankOptionError);
  });
});

const RUNS = (['cpu', 'wasm'] as const).flatMap((backend) => METHODS.map((m) => ({ backend, ...m })));

for (const { backend, method, options, applies } of RUNS) {
  describe(`${method} through the compressed ops (${backend})`, () => {
    beforeAll(async () => {
      await setupBackend({ prefer: [backend] });
    });

    for (const { name, geometry } of CASES.filter((c) => applies(c.geometry))) {
      it(`input and bias gradients equal vanilla, weight gradient is the compressor's: ${name}`, () => {
        tf.tidy(() => {
          const x = randn(geometry.inputShape, 1);
          const w = randn(geometry.weightShape, 2);
          const b = randn([geometry.outputShape[geometry.outputShape.length - 1]], 3);
          const r = randn(geometry.outputShape, 4);
          const ours = gradsThroughOp(geometry, createLayerCompressor(method, geometry, options), x, w, b, r);
          const vanilla = gradsThroughOp(geometry, createLayerCompressor('vanilla', geometry), x, w, b, r);
          expect(relFro(ours[0], vanilla[0])).toBeLessThanOrEqual(1e-5);
          expect(relFro(ours[2], vanilla[2])).toBeLessThanOrEqual(1e-5);
          const direct = createLayerCompressor(method, geometry, options);
          const saved = direct.compress(x);
          expect(relFro(ours[1], direct.weightGradient(saved, r))).toBeLessThanOrEqual(1e-5);
        });
      });
    }

    it('bytes retained for backward (measured on the tape) equal the plugin count; the raw input is not kept', () => {
      for (const { geometry } of CASES.filter((c) => applies(c.geometry))) {
        const x = randn(geometry.inputShape, 8);
        const w = tf.variable(randn(geometry.weightShape, 9));
        const b = tf.variable(tf.zeros([geometry.outputShape[geometry.outputShape.length - 1]]));
        const f = layer(geometry, createLayerCompressor(method, geometry, options));
        const measured = measureSavedForBackward(() => f(x, w, b), [w, b]);
        const expected = createLayerCompressor(method, geometry, options).compress(x);
        // Unique buffers on the tape: exactly the compressor's tensors. Had the op also kept x (or
        // the weight), its buffer would be counted on top.
        expect(measured.bytes).toBe(expected.bytes);
        expect(measured.tensors).toBe(expected.tensors.length);
        expect(measured.bytes).toBe(expected.tensors.reduce((sum, t) => sum + 4 * t.size, 0));
        // The meter does see a kept input: vanilla's retained bytes are exactly x's.
        const fv = layer(geometry, createLayerCompressor('vanilla', geometry));
        expect(measureSavedForBackward(() => fv(x, w, b), [w, b]).bytes).toBe(4 * x.size);
        tf.dispose([x, w, b, ...expected.tensors]);
      }
    });

    it('tf.memory().numTensors stays flat over 100 training steps', () => {
      const geometry = CASES.find((c) => (method === 'gradient-filter' ? c.name.startsWith('conv2d 3x3 s2 same') : c.name === 'depthwise 3x3 s2 same'))!.geometry;
      const compressor = createLayerCompressor(method, geometry, options);
      const x = randn(geometry.inputShape, 5);
      const w = tf.variable(randn(geometry.weightShape, 6));
      const b = tf.variable(tf.zeros([geometry.outputShape[3]]));
      const r = randn(geometry.outputShape, 7);
      const f = layer(geometry, compressor);
      const step = (): void => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x, w, b), r)) as tf.Scalar, [w, b]);
        tf.tidy(() => {
          w.assign(tf.sub(w, tf.mul(1e-3, grads[w.name])));
          b.assign(tf.sub(b, tf.mul(1e-3, grads[b.name])));
        });
        tf.dispose([value, grads[w.name], grads[b.name]]);
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 99; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      compressor.dispose();
      tf.dispose([x, w, b, r]);
    });
  });
}
