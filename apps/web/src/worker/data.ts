// Training data inside the worker: the embedded Fashion-MNIST subset fetched from the page's
// origin, or the user's own images (class subfolders or camera snapshots), checked when given and
// decoded with createImageBitmap through @odl/datasets' browser decoder.
import {
  checkResizeCrop,
  createBrowserImageDecoder,
  loadEmbeddedFashionMnist,
  loadImageFolder,
  memoryFileSource,
  ratioSplit,
  selectIndices,
  type ImageDataset,
} from '@odl/datasets';
import { SeededRandom } from '@odl/backend';
import { USER_IMAGE_EXTENSIONS, type SkippedFile, type UserDataSummary } from '../protocol';
import { EMBEDDED_URLS, absolute, type SplitName } from './assets';
import { RunRequestError } from './errors';
import { USER_ROOT, USER_TRAIN_RATIO, checkUserFiles, indexUserFiles, userDataProblem, userDataSummary } from './user-files';

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

/** The user's checked, decodable files, by relative path `class/name.ext` (the page strips the picked folder). */
let userFiles: Record<string, Uint8Array> = {};
/** Counts calls of {@link setUserFiles}: only the latest one's files are kept. */
let generation = 0;

/**
 * Replaces the user's files: decodes each one now, keeps the good ones for the runs and returns
 * what a run will use, the skipped files (with `ignored`, the page's own) and why a run cannot
 * start, if it cannot. Returns null when a later call superseded this one.
 */
export async function setUserFiles(files: { path: string; bytes: ArrayBuffer }[], ignored: SkippedFile[]): Promise<UserDataSummary | null> {
  const mine = ++generation;
  const checked = await checkUserFiles(files.map((f) => ({ path: f.path, bytes: new Uint8Array(f.bytes) })), createBrowserImageDecoder());
  const index = await indexUserFiles(checked.good);
  if (mine !== generation) return null;
  userFiles = checked.good;
  return userDataSummary(index, [...ignored, ...checked.skipped], files.length + ignored.length);
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
  /** The user's images only: the shorter side each was resized to, and the square it was cropped to. */
  userImageSize?: { resizeTo: number; size: number };
}

/**
 * Loads the data of a run. User images (photos of any size and shape) are decoded one at a time,
 * resized and centre-cropped to the model's input by @odl/datasets' `resizeCrop` (torchvision's
 * evaluation transform: shorter side to round(size·256/224), centre size×size), and split 80/20
 * (stratified, seeded); calibration always uses the embedded pretraining classes.
 */
export async function loadRunData(kind: 'embedded' | 'user', input: { height: number; width: number; channels: number }, seed: number): Promise<RunData> {
  const calibration = await embeddedSplit('calibration');
  if (kind === 'embedded') {
    const [train, test] = await Promise.all([embeddedSplit('finetune-train'), embeddedSplit('finetune-test')]);
    return { train, test, calibration, classNames: train.classNames };
  }
  const problem = userDataProblem(await indexUserFiles(userFiles), Object.keys(userFiles).length, seed);
  if (problem != null) throw new RunRequestError(problem);
  const userImageSize = checkResizeCrop({ size: input.height });
  const all = await loadImageFolder(memoryFileSource(userFiles, USER_ROOT), {
    decoder: createBrowserImageDecoder(),
    resizeCrop: userImageSize,
    channels: input.channels === 1 ? 1 : 3,
    maxImbalance: Infinity,
    extensions: [...USER_IMAGE_EXTENSIONS],
  });
  const { train, val } = ratioSplit(all.labels, { ratio: USER_TRAIN_RATIO, seed });
  return { train: selectIndices(all, train), test: selectIndices(all, val), calibration, classNames: all.classNames, userImageSize };
}

/** A seeded subset of `n` images (all when `n` ≥ the dataset size), in a shuffled order. */
export function subset(ds: ImageDataset, n: number, seed: number): ImageDataset {
  const total = ds.shape[0];
  if (n >= total) return ds;
  const order = new SeededRandom(seed).shuffle(Array.from({ length: total }, (_, i) => i));
  return selectIndices(ds, order.slice(0, n).sort((a, b) => a - b));
}
