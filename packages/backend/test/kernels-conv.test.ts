import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  ShapeError,
  conv2dInputGradient,
  conv2dWeightGradient,
  depthwiseConv2dInputGradient,
  depthwiseConv2dWeightGradient,
  runKernel,
  setupBackend,
  tf,
  type TfjsConvPadding as Pad,
} from '../src/index';
import {
  maxRelError,
  refConvInputGrad,
  refConvWeightGrad,
  refDepthwiseInputGrad,
  refDepthwiseWeightGrad,
  refGeom,
} from '@odl/test-utils';
import { seededValues } from './kernels-reference';
import { convGeometry } from '../src/kernels/conv-geometry';
import { dilatedInputGradient } from '../src/kernels/conv2d-grad';
import { depthwiseDilatedInputGradient, depthwiseWeightGradientByConv } from '../src/kernels/depthwise-grad';

interface Case {
  x: [number, number, number, number];
  k: [number, number];
  /** Output channels (conv) or channel multiplier (depthwise). */
  n: number;
  s: [number, number];
  d: [number, number];
  pad: Pad;
}

const P = (t: number, b: number, l: number, r: number): Pad => [[0, 0], [t, b], [l, r], [0, 0]];

// Odd sizes, 1×1 / 3×1 / 3×3 / 5×5 kernels, strides 1–3, dilation 2, every padding kind, batch 1 and 3.
// Numeric pads use square kernels and strides: for those tfjs sizes the width with the kernel
// height and stride (computeOutputShape2D), so a non-square case would test that quirk instead.
const convCases: Case[] = [
  { x: [1, 7, 9, 3], k: [3, 3], n: 4, s: [1, 1], d: [1, 1], pad: 'same' },
  { x: [3, 7, 9, 2], k: [3, 3], n: 5, s: [2, 2], d: [1, 1], pad: 'same' },
  { x: [3, 7, 9, 2], k: [5, 5], n: 3, s: [2, 2], d: [1, 1], pad: 'valid' },
  { x: [1, 9, 7, 3], k: [1, 1], n: 4, s: [1, 1], d: [1, 1], pad: 'valid' },
  { x: [3, 7, 9, 3], k: [1, 1], n: 2, s: [2, 2], d: [1, 1], pad: 'same' },
  { x: [1, 7, 9, 2], k: [3, 1], n: 3, s: [3, 3], d: [1, 1], pad: 'same' },
  { x: [3, 8, 9, 2], k: [3, 3], n: 3, s: [1, 1], d: [2, 2], pad: 'same' },
  { x: [1, 9, 9, 2], k: [5, 5], n: 2, s: [1, 1], d: [2, 2], pad: 'valid' },
  { x: [3, 7, 9, 2], k: [3, 3], n: 3, s: [2, 2], d: [1, 1], pad: P(2, 1, 0, 3) },
  { x: [1, 7, 9, 2], k: [3, 3], n: 2, s: [2, 2], d: [1, 1], pad: 1 },
  { x: [1, 7, 9, 2], k: [3, 1], n: 2, s: [2, 3], d: [1, 1], pad: P(1, 1, 1, 1) },
  { x: [1, 7, 9, 2], k: [1, 1], n: 2, s: [3, 3], d: [1, 1], pad: P(4, 0, 1, 5) },
  { x: [3, 6, 6, 4], k: [3, 3], n: 2, s: [3, 3], d: [1, 1], pad: 'valid' },
  { x: [1, 9, 7, 2], k: [3, 3], n: 2, s: [1, 1], d: [2, 1], pad: P(1, 3, 2, 0) },
  // output channels divisible by 4: the WebAssembly SIMD outer-product accumulation on cpu
  { x: [3, 7, 9, 2], k: [3, 3], n: 8, s: [2, 2], d: [1, 1], pad: P(2, 1, 0, 3) },
  { x: [3, 8, 9, 3], k: [3, 3], n: 4, s: [1, 1], d: [2, 2], pad: 'same' },
  { x: [1, 7, 9, 2], k: [3, 1], n: 4, s: [2, 3], d: [1, 1], pad: P(1, 1, 1, 1) },
  { x: [3, 7, 9, 3], k: [5, 5], n: 4, s: [3, 3], d: [1, 1], pad: 'same' },
];

const depthwiseCases: Case[] = [
  { x: [1, 7, 9, 3], k: [3, 3], n: 1, s: [1, 1], d: [1, 1], pad: 'same' },
  { x: [3, 7, 9, 2], k: [3, 3], n: 2, s: [2, 2], d: [1, 1], pad: 'same' },
  { x: [3, 7, 9, 2], k: [5, 5], n: 1, s: [2, 2], d: [1, 1], pad: 'valid' },
  { x: [1, 9, 7, 3], k: [1, 1], n: 2, s: [1, 1], d: [1, 1], pad: 'valid' },
  { x: [3, 7, 9, 3], k: [1, 1], n: 1, s: [2, 2], d: [1, 1], pad: 'same' },
  { x: [1, 7, 9, 2], k: [3, 1], n: 2, s: [3, 3], d: [1, 1], pad: 'same' },
  { x: [3, 8, 9, 2], k: [3, 3], n: 1, s: [1, 1], d: [2, 2], pad: 'same' },
  { x: [1, 9, 9, 2], k: [5, 5], n: 2, s: [1, 1], d: [2, 2], pad: 'valid' },
  { x: [3, 7, 9, 2], k: [3, 3], n: 2, s: [2, 2], d: [1, 1], pad: P(2, 1, 0, 3) },
  { x: [1, 7, 9, 2], k: [3, 3], n: 1, s: [2, 2], d: [1, 1], pad: 1 },
  { x: [1, 7, 9, 2], k: [3, 1], n: 1, s: [2, 3], d: [1, 1], pad: P(1, 1, 1, 1) },
  { x: [1, 7, 9, 2], k: [1, 1], n: 2, s: [3, 3], d: [1, 1], pad: P(4, 0, 1, 5) },
  { x: [3, 9, 7, 2], k: [3, 3], n: 2, s: [1, 1], d: [2, 1], pad: P(1, 3, 2, 0) },
  // multiplier 1 and channels divisible by 4: the WebAssembly SIMD accumulation on cpu and wasm
  { x: [3, 7, 9, 8], k: [3, 3], n: 1, s: [2, 2], d: [1, 1], pad: 'same' },
  { x: [1, 11, 10, 4], k: [5, 5], n: 1, s: [1, 1], d: [2, 2], pad: 'valid' },
  { x: [3, 7, 9, 4], k: [3, 1], n: 1, s: [3, 2], d: [1, 1], pad: P(0, 2, 3, 1) },
  { x: [1, 8, 8, 12], k: [1, 1], n: 1, s: [1, 1], d: [1, 1], pad: 'valid' },
];

const label = (c: Case): string =>
  `x ${c.x.join('×')} k ${c.k.join('×')} n ${c.n} s ${c.s.join(',')} d ${c.d.join(',')} pad ${JSON.stringify(c.pad)}`;

const TOL = 2e-5;

function data(c: Case, depthwise: boolean, seed: number) {
  const g = refGeom(c.x, c.k, c.s, c.d, c.pad);
  const co = depthwise ? c.x[3] * c.n : c.n;
  const filterShape: [number, number, number, number] = [c.k[0], c.k[1], c.x[3], c.n];
  const xv = seededValues(c.x.reduce((a, b) => a * b), seed);
  const dyv = seededValues(g.b * g.oh * g.ow * co, seed + 1);
  const wv = seededValues(filterShape.reduce((a, b) => a * b), seed + 2);
  return {
    g,
    filterShape,
    xv,
    dyv,
    wv,
    x: tf.tensor4d(xv, c.x),
    dy: tf.tensor4d(dyv, [g.b, g.oh, g.ow, co]),
    w: tf.tensor4d(wv, filterShape),
  };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`conv gradients on ${backend} vs a Float64 reference`, () => {
    it('conv2dWeightGradient / conv2dInputGradient', async () => {
      await setupBackend({ prefer: [backend] });
      convCases.forEach((c, i) => {
        const d = data(c, false, 100 + i);
        const dw = conv2dWeightGradient(d.x, d.dy, d.filterShape, c.s, c.pad, c.d);
        const dx = conv2dInputGradient(d.dy, d.w, c.x, c.s, c.pad, c.d);
        expect(dw.shape, label(c)).toEqual(d.filterShape);
        expect(dx.shape, label(c)).toEqual(c.x);
        expect(maxRelError(dw.dataSync(), refConvWeightGrad(d.g, c.n, d.xv, d.dyv)), label(c)).toBeLessThan(TOL);
        expect(maxRelError(dx.dataSync(), refConvInputGrad(d.g, c.n, d.dyv, d.wv)), label(c)).toBeLessThan(TOL);
        tf.dispose([d.x, d.dy, d.w, dw, dx]);
      });
    });

    it('depthwiseConv2dWeightGradient / depthwiseConv2dInputGradient', async () => {
      await setupBackend({ prefer: [backend] });
      depthwiseCases.forEach((c, i) => {
        const d = data(c, true, 300 + i);
        const dw = depthwiseConv2dWeightGradient(d.x, d.dy, d.filterShape, c.s, c.pad, c.d);
        const dx = depthwiseConv2dInputGradient(d.dy, d.w, c.x, c.s, c.pad, c.d);
        expect(dw.shape, label(c)).toEqual(d.filterShape);
        expect(dx.shape, label(c)).toEqual(c.x);
        expect(maxRelError(dw.dataSync(), refDepthwiseWeightGrad(d.g, c.n, d.xv, d.dyv)), label(c)).toBeLessThan(TOL);
        expect(maxRelError(dx.dataSync(), refDepthwiseInputGrad(d.g, c.n, d.dyv, d.wv)), label(c)).toBeLessThan(TOL);
        tf.dispose([d.x, d.dy, d.w, dw, dx]);
      });
    });

    it('the stride-dilated conv2d input gradient (used for unequal strides) matches on every case', async () => {
      await setupBackend({ prefer: [backend] });
      convCases.forEach((c, i) => {
        const d = data(c, false, 1300 + i);
        const dx = dilatedInputGradient(d.dy, d.w, convGeometry('test', c.x, d.filterShape, c.s, c.pad, c.d, false));
        expect(maxRelError(dx.dataSync(), refConvInputGrad(d.g, c.n, d.dyv, d.wv)), label(c)).toBeLessThan(TOL);
        tf.dispose([d.x, d.dy, d.w, dx]);
      });
    });

    it('the alternative depthwise formulations (one depthwise conv each) match too', async () => {
      await setupBackend({ prefer: [backend] });
      depthwiseCases.forEach((c, i) => {
        const d = data(c, true, 1100 + i);
        const geom = convGeometry('test', c.x, d.filterShape, c.s, c.pad, c.d, true);
        const dw = depthwiseWeightGradientByConv(d.x, d.dy, geom, c.n);
        const dx = depthwiseDilatedInputGradient(d.dy, d.w, geom, c.n);
        expect(maxRelError(dw.dataSync(), refDepthwiseWeightGrad(d.g, c.n, d.xv, d.dyv)), label(c)).toBeLessThan(TOL);
        expect(maxRelError(dx.dataSync(), refDepthwiseInputGrad(d.g, c.n, d.dyv, d.wv)), label(c)).toBeLessThan(TOL);
        tf.dispose([d.x, d.dy, d.w, dw, dx]);
      });
    });

    it('registered kernels (reached through the engine) match the reference', async () => {
      await setupBackend({ prefer: [backend] });
      const run = runKernel;
      convCases.forEach((c, i) => {
        if (c.d[0] !== 1 || c.d[1] !== 1) return; // the Conv2D backprop kernels have no dilation attribute
        const d = data(c, false, 500 + i);
        const common = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
        const dw = run('Conv2DBackpropFilter', { x: d.x, dy: d.dy }, { ...common, filterShape: d.filterShape });
        const dx = run('Conv2DBackpropInput', { dy: d.dy, filter: d.w }, { ...common, inputShape: c.x });
        expect(maxRelError(dw.dataSync(), refConvWeightGrad(d.g, c.n, d.xv, d.dyv)), label(c)).toBeLessThan(TOL);
        expect(maxRelError(dx.dataSync(), refConvInputGrad(d.g, c.n, d.dyv, d.wv)), label(c)).toBeLessThan(TOL);
        tf.dispose([d.x, d.dy, d.w, dw, dx]);
      });
      depthwiseCases.forEach((c, i) => {
        const d = data(c, true, 700 + i);
        const common = { strides: c.s, pad: c.pad, dilations: c.d, dimRoundingMode: undefined };
        const dw = run('DepthwiseConv2dNativeBackpropFilter', { x: d.x, dy: d.dy }, { ...common, filterShape: d.filterShape });
        const dx = run('DepthwiseConv2dNativeBackpropInput', { dy: d.dy, filter: d.w }, { ...common, inputShape: c.x });
        expect(maxRelError(dw.dataSync(), refDepthwiseWeightGrad(d.g, c.n, d.xv, d.dyv)), label(c)).toBeLessThan(TOL);
        expect(maxRelError(dx.dataSync(), refDepthwiseInputGrad(d.g, c.n, d.dyv, d.wv)), label(c)).toBeLessThan(TOL);
        tf.dispose([d.x, d.dy, d.w, dw, dx]);
      });
    });

    it('tf.grad of conv2d and depthwiseConv2d uses the kernels and leaks nothing', async () => {
      await setupBackend({ prefer: [backend] });
      const c = convCases[1];
      const d = data(c, false, 900);
      const before = tf.memory().numTensors;
      const [gx, gw] = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad as 'same'), d.dy)),
      )([d.x, d.w]);
      expect(maxRelError(gw.dataSync(), refConvWeightGrad(d.g, c.n, d.xv, d.dyv))).toBeLessThan(TOL);
      expect(maxRelError(gx.dataSync(), refConvInputGrad(d.g, c.n, d.dyv, d.wv))).toBeLessThan(TOL);
      tf.dispose([gx, gw]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([d.x, d.dy, d.w]);
    });
  });
}

describe('NCHW data', () => {
  it('falls back to the stock cpu kernel and is refused clearly on wasm', async () => {
    const c = convCases[1];
    await setupBackend({ prefer: ['cpu'] });
    const d = data(c, false, 1500);
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NCHW', dimRoundingMode: undefined, filterShape: d.filterShape };
    const inputs = { x: tf.transpose(d.x, [0, 3, 1, 2]), dy: tf.transpose(d.dy, [0, 3, 1, 2]) };
    const dw = runKernel('Conv2DBackpropFilter', inputs, attrs);
    expect(maxRelError(dw.dataSync(), refConvWeightGrad(d.g, c.n, d.xv, d.dyv))).toBeLessThan(TOL);
    await setupBackend({ prefer: ['wasm'] });
    expect(() => runKernel('Conv2DBackpropFilter', inputs, attrs)).toThrow(/only NHWC/);
    tf.dispose([d.x, d.dy, d.w, dw, inputs.x, inputs.dy]);
  });
});

describe('argument checks', () => {
  it('rejects wrong dy shapes, channel mismatches and stride with dilation', async () => {
    await setupBackend({ prefer: ['cpu'] });
    const x = tf.zeros([1, 7, 7, 3]) as tf.Tensor4D;
    const dy = tf.zeros([1, 4, 4, 2]) as tf.Tensor4D;
    expect(() => conv2dWeightGradient(x, dy, [3, 3, 3, 2], 1, 'same')).toThrow(ShapeError);
    expect(() => conv2dWeightGradient(x, dy, [3, 3, 3, 2], 2, 'same')).not.toThrow();
    expect(() => conv2dWeightGradient(x, dy, [3, 3, 4, 2], 2, 'same')).toThrow(/4/);
    expect(() => conv2dWeightGradient(x, dy, [3, 3, 3, 2], 2, 'same', 2)).toThrow(ArgumentError);
    expect(() => depthwiseConv2dInputGradient(dy, tf.zeros([3, 3, 3, 1]) as tf.Tensor4D, [1, 7, 7, 3], 2, 'same')).toThrow(ShapeError);
    expect(() => conv2dInputGradient(dy, tf.zeros([3, 3, 3, 2]) as tf.Tensor4D, [1, 7, 7, 3], 2, [[1, 0], [1, 1], [1, 1], [0, 0]])).toThrow(ArgumentError);
  });
});
