import { measureSavedForBackward, setupBackend, tf, tuckerCompose, type TuckerFactors } from '@odl/backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compressedConv2d,
  compressedDense,
  compressedDepthwiseConv2d,
  conv2dGeometry,
  createLayerCompressor,
  denseGeometry,
  depthwiseGeometry,
  exactInputGradient,
  exactWeightGradient,
  layerForward,
  registerMethod,
  SPECIFICATION_VERSION,
  TuckerCompressor,
  unregisterMethod,
  vanillaPlugin,
  type CompressedActivation,
  type LayerCompressor,
  type LayerGeometry,
} from '../src/index';
import { relFro } from '@odl/test-utils';
import { randn, randomOrthonormal, savedAtBackwardStart, weightedSum } from './helpers';

/** A Tucker compressor with fixed random orthonormal factors (per mode; `null` rank = keep whole). */
class FixedTucker extends TuckerCompressor {
  readonly factors: TuckerFactors;
  calls = 0;
  constructor(geometry: LayerGeometry, ranks: (number | null)[]) {
    super('fixed-tucker', geometry);
    this.factors = geometry.inputShape.map((d, n) => (ranks[n] == null ? null : tf.keep(randomOrthonormal(d, ranks[n]!))));
  }
  protected computeFactors(): TuckerFactors {
    this.calls++;
    return this.factors.map((U) => (U == null ? null : tf.clone(U)));
  }
  override dispose(): void {
    this.factors.forEach((U) => U?.dispose());
  }
}

interface OpCase {
  name: string;
  geometry: LayerGeometry;
  ranks: (number | null)[];
  run: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null, c: LayerCompressor, inputGradient?: boolean) => tf.Tensor;
}

const cases: OpCase[] = [
  {
    name: 'conv2d 3x3 s2 same',
    geometry: conv2dGeometry([4, 7, 7, 3], [3, 3, 3, 5], { strides: 2, pad: 'same' }),
    ranks: [2, 4, 5, 2],
    run: (x, w, b, c, ig) => compressedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, { inputGradient: ig }, c),
  },
  {
    name: 'conv2d groups 2',
    geometry: conv2dGeometry([4, 6, 6, 4], [3, 3, 2, 4], { pad: 'same', groups: 2 }),
    ranks: [3, null, 4, 3],
    run: (x, w, b, c, ig) => compressedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, { pad: 'same', groups: 2, inputGradient: ig }, c),
  },
  {
    name: 'depthwise',
    geometry: depthwiseGeometry([4, 6, 6, 4], [3, 3, 4, 1], { pad: 'same' }),
    ranks: [2, 3, 3, 2],
    run: (x, w, b, c, ig) => compressedDepthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, { inputGradient: ig }, c),
  },
  {
    name: 'dense 3-D',
    geometry: denseGeometry([4, 5, 6], [6, 3]),
    ranks: [2, 3, 4],
    run: (x, w, b, c, ig) => compressedDense(x, w as tf.Tensor2D, b as tf.Tensor1D, c, { inputGradient: ig }),
  },
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`compressed ops with a Tucker compressor (${backend})`, () => {
    beforeAll(async () => {
      await setupBackend({ prefer: [backend] });
    });

    for (const c of cases) {
      it(`${c.name}: exact forward, input and bias gradients; weight gradient of Ã; saved bytes = compressor bytes`, () => {
        const comp = new FixedTucker(c.geometry, c.ranks);
        tf.tidy(() => {
          const g = comp.geometry;
          const x = randn(g.inputShape);
          const w = randn(g.weightShape);
          const b = randn([g.outputShape[g.outputShape.length - 1]]);
          const R = randn(g.outputShape);
          const [dx, dw, db] = tf.grads((xx, ww, bb) => weightedSum(c.run(xx, ww, bb, comp), R))([x, w, b]);
          expect(relFro(c.run(x, w, b, comp), tf.add(layerForward(g, x, w), b))).toBeLessThan(1e-5);
          expect(relFro(dx, exactInputGradient(g, w, R, g.inputShape))).toBeLessThan(1e-5);
          expect(relFro(db, tf.sum(R, [...Array(R.rank - 1).keys()]))).toBeLessThan(1e-5);
          const approx = tuckerCompose(comp.compress(x).tensors[0], comp.factors);
          expect(relFro(dw, exactWeightGradient(g, approx, R))).toBeLessThan(1e-4);
          expect(relFro(dw, exactWeightGradient(g, x, R))).toBeGreaterThan(1e-2);
        });
        // memory: only the compressor's tensors are saved; the raw input is not among them
        tf.tidy(() => {
          const g = comp.geometry;
          const x = randn(g.inputShape);
          const w = tf.variable(randn(g.weightShape));
          const b = tf.variable(randn([g.outputShape[g.outputShape.length - 1]]));
          const R = randn(g.outputShape);
          let act: CompressedActivation | null = null;
          const spy: LayerCompressor = {
            method: comp.method,
            geometry: comp.geometry,
            compress: (a) => (act = comp.compress(a)),
            weightGradient: (s, dy) => comp.weightGradient(s, dy),
            getState: () => null,
            setState: () => undefined,
            dispose: () => undefined,
          };
          const measured = measureSavedForBackward(() => weightedSum(c.run(x, w, b, spy), R), [w, b]);
          expect(act).not.toBeNull();
          expect(measured.bytes).toBe(act!.bytes);
          expect(act!.elements).toBe(act!.tensors.reduce((s, t) => s + t.size, 0));
          const probe = savedAtBackwardStart(() => weightedSum(c.run(x, w, b, comp), R));
          expect(probe.bytes).toBe(act!.bytes);
          expect(probe.dataIds.has(x.dataId)).toBe(false);
          w.dispose();
          b.dispose();
        });
        comp.dispose();
      });
    }

    it('vanilla keeps exactly the input (by buffer on cpu) and a non-variable weight is saved too', () => {
      tf.tidy(() => {
        const g = conv2dGeometry([2, 5, 5, 3], [3, 3, 3, 4], { pad: 'same' });
        const comp = createLayerCompressor('vanilla', g);
        const x = randn(g.inputShape);
        const wv = tf.variable(randn(g.weightShape));
        const R = randn(g.outputShape);
        const run = (w: tf.Tensor) => weightedSum(compressedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, null, {}, comp), R);
        const m = savedAtBackwardStart(() => run(wv));
        expect(m.bytes).toBe(x.size * 4);
        if (backend === 'cpu') expect(m.dataIds.has(x.dataId)).toBe(true);
        expect(m.dataIds.has(wv.dataId)).toBe(false);
        const wt = randn(g.weightShape);
        const m2 = measureSavedForBackward(() => run(wt), []);
        expect(m2.bytes).toBe((x.size + wt.size) * 4);
        wv.dispose();
      });
    });

    it('inputGradient: false leaves the input off the tape', () => {
      tf.tidy(() => {
        const c = cases[0];
        const comp = createLayerCompressor('vanilla', c.geometry);
        const x = randn(c.geometry.inputShape);
        const w = randn(c.geometry.weightShape);
        const R = randn(c.geometry.outputShape);
        const [dw] = tf.grads((ww) => weightedSum(c.run(x, ww, null, comp, false), R))([w]);
        expect(relFro(dw, exactWeightGradient(c.geometry, x, R))).toBeLessThan(1e-5);
        expect(() => tf.grads((xx) => weightedSum(c.run(xx, w, null, comp, false), R))([x])).toThrow(/Cannot compute gradient/);
      });
    });

    it('outside a gradient tape the op is the plain layer and does not call compress', () => {
      const c = cases[0];
      const comp = new FixedTucker(c.geometry, c.ranks);
      tf.tidy(() => {
        const x = randn(c.geometry.inputShape);
        const w = randn(c.geometry.weightShape);
        const y = c.run(x, w, null, comp);
        expect(comp.calls).toBe(0);
        expect(relFro(y, layerForward(c.geometry, x, w))).toBeLessThan(1e-6);
      });
      comp.dispose();
    });

    it('100 training steps leak no tensor and the loss falls (tiny conv net, Tucker layer + vanilla layer)', () => {
      const g1 = conv2dGeometry([8, 8, 8, 3], [3, 3, 3, 6], { pad: 'same', strides: 2 });
      const g2 = denseGeometry([8, 4, 4, 6], [6, 4]);
      const c1 = new FixedTucker(g1, [4, 6, 6, 3]);
      const c2 = createLayerCompressor('vanilla', g2);
      const x = randn(g1.inputShape);
      const labels = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32');
      const w1 = tf.variable(tf.mul(randn(g1.weightShape), 0.3));
      const b1 = tf.variable(tf.zeros([6]));
      const w2 = tf.variable(tf.mul(randn(g2.weightShape), 0.3));
      const opt = tf.train.sgd(0.2);
      const loss = () =>
        tf.tidy(() => {
          const h = tf.relu(compressedConv2d(x as tf.Tensor4D, w1 as unknown as tf.Tensor4D, b1 as unknown as tf.Tensor1D, { inputGradient: false }, c1));
          const logits = tf.mean(compressedDense(h, w2 as unknown as tf.Tensor2D, null, c2), [1, 2]);
          return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), logits) as tf.Scalar;
        });
      const first = tf.tidy(() => loss().dataSync()[0]);
      opt.minimize(loss);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) opt.minimize(loss);
      expect(tf.memory().numTensors).toBe(before);
      const last = tf.tidy(() => loss().dataSync()[0]);
      expect(last).toBeLessThan(first * 0.9);
      [x, labels, w1, b1, w2].forEach((t) => t.dispose());
      opt.dispose();
      c1.dispose();
    });

    it('rejects bad inputs with typed errors', () => {
      tf.tidy(() => {
        const g = conv2dGeometry([2, 5, 5, 3], [3, 3, 3, 4], { pad: 'same' });
        const comp = createLayerCompressor('vanilla', g);
        const x = randn([2, 5, 5, 3]) as tf.Tensor4D;
        const w = randn([3, 3, 3, 4]) as tf.Tensor4D;
        expect(() => compressedConv2d(randn([2, 6, 5, 3]) as tf.Tensor4D, w, null, {}, comp)).toThrow(/input has shape \[2, 6, 5, 3\]/);
        expect(() => compressedConv2d(x, randn([3, 3, 3, 5]) as tf.Tensor4D, null, {}, comp)).toThrow(/weight has shape/);
        expect(() => compressedConv2d(x, w, randn([5]) as tf.Tensor1D, {}, comp)).toThrow(/bias has shape/);
        expect(() => compressedConv2d(x, w, null, { strides: 2 }, comp)).toThrow(/strides/);
        expect(() => compressedConv2d(x, w, null, { pad: 'valid' }, comp)).toThrow(/pad/);
        expect(() => compressedDense(x, w as unknown as tf.Tensor2D, null, comp)).toThrow(/made for a 'conv2d' layer/);
        // a smaller last batch is accepted
        expect(compressedConv2d(randn([1, 5, 5, 3]) as tf.Tensor4D, w, null, {}, comp).shape).toEqual([1, 5, 5, 4]);
        // a compressor returning a wrong-shaped gradient is caught
        registerMethod({
          specificationVersion: SPECIFICATION_VERSION,
          name: 'broken-test',
          description: 'returns a wrong weight gradient',
          supports: ['conv2d'],
          options: [],
          cost: vanillaPlugin.cost,
          create: (geom) => ({
            ...createLayerCompressor('vanilla', geom),
            method: 'broken-test',
            geometry: geom,
            compress: (a: tf.Tensor) => ({ tensors: [tf.clone(a)], meta: {}, elements: a.size, bytes: a.size * 4 }),
            weightGradient: () => tf.zeros([1]),
            getState: () => null,
            setState: () => undefined,
            dispose: () => undefined,
          }),
        });
        const broken = createLayerCompressor('broken-test', g);
        expect(() => tf.grads((ww) => tf.sum(compressedConv2d(x, ww as tf.Tensor4D, null, {}, broken)))([w])).toThrow(/weight gradient of shape \[1\]/);
        unregisterMethod('broken-test');
      });
    });
  });
}

afterAll(() => {
  unregisterMethod('broken-test');
});
