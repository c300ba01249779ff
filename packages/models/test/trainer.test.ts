import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { loadCheckpoint, makeBatch, mcunetIn1, prepareFineTune, saveCheckpoint, Trainer, type TrainerConfig, type ZooModel } from '@odl/models';
import { snapshot, syntheticImages } from './helpers';

const data = syntheticImages(40, 28, 3, 7);
const shape: [number, number, number, number] = [8, 32, 32, 1];
const asiLayersFor = (storage: 'float32' | 'int8') => ({
  'features.14.conv.1.0': { ranks: [3, 1, 1, 6], storage },
  'features.14.conv.2': { ranks: [3, 1, 1, 6], storage },
  classifier: { ranks: [3, 6], storage },
});
const asiLayers = asiLayersFor('float32');

function config(): TrainerConfig {
  return {
    optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9, weightDecay: 1e-4 },
    schedule: { warmupSteps: 2 },
    epochs: 2,
    batchSize: 8,
    seed: 11,
    clipNorm: 2,
    input: { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 },
    augment: { maxShift: 2, horizontalFlip: true },
  };
}

function fresh(layers = asiLayers): ZooModel {
  const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 3 });
  prepareFineTune(model, { lastN: 3, classifier: 'method', inputShape: shape, method: 'asi', perLayerOptions: layers, freshHead: true, numClasses: 3, seed: 4 });
  return model;
}

describe('Trainer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'odl-models-'));
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const storage of ['float32', 'int8'] as const)
  it(`is deterministic, and a run stopped mid-epoch, checkpointed and resumed ends with the same weights (ASI ${storage})`, async () => {
    const layers = asiLayersFor(storage);
    const run = async () => {
      const model = fresh(layers);
      const trainer = new Trainer(model, config());
      const history = await trainer.fit(data);
      trainer.dispose();
      return { model, history };
    };
    const a = await run();
    const b = await run();
    expect(a.history.length).toBe(2);
    const wa = snapshot(a.model.namedWeights());
    for (const [k, v] of snapshot(b.model.namedWeights())) expect(Array.from(v), k).toEqual(Array.from(wa.get(k)!));
    b.model.dispose();

    // interrupted run: 7 of 10 steps (epoch 1, step 2 of 5), checkpointed with its state
    const c = fresh(layers);
    const tc = new Trainer(c, config());
    await tc.fit(data, { stopAtStep: 7 });
    expect(tc.globalStep).toBe(7);
    const state = tc.getState();
    expect(Object.keys(state.compressors).sort()).toEqual(Object.keys(layers).sort());
    if (storage === 'int8') expect(state.compressors.classifier!.tensors['U1.codes']!.dtype).toBe('bool'); // the codes themselves are saved
    await saveCheckpoint(c, join(dir, 'resume'), { trainerState: state, metadata: { note: 'mid-epoch' } });
    Trainer.disposeState(state);
    tc.dispose();
    c.dispose();

    const loaded = await loadCheckpoint(join(dir, 'resume'));
    expect(loaded.metadata).toEqual({ note: 'mid-epoch' });
    const d = loaded.model;
    prepareFineTune(d, { lastN: 3, classifier: 'method', inputShape: shape, method: 'asi', perLayerOptions: layers, seed: 4 });
    const td = new Trainer(d, config());
    td.setState(loaded.trainerState!);
    Trainer.disposeState(loaded.trainerState!);
    const history = await td.fit(data);
    expect(td.globalStep).toBe(10);
    expect(history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
    for (const [k, v] of snapshot(d.namedWeights())) expect(Array.from(v), k).toEqual(Array.from(wa.get(k)!));
    td.dispose();
    d.dispose();
    a.model.dispose();
  });

  it('the frozen-feature cache changes nothing: same losses, evaluation and weights as re-running the frozen blocks', async () => {
    const noAugment = (cache: boolean): TrainerConfig => ({ ...config(), augment: undefined, cacheFrozenFeatures: cache });
    const evalData = syntheticImages(12, 28, 3, 8);
    const runs = [];
    for (const cache of [true, false]) {
      const model = fresh();
      expect(model.frozenPrefixBlocks()).toBe(model.blocks.length - 1); // the last block trains
      const before = tf.memory().numTensors;
      const trainer = new Trainer(model, noAugment(cache));
      const history = await trainer.fit(data, { evalData });
      trainer.dispose();
      // what stays: the ASI layers' warm-start factors (4 + 4 + 2), never the cache
      expect(tf.memory().numTensors - before).toBe(10);
      runs.push({ model, history });
    }
    const [cached, plain] = runs;
    for (let e = 0; e < 2; e++) {
      expect(cached.history[e].loss).toBeCloseTo(plain.history[e].loss, 5);
      expect(cached.history[e].eval!.top1).toBe(plain.history[e].eval!.top1);
      expect(cached.history[e].eval!.loss).toBeCloseTo(plain.history[e].eval!.loss, 5);
    }
    const wp = snapshot(plain.model.namedWeights());
    for (const [k, v] of snapshot(cached.model.namedWeights())) {
      const ref = wp.get(k)!;
      let num = 0;
      let den = 0;
      v.forEach((x, i) => {
        num += (x - ref[i]) ** 2;
        den += ref[i] ** 2;
      });
      expect(Math.sqrt(num / Math.max(den, 1e-30)), k).toBeLessThan(1e-5);
    }
    // features + fromBlock give the same logits as the whole forward
    const x = makeBatch(data, [0, 1, 2], config().input).x;
    const k = cached.model.frozenPrefixBlocks();
    const whole = cached.model.forward(x).dataSync();
    const f = cached.model.frozenFeatures(x, k);
    const resumed = cached.model.forward(f, { fromBlock: k }).dataSync();
    whole.forEach((v, i) => expect(resumed[i]).toBeCloseTo(v, 5));
    expect(() => cached.model.frozenFeatures(x, k + 1)).toThrow(/the frozen prefix/);
    tf.dispose([x, f]);
    runs.forEach((r) => r.model.dispose());
  });

  it('checkpoint round trip; an interrupted save leaves the previous checkpoint intact', async () => {
    const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 8 });
    const path = join(dir, 'ckpt');
    await saveCheckpoint(model, path, { metadata: { top1: 0.5 } });
    const { model: back, metadata } = await loadCheckpoint(`file://${path}`);
    expect(metadata).toEqual({ top1: 0.5 });
    const w0 = snapshot(model.namedWeights());
    for (const [k, v] of snapshot(back.namedWeights())) expect(Array.from(v), k).toEqual(Array.from(w0.get(k)!));
    back.dispose();

    const other = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 9 });
    const { fileHandler, encodeCheckpoint } = await import('@odl/models');
    const failing = fileHandler(path, {
      beforeCommit: () => {
        throw new Error('simulated crash');
      },
    });
    await expect(failing.save!(await encodeCheckpoint(other, { metadata: { top1: 0.9 } }))).rejects.toThrow('simulated crash');
    expect(readdirSync(dir).filter((f) => f.startsWith('ckpt')).sort()).toEqual(['ckpt']);
    const { model: still, metadata: m2 } = await loadCheckpoint(path);
    expect(m2).toEqual({ top1: 0.5 });
    for (const [k, v] of snapshot(still.namedWeights())) expect(Array.from(v), k).toEqual(Array.from(w0.get(k)!));
    // a completed save replaces it
    await saveCheckpoint(other, path, { metadata: { top1: 0.9 } });
    const { model: replaced, metadata: m3 } = await loadCheckpoint(path);
    expect(m3).toEqual({ top1: 0.9 });
    expect(readdirSync(dir).filter((f) => f.startsWith('ckpt'))).toEqual(['ckpt']);
    await expect(loadCheckpoint(join(dir, 'nothing-here'))).rejects.toThrow(/model\.json is missing/);
    [model, other, still, replaced].forEach((m) => m.dispose());
  });
});

describe('resolveHandler', () => {
  it('uses the atomic file handler for paths in Node and names the fix for browser-only URLs', async () => {
    const { resolveHandler } = await import('@odl/models');
    expect(typeof resolveHandler('/tmp/x', 'save').save).toBe('function');
    expect(typeof resolveHandler('file:///tmp/x', 'load').load).toBe('function');
    expect(() => resolveHandler('indexeddb://model', 'save')).toThrow(/no tfjs IO handler for 'indexeddb:\/\/model'.*in browsers use 'indexeddb/);
  });
});
