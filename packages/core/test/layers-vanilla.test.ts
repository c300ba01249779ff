import { setupBackend, tf } from '@odl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  compressedConv2d,
  compressedDense,
  compressedDepthwiseConv2d,
  conv2dGeometry,
  createLayerCompressor,
  denseGeometry,
  depthwiseGeometry,
  type ConvPadding,
} from '../src/index';
import { relFro } from '@odl/test-utils';
import { dilateFilterStock, randn } from './helpers';

type Pad = ConvPadding;
interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  strides?: [number, number];
  pad: Pad;
  dilations?: [number, number];
  groups?: number;
}

const convCases: ConvCase[] = [
  { name: '1x1 valid', x: [2, 5, 5, 3], w: [1, 1, 3, 4], pad: 'valid' },
  { name: '3x3 s1 same', x: [2, 6, 6, 3], w: [3, 3, 3, 5], pad: 'same' },
  { name: '3x3 s2 same odd', x: [3, 7, 9, 2], w: [3, 3, 2, 4], strides: [2, 2], pad: 'same' },
  { name: '3x3 s2 explicit', x: [2, 7, 6, 3], w: [3, 3, 3, 4], strides: [2, 2], pad: [[1, 0], [2, 1]] },
  { name: '3x3 dilation 2 same', x: [2, 9, 8, 2], w: [3, 3, 2, 3], dilations: [2, 2], pad: 'same' },
  { name: '5x3 s[2,1] valid', x: [2, 11, 7, 2], w: [5, 3, 2, 3], strides: [2, 1], pad: 'valid' },
  { name: 'groups 2 same', x: [2, 6, 6, 4], w: [3, 3, 2, 6], pad: 'same', groups: 2 },
  { name: 'groups 4 s2 valid', x: [2, 7, 7, 8], w: [3, 3, 2, 8], strides: [2, 2], pad: 'valid', groups: 4 },
];

/** The plain op with stock, differentiable tfjs ops (grouped: split/concat; dilated: zero-inserted filter). */
function stockConv(x: tf.Tensor, w: tf.Tensor, c: ConvCase, depthwise = false): tf.Tensor {
  const s = c.strides ?? [1, 1];
  const d = c.dilations ?? [1, 1];
  const wd = dilateFilterStock(w, d[0], d[1]);
  const pad = Array.isArray(c.pad) ? ([[0, 0], c.pad[0], c.pad[1], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]) : c.pad;
  if (depthwise) return tf.depthwiseConv2d(x as tf.Tensor4D, wd as tf.Tensor4D, s, pad);
  const g = c.groups ?? 1;
  if (g === 1) return tf.conv2d(x as tf.Tensor4D, wd as tf.Tensor4D, s, pad);
  const xs = tf.split(x, g, 3);
  const ws = tf.split(wd, g, 3);
  return tf.concat(xs.map((xq, q) => tf.conv2d(xq as tf.Tensor4D, ws[q] as tf.Tensor4D, s, pad)), 3);
}

const TOL = 1e-5;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`compressed ops with 'vanilla' equal stock autodiff (${backend})`, () => {
    beforeAll(async () => {
      await setupBackend({ prefer: [backend] });
    });

    for (const c of convCases) {
      it(`conv2d ${c.name}`, () => {
        tf.tidy(() => {
          const g = conv2dGeometry(c.x, c.w, c);
          const comp = createLayerCompressor('vanilla', g);
          const x = randn(c.x);
          const w = randn(c.w);
          const b = randn([c.w[3]]);
          const R = randn(g.outputShape);
          const ours = tf.grads((xx, ww, bb) => tf.sum(tf.mul(compressedConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D, {}, comp), R)));
          const ref = tf.grads((xx, ww, bb) => tf.sum(tf.mul(tf.add(stockConv(xx, ww, c), bb), R)));
          const yOurs = compressedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, {}, comp);
          expect(relFro(yOurs, tf.add(stockConv(x, w, c), b))).toBeLessThan(TOL);
          const a = ours([x, w, b]);
          const r = ref([x, w, b]);
          for (let i = 0; i < 3; i++) expect(relFro(a[i], r[i]), `grad ${i}`).toBeLessThan(TOL);
        });
      });
    }

    const dwCases: (ConvCase & { m: number })[] = [
      { name: '3x3 s1 same m1', x: [2, 6, 6, 3], w: [3, 3, 3, 1], pad: 'same', m: 1 },
      { name: '3x3 s2 explicit m2 odd', x: [2, 7, 9, 3], w: [3, 3, 3, 2], strides: [2, 2], pad: [[1, 1], [0, 2]], m: 2 },
      { name: '3x3 dilation 2 same', x: [2, 9, 8, 4], w: [3, 3, 4, 1], dilations: [2, 2], pad: 'same', m: 1 },
    ];
    for (const c of dwCases) {
      it(`depthwise ${c.name}`, async () => {
        const g = depthwiseGeometry(c.x, c.w, c);
        const shapes = [c.x, c.w, [c.w[2] * c.w[3]], g.outputShape];
        const values = shapes.map((sh) => randn(sh));
        // the stock reference differentiates on cpu only (wasm lacks the depthwise backprop kernels)
        const arrays = values.map((t) => t.dataSync().slice());
        values.forEach((t) => t.dispose());
        const grads = (depthwise: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor) =>
          tf.tidy(() => {
            const [x, w, b, R] = arrays.map((a, i) => tf.tensor(a, shapes[i]));
            return tf.grads((xx, ww, bb) => tf.sum(tf.mul(tf.add(depthwise(xx, ww), bb), R)))([x, w, b]).map((t) => t.dataSync().slice());
          });
        const comp = createLayerCompressor('vanilla', g);
        const ours = grads((x, w) => compressedDepthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, null, {}, comp));
        await setupBackend({ prefer: ['cpu'] });
        const ref = grads((x, w) => stockConv(x, w, c, true));
        await setupBackend({ prefer: [backend] });
        for (let i = 0; i < 3; i++) {
          expect(relFro(tf.tensor(ours[i]), tf.tensor(ref[i])), `grad ${i}`).toBeLessThan(TOL);
        }
      });
    }

    for (const shape of [[5, 6], [3, 4, 6], [2, 3, 4, 6]]) {
      it(`dense ${shape.length}-D input`, () => {
        tf.tidy(() => {
          const comp = createLayerCompressor('vanilla', denseGeometry(shape, [6, 7]));
          const x = randn(shape);
          const w = randn([6, 7]);
          const b = randn([7]);
          const R = randn([...shape.slice(0, -1), 7]);
          const ours = tf.grads((xx, ww, bb) => tf.sum(tf.mul(compressedDense(xx, ww as tf.Tensor2D, bb as tf.Tensor1D, comp), R)));
          const ref = tf.grads((xx, ww, bb) => {
            const y = tf.reshape(tf.matMul(tf.reshape(xx, [-1, 6]), ww as tf.Tensor2D), [...shape.slice(0, -1), 7]);
            return tf.sum(tf.mul(tf.add(y, bb), R));
          });
          const a = ours([x, w, b]);
          const r = ref([x, w, b]);
          for (let i = 0; i < 3; i++) expect(relFro(a[i], r[i]), `grad ${i}`).toBeLessThan(TOL);
        });
      });
    }
  });
}
