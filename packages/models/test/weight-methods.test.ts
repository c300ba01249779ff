// The weight-side methods of @odl/lowrank ('lora') and @odl/shortcut ('wasi') through finetune()'s
// session on a zoo model (MCUNet-in1 at 32×32, last 2 layers): their variables train, the report
// counts their cost, release() merges them into plain weights that compute the same logits, and
// nothing leaks.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { FineTuneSession, mcunetIn1, registerBuiltinMethods, type FinetuneConfig } from '@odl/models';
import { syntheticImages } from './helpers';

const input = { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 };
const train = syntheticImages(32, 28, 4, 1);
const test = syntheticImages(16, 28, 4, 2);

beforeAll(async () => {
  await setupBackend({ prefer: ['wasm'] });
  registerBuiltinMethods();
});

const logits = (m: ReturnType<typeof mcunetIn1>, x: tf.Tensor4D) => {
  const y = tf.tidy(() => m.forward(x));
  const v = Float64Array.from(y.dataSync());
  y.dispose();
  return v;
};

const cases: [string, Record<string, unknown>, (layer: string) => string[], boolean][] = [
  ['lora', { rank: 2, alpha: 4 }, (l) => [`${l}.A`, `${l}.B`], true],
  ['wasi', { ranks: [4, 4, 4, 8], weightEpsilon: 0.9 }, (l) => [`${l}.weight`], false],
];

describe('weight-side methods through the session', () => {
  for (const [method, methodOptions, names, frozenBase] of cases) {
    it(`${method}: trains, reports its cost, and release() merges the same function`, async () => {
      const before = tf.memory().numTensors;
      const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 5 });
      const config: FinetuneConfig = { model, input, train, test, lastN: 2, epochs: 2, batchSize: 8, seed: 3, learningRate: 0.05, method, methodOptions };
      const s = await FineTuneSession.create(config);
      const compressed = s.layers.filter((l) => l.role === 'compressed');
      expect(compressed.length).toBeGreaterThan(0);
      const layer = s.model.layers().find((l) => l.name === compressed.at(-1)!.name)!;
      const trainable = [...s.model.trainableWeights().keys()];
      for (const n of names(layer.name)) expect(trainable).toContain(n);
      const w0 = Float64Array.from(layer.weight.dataSync());
      const epochs = await s.run();
      expect(epochs.length).toBe(2);
      expect(Number.isFinite(epochs.at(-1)!.loss)).toBe(true);
      const report = await s.report();
      expect(report.layerCosts.length).toBe(compressed.length);
      const w1 = Float64Array.from(layer.weight.dataSync());
      if (frozenBase) expect(w1).toEqual(w0);
      else expect(w1).not.toEqual(w0);
      const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      const y0 = logits(s.model, x);
      const released = s.release();
      const y1 = logits(released, x);
      y1.forEach((v, i) => expect(v).toBeCloseTo(y0[i]!, 4));
      x.dispose();
      released.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
