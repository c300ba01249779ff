import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { getMethod, resolveOptions } from '@odl/core';
import { captureLayerTensors, finetune, loadCheckpoint, mcunetIn1, saveCheckpoint } from '@odl/models';
import { activationBytesOf, layerCost } from '@odl/profiler';
import { syntheticImages } from './helpers';

describe('finetune job', () => {
  const dir = mkdtempSync(join(tmpdir(), 'odl-job-'));
  const input = { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 };
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    const m = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 5 });
    await saveCheckpoint(m, join(dir, 'base'), { metadata: { input } });
    m.dispose();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('vanilla and ASI (ranks from a budget) on the same data: ASI keeps less activation memory', async () => {
    const train = syntheticImages(32, 28, 4, 1);
    const test = syntheticImages(16, 28, 4, 2);
    const calibration = syntheticImages(16, 28, 5, 3);
    const common = { model: join(dir, 'base'), train, test, calibration, lastN: 3, epochs: 1, batchSize: 8, seed: 3 };
    const before = tf.memory().numTensors;
    const v = await finetune({ ...common, method: 'vanilla' });
    expect(tf.memory().numTensors).toBe(before);
    expect(v.steps).toBe(4);
    expect(v.history.length).toBe(1);
    expect(v.top1).toBeGreaterThanOrEqual(0);
    expect(v.top1).toBeLessThanOrEqual(1);
    expect(v.layers.map((l) => l.name)).toEqual(['features.14.conv.0.0', 'features.14.conv.1.0', 'features.14.conv.2', 'classifier']);
    expect(v.layers.map((l) => l.role)).toEqual(['compressed', 'compressed', 'compressed', 'exact']);
    // vanilla analytic = the compressed layers' inputs: [8,1,1,96] + [8,1,1,576] + [8,1,1,576] floats (the classifier trains exactly, uncounted)
    expect(v.activationBytes.analytic).toBe(4 * 8 * (96 + 576 + 576));
    expect(v.activationBytes.measured).toBeGreaterThan(0);
    expect(v.trainingFlops).toBeGreaterThan(0);

    const budget = Math.floor(v.activationBytes.analytic / 4);
    const a = await finetune({ ...common, method: 'asi', budgetBytes: budget });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.plan!.totalBytes).toBeLessThanOrEqual(budget);
    expect(a.layers.filter((l) => l.role === 'compressed').every((l) => Array.isArray(l.options.ranks))).toBe(true);
    expect(a.activationBytes.analytic).toBeLessThan(v.activationBytes.analytic);
    expect(a.activationBytes.measured).toBeLessThan(v.activationBytes.measured);
  });

  it('ASI with int8 storage: ranks chosen for the budget in int8 bytes, counted and kept that way', async () => {
    const train = syntheticImages(32, 28, 4, 1);
    const test = syntheticImages(16, 28, 4, 2);
    const calibration = syntheticImages(16, 28, 5, 3);
    const common = { model: join(dir, 'base'), train, test, calibration, lastN: 3, epochs: 1, batchSize: 8, seed: 3, method: 'asi' };
    const budget = Math.floor((4 * 8 * (96 + 576 + 576)) / 6);
    const before = tf.memory().numTensors;
    const f = await finetune({ ...common, budgetBytes: budget });
    const q = await finetune({ ...common, budgetBytes: budget, methodOptions: { storage: 'int8' } });
    expect(tf.memory().numTensors).toBe(before);
    const compressed = (r: typeof f) => r.layers.filter((l) => l.role === 'compressed');
    expect(compressed(q).every((l) => l.options.storage === 'int8')).toBe(true);
    expect(q.plan!.totalBytes).toBeLessThanOrEqual(budget);
    // the analytic count is the plan's bytes: the same int8 accounting on both sides
    expect(q.activationBytes.analytic).toBe(q.plan!.totalBytes);
    // the same budget buys larger ranks in int8
    const elements = (r: typeof f) => compressed(r).reduce((s, l) => s + (l.options.ranks as number[]).reduce((p, k) => p * k, 1), 0);
    expect(elements(q)).toBeGreaterThan(elements(f));
    expect(q.activationBytes.measured).toBeGreaterThan(0);
    expect(Number.isFinite(q.history[0]!.loss)).toBe(true);
  });

  for (const method of ['hosvd', 'svd'] as const) {
    it(`${method}: the analytic count uses the ε-ranks the first training batch reaches`, async () => {
      const train = syntheticImages(16, 28, 4, 4);
      const test = syntheticImages(8, 28, 4, 5);
      const epsilon = 0.7;
      const before = tf.memory().numTensors;
      const r = await finetune({ model: join(dir, 'base'), train, test, lastN: 3, epochs: 1, batchSize: 8, seed: 1, method, methodOptions: { epsilon } });
      expect(tf.memory().numTensors).toBe(before);
      // Independent count: the same first batch through a fresh copy of the model (same fresh head seed).
      const { model } = await loadCheckpoint(join(dir, 'base'));
      model.resetClassifier(train.numClasses, 1);
      const layers = captureLayerTensors(model, { lastN: 3, images: train, input, batchSize: 8 });
      let expected = 0;
      const plugin = getMethod(method);
      for (const l of layers) {
        const options = plugin.costOptionsFor!(l.geometry, resolveOptions(plugin, { epsilon }), l.input);
        expected += activationBytesOf(layerCost(l.geometry, method, options, { mode: 'exact' }));
      }
      tf.dispose(layers.flatMap((l) => [l.input, l.dy]));
      model.dispose();
      expect(r.activationBytes.analytic).toBe(expected);
      expect(r.activationBytes.analytic).toBeLessThan(4 * 8 * (96 + 576 + 576));
    });
  }
});
