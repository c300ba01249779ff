import { setupBackend, tf } from '@odl/backend';
import { conv2dGeometry, denseGeometry, depthwiseGeometry, getMethod, registerMethod, unregisterMethod } from '@odl/core';
import { checkMethodConformance } from '@odl/core/testing';
import { finetune, mcunetIn1 } from '@odl/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandImages as bands } from '@odl/test-utils';
import { randomProjectionPlugin } from './random-projection';

describe('plugin example: random projection of the batch mode', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerMethod(randomProjectionPlugin);
  });
  afterAll(() => {
    unregisterMethod('random-projection');
  });

  it('is registered by name with no change to the packages', () => {
    expect(getMethod('random-projection')).toBe(randomProjectionPlugin);
  });

  it('conforms to the contract: declared bytes = bytes kept on the tape = its cost model, no leaks, state round-trips', () => {
    // a random projection is an unbiased estimator, exact for no rank: no exact-gradient case
    const report = checkMethodConformance(randomProjectionPlugin, [
      { name: 'conv 3×3 stride 2', geometry: conv2dGeometry([16, 8, 8, 2], [3, 3, 2, 8], { strides: 2, pad: 'same' }), options: { rank: 4, seed: 3 }, exactOptions: null },
      { name: 'depthwise 3×3', geometry: depthwiseGeometry([8, 6, 6, 4], [3, 3, 4, 1], { pad: 'same' }), options: { rank: 2, seed: 5 }, exactOptions: null },
      { name: 'dense', geometry: denseGeometry([12, 10], [10, 3]), options: { rank: 5, seed: 7 }, exactOptions: null },
    ]);
    // k·(H·W·C) + B·k floats for the conv case
    expect(report.cases[0]!.measuredBytes).toBe((4 * 8 * 8 * 2 + 16 * 4) * 4);
  });

  it('its gradient is unbiased: the mean over many draws approaches the exact gradient', () => {
    const g = denseGeometry([6, 5], [5, 3]);
    const err = tf.tidy(() => {
      const x = tf.randomNormal([6, 5], 0, 1, 'float32', 1);
      const dy = tf.randomNormal([6, 3], 0, 1, 'float32', 2);
      const exact = tf.matMul(x, dy, true, false);
      let sum = tf.zerosLike(exact);
      const draws = 400;
      for (let s = 0; s < draws; s++) {
        const c = randomProjectionPlugin.create!(g, { rank: 3, seed: 11 + s });
        const saved = c.compress(x);
        sum = tf.add(sum, c.weightGradient(saved, dy));
      }
      return tf.div(tf.norm(tf.sub(tf.div(sum, draws), exact)), tf.norm(exact)).dataSync()[0]!;
    });
    expect(err).toBeLessThan(0.15);
  });

  it('trains through the fine-tuning session, its planner choosing k under a budget; no tensor leaks', async () => {
    const before = tf.memory().numTensors;
    const input = { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 };
    const model = mcunetIn1({ inputChannels: 1, numClasses: 4, seed: 2 });
    const r = await finetune({
      model, input, train: bands(64, 28, 4, 1), test: bands(32, 28, 4, 2),
      method: 'random-projection', budgetBytes: 20_000, lastN: 2, epochs: 4, batchSize: 16, learningRate: 0.1, seed: 3,
    });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(r.plan!.totalBytes).toBeLessThanOrEqual(20_000);
    expect(r.activationBytes.analytic).toBe(r.plan!.totalBytes);
    const compressed = r.layers.filter((l) => l.role === 'compressed');
    expect(compressed.every((l) => l.method === 'random-projection' && (l.options.rank as number) >= 1)).toBe(true);
    console.log(`random-projection: loss ${r.history[0]!.loss.toFixed(3)} -> ${r.history.at(-1)!.loss.toFixed(3)}, k = ${String(compressed[0]!.options.rank)}`);
    expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0]!.loss);
  });
});
