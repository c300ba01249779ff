import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { mcunetIn1, prepareFineTune, Trainer } from '@odl/models';
import { snapshot, syntheticImages } from './helpers';

describe('every registered method trains the last 12 layers of MCUNet-in1 (1×1 to 2×2 maps, 7×7 and stride-2 depthwise)', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  const asiRanks = (spec: { geometry: { inputShape: number[] } }) => (spec.geometry.inputShape.length === 4 ? [4, 2, 2, 8] : [4, 8]);
  const cases: [string, Record<string, unknown>][] = [
    ['vanilla', {}],
    // 'svd' path: the default Gram path returns NaN on rank-deficient post-ReLU6 unfoldings (576×8) here, reported
    ['hosvd', { epsilon: 0.8 }],
    ['svd', { epsilon: 0.8 }],
    ['gradient-filter', { radius: 2 }],
    ['asi', {}],
  ];
  for (const [method, methodOptions] of cases) {
    it(method, async () => {
      const model = mcunetIn1({ inputChannels: 1, numClasses: 3, seed: 6 });
      const shape: [number, number, number, number] = [8, 32, 32, 1];
      const specs = model.layerSpecs(shape).slice(-12);
      const perLayerOptions = method === 'asi' ? Object.fromEntries(specs.map((s) => [s.name, { ranks: asiRanks(s) }])) : undefined;
      const setup = prepareFineTune(model, { lastN: 12, classifier: 'method', inputShape: shape, method, methodOptions, perLayerOptions });
      expect(setup.trained.length).toBe(12);
      expect(setup.trained.slice(0, 11).every((l) => l.method === method)).toBe(true);
      // the gradient filter needs spatial inputs: the 2-D classifier falls back to vanilla
      expect(setup.trained[11].method).toBe(method === 'gradient-filter' ? 'vanilla' : method);
      const before = snapshot(model.trainableWeights());
      const counts: number[] = [];
      const trainer = new Trainer(model, {
        optimizer: { type: 'sgd', learningRate: 0.05 }, epochs: 1, batchSize: 8, input: { height: 32, width: 32, channels: 1 },
        onStep: () => counts.push(tf.memory().numTensors),
      });
      const [epoch] = await trainer.fit(syntheticImages(24, 28, 3, 9));
      expect(Number.isFinite(epoch.loss)).toBe(true);
      expect(new Set(counts).size).toBe(1);
      for (const [name, w] of snapshot(model.trainableWeights())) expect(w.some((v, i) => v !== before.get(name)![i]), name).toBe(true);
      trainer.dispose();
      model.dispose();
    });
  }
});
