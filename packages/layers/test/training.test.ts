import { describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { createLayerCompressor, registerMethod, SPECIFICATION_VERSION, unregisterMethod, UnknownMethodError, vanillaPlugin, type MethodPlugin } from '@odl/core';
import { registerShortcut } from '@odl/shortcut';
import { registerLowrank } from '@odl/lowrank';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfd from '@tensorflow/tfjs-data';
import { compressLayersModel, LayersBridgeError, tapeMemoryLoss } from '../src/index';
import { batch, freezeAllBut, smallFunctional } from './helpers/models';

const ASI_PARTS = {
  'sep/depthwise': { ranks: [4, 3, 3, 6] },
  'sep/pointwise': { ranks: [4, 2, 2, 4] },
  branch_a: { ranks: [4, 2, 2, 4] },
  branch_b: { ranks: [4, 2, 2, 4] },
  head: { ranks: [4, 8] },
};

/** Trains `epochs` epochs of 8-example batches with a tape meter; returns the meter's readings and the losses. */
async function fitWithMeter(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs = 2) {
  const meter = tapeMemoryLoss(tfl.metrics.categoricalCrossentropy);
  model.compile({ optimizer: tf.train.adam(1e-2), loss: meter.loss });
  const h = await model.fit(x, y, { batchSize: 8, epochs, shuffle: false, verbose: 0 });
  return { steps: meter.steps, losses: h.history.loss as number[] };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`training a LayersModel through the bridge (${backend})`, () => {
    it('ASI under model.fit: the tape keeps less than plain model.fit, only the chosen layers change, no tensor leaks', async () => {
      await setupBackend({ prefer: [backend] });
      registerShortcut();
      const { x, y } = batch(16, 5, 4);
      const plain = smallFunctional({ batchNorm: true });
      const bridged = smallFunctional({ batchNorm: true });
      const ft = compressLayersModel(bridged, { method: 'asi', partOptions: ASI_PARTS, layers: 4, batchSize: 8 });
      freezeAllBut(plain, ft.trained);
      const weightsBefore = bridged.getWeights().map((w) => w.dataSync().slice());
      const ref = await fitWithMeter(plain, x, y);
      const got = await fitWithMeter(bridged, x, y, 3);
      expect(got.steps).toHaveLength(6);
      // Once the optimizer's slots and ASI's warm-start factors exist, more epochs allocate nothing that stays.
      const afterFits = tf.memory().numTensors;
      await bridged.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0 });
      expect(tf.memory().numTensors).toBe(afterFits);

      const refBytes = ref.steps.at(-1)!.bytes;
      const gotBytes = got.steps[5]!.bytes;
      expect(gotBytes).toBeGreaterThan(0);
      expect(gotBytes).toBeLessThan(refBytes / 2);
      expect(got.losses.every(Number.isFinite)).toBe(true);
      expect(got.losses.at(-1)!).toBeLessThan(got.losses[0]!);
      // Only the trained layers' weights moved; BatchNorm statistics and the frozen prefix did not.
      const trainedNames = new Set(bridged.trainableWeights.map((w) => w.name));
      bridged.weights.forEach((w, i) => {
        const moved = w.read().dataSync().some((v, j) => v !== weightsBefore[i]![j]);
        expect(moved, w.name).toBe(trainedNames.has(w.name));
      });
      ft.restore();
      tf.dispose([x, y]);
      plain.dispose();
      bridged.dispose();
    });

    it("releases the frozen prefix's outputs as soon as they are consumed: the step holds about one of them", async () => {
      await setupBackend({ prefer: [backend] });
      const B = 8;
      const activationBytes = B * 32 * 32 * 16 * 4;
      const build = () => {
        const input = tfl.input({ shape: [32, 32, 8] });
        let x = input as tfl.SymbolicTensor;
        for (let i = 0; i < 6; i++) x = tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: i }) }).apply(x) as tfl.SymbolicTensor;
        x = tfl.layers.conv2d({ filters: 4, kernelSize: 1, strides: 4 }).apply(x) as tfl.SymbolicTensor;
        x = tfl.layers.flatten().apply(x) as tfl.SymbolicTensor;
        return tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'softmax' }).apply(x) as tfl.SymbolicTensor });
      };
      const x = tf.randomNormal([B, 32, 32, 8], 0, 1, 'float32', 1);
      const y = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), 3), 'float32');
      const liveAtLoss = async (model: tfl.LayersModel) => {
        let live = 0;
        const start = tf.memory().numBytes;
        model.compile({ optimizer: tf.train.sgd(0.01), loss: (t: tf.Tensor, p: tf.Tensor) => ((live = tf.memory().numBytes - start), tfl.metrics.categoricalCrossentropy(t, p)) });
        await model.fit(x, y, { batchSize: B, epochs: 1, shuffle: false, verbose: 0 });
        return live;
      };
      const plain = build();
      for (const l of plain.layers) l.trainable = l.getClassName() === 'Dense' || l === plain.layers[7];
      const bridged = build();
      const ft = compressLayersModel(bridged, { method: 'vanilla', layers: 2, batchSize: B });
      expect(ft.frozenPrefix).toHaveLength(6);
      const plainLive = await liveAtLoss(plain);
      const bridgedLive = await liveAtLoss(bridged);
      // Plain fit holds all 6 prefix outputs and what its tape keeps (25 activations' worth); the
      // bridge holds the last prefix output (the trained layer's input), the vanilla method's kept
      // copy of it and the batch (half an activation): 2.56. Holding the other 5 would make it 7.5.
      expect(plainLive).toBeGreaterThan(6 * activationBytes);
      expect(bridgedLive).toBeLessThan(3 * activationBytes);
      ft.restore();
      tf.dispose([x, y]);
      plain.dispose();
      bridged.dispose();
    });

    it('fitDataset with a tf.data dataset, callbacks and a registered plugin of the user', async () => {
      await setupBackend({ prefer: [backend] });
      const plugin: MethodPlugin = {
        specificationVersion: SPECIFICATION_VERSION,
        name: 'user-exact',
        description: 'keeps the input, as vanilla (a user plugin)',
        supports: ['conv2d', 'depthwise', 'dense'],
        options: [],
        create: (g) => createLayerCompressor('vanilla', g, {}),
        cost: vanillaPlugin.cost,
      };
      registerMethod(plugin);
      try {
        const { x, y } = batch(16, 5, 5);
        const model = smallFunctional({ batchNorm: false });
        const ft = compressLayersModel(model, { method: 'user-exact', layers: 2, batchSize: 4 });
        expect(ft.parts.map((p) => p.compressor.method)).toEqual(['vanilla', 'vanilla']);
        model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
        const ds = tfd.zip({ xs: tfd.array(tf.unstack(x)), ys: tfd.array(tf.unstack(y)) }).batch(4);
        const seen: number[] = [];
        const h = await model.fitDataset(ds as never, { epochs: 2, verbose: 0, callbacks: { onBatchEnd: async (b) => void seen.push(b) } });
        expect(seen).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
        expect((h.history.loss as number[]).every(Number.isFinite)).toBe(true);
        ft.restore();
        model.dispose();
        tf.dispose([x, y]);
      } finally {
        unregisterMethod('user-exact');
      }
    });

    it("ASI's planner chooses the ranks on a calibration batch under a budget", async () => {
      await setupBackend({ prefer: [backend] });
      registerShortcut();
      const { x, y } = batch(8, 5, 6);
      const model = smallFunctional({ batchNorm: true });
      const budgetBytes = 6 * 1024;
      const before = tf.memory().numTensors;
      const ft = compressLayersModel(model, { method: 'asi', layers: 3, batchSize: 8, budgetBytes, calibration: { x, y, loss: tfl.metrics.categoricalCrossentropy } });
      // The calibration pass releases everything it captured (ASI's state starts with the first step).
      expect(tf.memory().numTensors).toBe(before);
      expect(ft.plan).not.toBeNull();
      expect(ft.plan!.totalBytes).toBeLessThanOrEqual(budgetBytes);
      expect(Object.keys(ft.plan!.layerOptions).sort()).toEqual(['branch_a', 'branch_b', 'head']);
      for (const p of ft.parts) expect(p.options.ranks).toEqual(ft.plan!.layerOptions[p.name]!.ranks);
      model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
      const h = await model.fit(x, y, { batchSize: 8, epochs: 2, verbose: 0 });
      expect((h.history.loss as number[]).every(Number.isFinite)).toBe(true);
      ft.restore();
      model.dispose();
      tf.dispose([x, y]);
    });
  });
}

describe('bad requests get typed errors', () => {
  it('names the problem and the fix', async () => {
    await setupBackend({ prefer: ['cpu'] });
    registerShortcut();
    registerLowrank();
    const model = smallFunctional({ batchNorm: false });
    expect(() => compressLayersModel(model, { method: 'nope' })).toThrow(UnknownMethodError);
    expect(() => compressLayersModel(model, { method: 'vanilla', layers: 9 })).toThrow(/6 compressible layers .* fewer than layers = 9/);
    expect(() => compressLayersModel(model, { method: 'asi', layers: 2 })).toThrow(/pass calibration: \{ x, y, loss \}/);
    expect(() => compressLayersModel(model, { method: 'gradient-filter', layers: 1 })).toThrow(LayersBridgeError);
    expect(() => compressLayersModel(model, { method: 'hosvd', methodOptions: { epsilonn: 0.9 } })).toThrow(/did you mean 'epsilon'/);
    // Nothing was patched by the failed calls.
    const ft = compressLayersModel(model, { method: 'hosvd', methodOptions: { epsilon: 0.9 }, layers: 2 });
    expect(() => compressLayersModel(model, { method: 'vanilla' })).toThrow(/already compressed/);
    ft.restore();
    model.dispose();
    const nested = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3] })] });
    const outer = tfl.sequential({ layers: [nested, tfl.layers.dense({ units: 2 })] });
    expect(() => compressLayersModel(outer, { method: 'vanilla', layers: 1 })).toThrow(/nested model/);
  });
});
