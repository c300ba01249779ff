import { setupBackend, tf } from '@odl/backend';
import { conv2dGeometry, denseGeometry, depthwiseGeometry, registerMethod, unregisterMethod } from '@odl/core';
import { checkMethodConformance } from '@odl/core/testing';
import { finetune, mcunetIn1 } from '@odl/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandImages as bands } from '@odl/test-utils';
import { int8ActivationsPlugin } from './int8-activations';

describe('plugin example: layer inputs kept in 8 bits', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerMethod(int8ActivationsPlugin);
  });
  afterAll(() => {
    unregisterMethod('int8-activations');
  });

  it('conforms to the contract: exact in float32, 1 byte per element + 4 per channel in int8', () => {
    const cases = [
      { name: 'conv 3×3', geometry: conv2dGeometry([4, 8, 8, 6], [3, 3, 6, 5], { pad: 'same' }) },
      { name: 'depthwise stride 2', geometry: depthwiseGeometry([4, 8, 8, 6], [3, 3, 6, 1], { strides: 2, pad: 'same' }) },
      { name: 'dense', geometry: denseGeometry([8, 12], [12, 4]) },
    ].map((c) => ({ ...c, options: { precision: 'int8' }, exactOptions: { precision: 'float32' } }));
    const report = checkMethodConformance(int8ActivationsPlugin, cases);
    expect(report.cases[0]!.measuredBytes).toBe(4 * 8 * 8 * 6 + 4 * 6);
    expect(report.cases[2]!.measuredBytes).toBe(8 * 12 + 4 * 12);
  });

  it('int8: the weight gradient is the exact gradient of the decoded input (within 8-bit rounding)', () => {
    const g = conv2dGeometry([4, 8, 8, 6], [3, 3, 6, 5], { pad: 'same' });
    const [err] = tf.tidy(() => {
      const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', 1);
      const dy = tf.randomNormal(g.outputShape, 0, 1, 'float32', 2);
      const q = int8ActivationsPlugin.create!(g, { precision: 'int8' });
      const f = int8ActivationsPlugin.create!(g, { precision: 'float32' });
      const a = q.weightGradient(q.compress(x), dy);
      const b = f.weightGradient(f.compress(x), dy);
      return [tf.div(tf.norm(tf.sub(a, b)), tf.norm(b)).dataSync()[0]!];
    });
    expect(err).toBeGreaterThan(0);
    expect(err).toBeLessThan(0.01);
  });

  it('its planner keeps the smallest layers in float32 while the budget allows; trains through the session', async () => {
    const before = tf.memory().numTensors;
    const input = { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 };
    const model = mcunetIn1({ inputChannels: 1, numClasses: 4, seed: 2 });
    // last 3 layers at 32×32, batch 16: inputs 16×96, 16×576, 16×576 (1×1 maps); all-int8 = 16·(96+576+576) + 4·(96+576+576) bytes
    const budgetBytes = 16 * 1248 + 4 * 1248 + 3 * 16 * 96;
    const r = await finetune({
      model, input, train: bands(64, 28, 4, 1), test: bands(32, 28, 4, 2),
      method: 'int8-activations', budgetBytes, lastN: 3, epochs: 3, batchSize: 16, seed: 3,
    });
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const precision = r.layers.filter((l) => l.role === 'compressed').map((l) => l.options.precision);
    expect(precision).toEqual(['float32', 'int8', 'int8']);
    expect(r.activationBytes.analytic).toBe(r.plan!.totalBytes);
    expect(r.plan!.totalBytes).toBeLessThanOrEqual(budgetBytes);
    expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0]!.loss);
  });
});
