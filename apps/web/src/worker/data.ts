// Training data inside the worker: the embedded Fashion-MNIST subset fetched from the page's
// origin, or the user's own images (class subfolders or camera snapshots) decoded with
// createImageBitmap through @odl/datasets' browser decoder.
import {
  createBrowserImageDecoder,
  indexImageFolder,
  loadEmbeddedFashionMnist,
  loadImageFolder,
  memoryFileSource,
  ratioSplit,
  selectIndices,
  type ImageDataset,
} from '@odl/datasets';
import { SeededRandom } from '@odl/backend';
import { EMBEDDED_URLS, absolute, type SplitName } from './assets';
import { RunRequestError } from './errors';

const embeddedCache = new Map<SplitName, Promise<ImageDataset>>();

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(absolute(url));
  if (!res.ok) throw new RunRequestError(`could not fetch ${url}: HTTP ${res.status}; rebuild the page (the data files are part of the build) and reload`);
  return new Uint8Array(await res.arrayBuffer());
}

/** One split of the embedded subset (classes relabelled 0–4), fetched once per worker. */
export function embeddedSplit(split: SplitName): Promise<ImageDataset> {
  let p = embeddedCache.get(split);
  if (p == null) {
    const urls = EMBEDDED_URLS[split];
    p = Promise.all([fetchBytes(urls.images), fetchBytes(urls.labels)]).then(([images, labels]) =>
      loadEmbeddedFashionMnist(split, { bytes: { images, labels } }),
    );
    p.catch(() => embeddedCache.delete(split));
    embeddedCache.set(split, p);
  }
  return p;
}

/** The user's files, by relative path `class/name.ext` (the page strips the picked folder). */
let userFiles: Record<string, Uint8Array> = {};

/** Replaces the user's files and returns their classes and counts (no image is decoded yet). */
export async function setUserFiles(files: { path: string; bytes: ArrayBuffer }[]): Promise<{ classNames: string[]; counts: number[]; total: number }> {
  const map: Record<string, Uint8Array> = {};
  for (const f of files) map[f.path] = new Uint8Array(f.bytes);
  const index = await indexImageFolder(memoryFileSource(map, 'your images'), { maxImbalance: Infinity });
  userFiles = map;
  return { classNames: index.classNames, counts: index.counts, total: index.files.length };
}

/** Train, test and calibration images for one run. */
export interface RunData {
  /** Training images. */
  train: ImageDataset;
  /** Held-out images (evaluation). */
  test: ImageDataset;
  /** Calibration images of the pretraining distribution, for a method's planner. */
  calibration: ImageDataset;
  /** Class names of train/test. */
  classNames: string[];
}

/**
 * Loads the data of a run. User images are decoded, resized to the model's input and split
 * 80/20 (stratified, seeded); calibration always uses the embedded pretraining classes.
 */
export async function loadRunData(kind: 'embedded' | 'user', input: { height: number; width: number; channels: number }, seed: number): Promise<RunData> {
  const calibration = await embeddedSplit('calibration');
  if (kind === 'embedded') {
    const [train, test] = await Promise.all([embeddedSplit('finetune-train'), embeddedSplit('finetune-test')]);
    return { train, test, calibration, classNames: train.classNames };
  }
  if (Object.keys(userFiles).length === 0) throw new RunRequestError('no images of your own yet: pick a folder of class subfolders, drop one, or take camera snapshots');
  const all = await loadImageFolder(memoryFileSource(userFiles, 'your images'), {
    decoder: createBrowserImageDecoder(),
    size: [input.height, input.width],
    channels: input.channels === 1 ? 1 : 3,
    maxImbalance: Infinity,
  });
  if (all.numClasses < 2) throw new RunRequestError(`your images have ${all.numClasses} class; give at least two class folders (labels)`);
  const { train, val } = ratioSplit(all.labels, { ratio: 0.8, seed });
  if (val.length === 0) throw new RunRequestError('too few images of your own to hold any out for evaluation; add a few more per class');
  return { train: selectIndices(all, train), test: selectIndices(all, val), calibration, classNames: all.classNames };
}

/** A seeded subset of `n` images (all when `n` ≥ the dataset size), in a shuffled order. */
export function subset(ds: ImageDataset, n: number, seed: number): ImageDataset {
  const total = ds.shape[0];
  if (n >= total) return ds;
  const order = new SeededRandom(seed).shuffle(Array.from({ length: total }, (_, i) => i));
  return selectIndices(ds, order.slice(0, n).sort((a, b) => a - b));
}
