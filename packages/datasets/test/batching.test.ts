import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, setupBackend, tf } from '@odl/backend';
import {
  batchCount, classCounts, compose, concatDatasets, createImageDataset, epochOrder, grayscaleToRgb, jsBatches,
  LabelRangeError, normalize, ratioSplit, relabelDataset, resize, selectClasses, selectIndices, tensorBatches,
} from '@odl/datasets';

const N = 23;
const ds = createImageDataset({
  images: Uint8Array.from({ length: N * 2 * 2 }, (_, i) => i % 251),
  shape: [N, 2, 2, 1],
  labels: Array.from({ length: N }, (_, i) => i % 10),
  classNames: Array.from({ length: 10 }, (_, k) => `c${k}`),
});

describe('dataset model', () => {
  it('validates labels and shapes', () => {
    expect(() => createImageDataset({ images: new Uint8Array(4), shape: [1, 2, 2, 1], labels: [3], numClasses: 3, file: 'l.idx' })).toThrow(LabelRangeError);
    expect(() => createImageDataset({ images: new Uint8Array(4), shape: [1, 2, 2, 1], labels: [-1] })).toThrow(LabelRangeError);
    expect(() => createImageDataset({ images: new Uint8Array(5), shape: [1, 2, 2, 1], labels: [0] })).toThrow(/needs 4 pixel values/);
  });

  it('keeps classes 5-9 and relabels them 0-4', () => {
    const sub = selectClasses(ds, [5, 6, 7, 8, 9]);
    expect(sub.numClasses).toBe(5);
    expect(sub.classNames).toEqual(['c5', 'c6', 'c7', 'c8', 'c9']);
    const kept = Array.from({ length: N }, (_, i) => i).filter((i) => i % 10 >= 5);
    expect(Array.from(sub.labels)).toEqual(kept.map((i) => (i % 10) - 5));
    kept.forEach((i, k) => expect(Array.from(sub.images.subarray(k * 4, k * 4 + 4))).toEqual(Array.from(ds.images.subarray(i * 4, i * 4 + 4))));
    const raw = selectClasses(ds, [9, 5], { relabel: false });
    expect(new Set(raw.labels)).toEqual(new Set([5, 9]));
    const reordered = selectClasses(ds, [9, 5]);
    expect(reordered.classNames).toEqual(['c9', 'c5']);
    expect(Array.from(reordered.labels)).toEqual(Array.from(raw.labels).map((l) => (l === 9 ? 0 : 1)));
    const coarse = relabelDataset(ds, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1], ['low', 'high']);
    expect(Array.from(classCounts(coarse))).toEqual([13, 10]) // labels 0-4: i = 0..4, 10..14, 20..22;
    expect(concatDatasets([ds, selectIndices(ds, [0, 1])]).shape).toEqual([N + 2, 2, 2, 1]);
  });

  it('seeded stratified 80/20 split: disjoint, complete, proportional, reproducible', () => {
    const labels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 5);
    const a = ratioSplit(labels, { ratio: 0.8, seed: 3 });
    const b = ratioSplit(labels, { ratio: 0.8, seed: 3 });
    const c = ratioSplit(labels, { ratio: 0.8, seed: 4 });
    expect(a).toEqual(b);
    expect(Array.from(a.train)).not.toEqual(Array.from(c.train));
    expect(a.train.length).toBe(800);
    expect(a.val.length).toBe(200);
    expect(new Set([...a.train, ...a.val]).size).toBe(1000);
    for (let k = 0; k < 5; k++) expect(Array.from(a.train).filter((i) => labels[i] === k).length).toBe(160);
    expect(Array.from(a.train)).toEqual([...a.train].sort((x, y) => x - y));
  });
});

describe('batching', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });

  it('counts batches with and without drop-last', () => {
    expect([...jsBatches(ds, { batchSize: 5 })].map((b) => b.y.length)).toEqual([5, 5, 5, 5, 3]);
    expect([...jsBatches(ds, { batchSize: 5, dropLast: true })].map((b) => b.y.length)).toEqual([5, 5, 5, 5]);
    expect(batchCount(23, 5)).toBe(5);
    expect(batchCount(23, 5, true)).toBe(4);
    expect(() => [...jsBatches(ds, { batchSize: 0 })]).toThrow(/positive integer/);
  });

  it('shuffles deterministically per (seed, epoch) and covers every item once', () => {
    const order = (seed: number, epoch: number) => [...jsBatches(ds, { batchSize: 4, shuffle: true, seed, epoch })].flatMap((b) => Array.from(b.indices));
    expect(order(1, 0)).toEqual(order(1, 0));
    expect(order(1, 0)).not.toEqual(order(1, 1));
    expect(order(1, 0)).not.toEqual(order(2, 0));
    expect([...order(1, 0)].sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(Array.from(epochOrder(5))).toEqual([0, 1, 2, 3, 4]);
    const rng = new SeededRandom(0);
    const before = Math.random;
    rng.nextFloat();
    expect(Math.random).toBe(before);
  });

  it('batch contents match the dataset, with transforms applied', () => {
    const t = compose(resize(4, 4), grayscaleToRgb(), normalize({ mean: [0], std: [1] }, 1));
    for (const b of jsBatches(ds, { batchSize: 6, shuffle: true, seed: 5, transform: t })) {
      expect(b.shape).toEqual([b.y.length, 4, 4, 3]);
      b.indices.forEach((i, k) => {
        expect(b.y[k]).toBe(ds.labels[i]);
        // top-left output pixel of a 2x2 -> 4x4 half-pixel resize is the top-left input pixel
        expect(b.x[k * 48]).toBe(ds.images[i * 4]);
        expect(b.x[k * 48 + 2]).toBe(ds.images[i * 4]);
      });
    }
  });

  it('tensor batches are float32 NHWC / int32 and do not leak', () => {
    const before = tf.memory().numTensors;
    let seen = 0;
    for (const { x, y } of tensorBatches(ds, { batchSize: 8 })) {
      expect(x.dtype).toBe('float32');
      expect(y.dtype).toBe('int32');
      expect(x.shape).toEqual([y.shape[0], 2, 2, 1]);
      expect(Array.from(x.dataSync())).toEqual(Array.from(ds.images.subarray(seen * 4, (seen + y.shape[0]) * 4)));
      expect(Array.from(y.dataSync())).toEqual(Array.from(ds.labels.subarray(seen, seen + y.shape[0])));
      seen += y.shape[0];
      tf.dispose([x, y]);
    }
    expect(seen).toBe(N);
    expect(tf.memory().numTensors).toBe(before);
  });
});
