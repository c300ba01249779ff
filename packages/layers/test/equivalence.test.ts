import { describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import * as tfl from '@tensorflow/tfjs-layers';
import { relFro } from '@odl/test-utils';
import { compressLayersModel } from '../src/index';
import { batch, freezeAllBut, smallFunctional, trainableValues } from './helpers/models';

// A large power of two: the gradient is read back as (w0 − w1) / lr in float32, whose rounding
// error (2⁻²⁴·|w| / (lr·|g|)) shrinks as the step grows; one step, so its size does not matter.
const LR = 8;

/** One full-batch SGD step of `model.fit`; returns the loss and the change of each trained weight divided by −lr (the gradient). */
async function oneStep(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<{ loss: number; grads: Map<string, Float64Array> }> {
  const before = trainableValues(model);
  model.compile({ optimizer: tf.train.sgd(LR), loss: 'categoricalCrossentropy' });
  const history = await model.fit(x, y, { batchSize: x.shape[0], epochs: 1, shuffle: false, verbose: 0 });
  const after = trainableValues(model);
  const grads = new Map<string, Float64Array>();
  for (const [name, w0] of before) grads.set(name, Float64Array.from(w0, (v, i) => (v - after.get(name)![i]!) / LR));
  return { loss: history.history.loss![0] as number, grads };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`the bridge with the vanilla method computes what the stock layers compute (${backend})`, () => {
    it('one model.fit step: the same loss and gradients as plain model.fit with the same layers frozen', async () => {
      await setupBackend({ prefer: [backend] });
      const { x, y } = batch(6);
      const plain = smallFunctional({ batchNorm: false });
      const bridged = smallFunctional({ batchNorm: false });
      const ft = compressLayersModel(bridged, { method: 'vanilla', layers: 4, batchSize: 6 });
      expect(ft.trained).toEqual(['sep', 'branch_a', 'branch_b', 'head']);
      expect(ft.parts.map((p) => p.name)).toEqual(['sep/depthwise', 'sep/pointwise', 'branch_a', 'branch_b', 'head']);
      expect(ft.frozenPrefix).toEqual(['stem', 'dw', 'dw_relu6']);
      freezeAllBut(plain, ft.trained);

      const ref = await oneStep(plain, x, y);
      const got = await oneStep(bridged, x, y);
      expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-6);
      expect([...got.grads.keys()].sort()).toEqual([...ref.grads.keys()].sort());
      for (const [name, g] of ref.grads) {
        expect(Math.max(...g.map(Math.abs)), name).toBeGreaterThan(0);
        expect(relFro(got.grads.get(name)!, g), name).toBeLessThan(1e-5);
      }
      ft.restore();
      tf.dispose([x, y]);
      plain.dispose();
      bridged.dispose();
    });

    it('with frozen BatchNormalization: the gradient of the inference-mode forward, the statistics untouched', async () => {
      await setupBackend({ prefer: [backend] });
      const { x, y } = batch(6, 5, 9);
      const plain = smallFunctional({ batchNorm: true });
      const bridged = smallFunctional({ batchNorm: true });
      const ft = compressLayersModel(bridged, { method: 'vanilla', layers: 4, batchSize: 6 });
      expect(ft.frozenSuffix).toContain('sep_bn');
      const stats = () => bridged.layers.filter((l) => l.getClassName() === 'BatchNormalization').flatMap((l) => l.getWeights().map((w) => [...w.dataSync()]));
      const statsBefore = stats();

      // Independent reference: tf.variableGrads of the stock model's inference-mode forward.
      const kernels = plain.layers.filter((l) => ft.trained.includes(l.name)).flatMap((l) => l.trainableWeights.map((w) => ({ name: w.originalName, v: w.read() as tf.Variable })));
      const { value, grads } = tf.variableGrads(() => {
        const out = plain.apply(x, { training: false }) as tf.Tensor;
        return tf.mean(tfl.metrics.categoricalCrossentropy(y, out)) as tf.Scalar;
      }, kernels.map((k) => k.v));
      const got = await oneStep(bridged, x, y);
      expect(Math.abs(got.loss - value.dataSync()[0]!) / value.dataSync()[0]!).toBeLessThan(1e-6);
      for (const k of kernels) expect(relFro(got.grads.get(k.name)!, grads[k.v.name]!.dataSync()), k.name).toBeLessThan(1e-5);
      expect(stats()).toEqual(statsBefore);
      ft.restore();
      tf.dispose([x, y, value, ...Object.values(grads)]);
      plain.dispose();
      bridged.dispose();
    });
  });
}
