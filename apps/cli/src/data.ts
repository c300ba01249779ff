import { statSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkResizeCrop,
  convertChannels,
  createImageDataset,
  loadCifarFiles,
  loadIdxFiles,
  loadImageFolderFromDisk,
  ratioSplit,
  selectIndices,
  type ImageDataset,
} from '@odl/datasets';
import { enumOption, integerOption } from './args';
import { DataError, UsageError } from './errors';

/** Dataset formats `odl finetune --format` accepts. */
export const DATA_FORMATS = ['idx', 'cifar10', 'cifar100', 'folder'] as const;

/** A dataset format. */
export type DataFormat = (typeof DATA_FORMATS)[number];

/** Where `--data` / `--test-data` point, checked before anything is read. */
export interface DataSource {
  /** The format. */
  format: DataFormat;
  /** `--data` as given. */
  path: string;
  /** Training files: idx [images, labels], the CIFAR batch files, or the folder. */
  trainFiles: string[];
  /** Test files, when there are any (idx: the t10k pair beside the training pair). */
  testFiles?: string[];
  /** idx: the number of classes (`--classes`); a label outside is a data error. */
  numClasses?: number;
  /** folder: `--size`, the side of the square each image is resized and centre-cropped to. */
  size?: number;
}

/** Bounds of `--size`, in pixels (those of a zoo architecture's `--resolution`). */
export const SIZE_RANGE = [8, 1024] as const;

/** Training and test images read from the user's files. */
export interface LoadedData {
  /** Training images. */
  train: ImageDataset;
  /** Test images (a seeded 20 % of train when no test files are given). */
  test: ImageDataset;
  /** Where the test split came from. */
  testSource: string;
  /** What was done to fit the model's input channels, when anything was. */
  channelNote?: string;
  /** folder: how the images were sized (resized and centre-cropped to `--size`). */
  sizeNote?: string;
}

function kindOf(path: string): 'file' | 'folder' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

function needKind(flag: string, path: string, want: 'file' | 'folder'): string {
  const kind = kindOf(path);
  if (kind === want) return path;
  if (kind === 'missing') throw new UsageError(`--${flag} ${path}: no such ${want}`);
  throw new UsageError(`--${flag} ${path}: is a ${kind}; this format needs a ${want}`);
}

function firstExisting(dir: string, names: string[]): string | undefined {
  return names.map((n) => join(dir, n)).find((p) => kindOf(p) === 'file');
}

function idxPair(dir: string, prefix: 'train' | 't10k'): [string, string] | undefined {
  const images = firstExisting(dir, [`${prefix}-images-idx3-ubyte.gz`, `${prefix}-images-idx3-ubyte`, `${prefix}-images.idx3-ubyte`]);
  const labels = firstExisting(dir, [`${prefix}-labels-idx1-ubyte.gz`, `${prefix}-labels-idx1-ubyte`, `${prefix}-labels.idx1-ubyte`]);
  if (images == null && labels == null) return undefined;
  if (images == null || labels == null) {
    throw new UsageError(`--data ${dir}: has ${prefix}-${images ? 'images' : 'labels'} but no ${prefix}-${images ? 'labels' : 'images'} file (e.g. ${prefix}-${images ? 'labels-idx1' : 'images-idx3'}-ubyte.gz)`);
  }
  return [images, labels];
}

/**
 * Checks `--data`, `--format`, `--test-data`, `--classes` and `--size` without reading any data:
 * the format is known, every file or folder they name exists with the right kind, and `--size`
 * (folders only) is a whole number of pixels in {@link SIZE_RANGE}. Returns `undefined` for the
 * embedded data.
 */
export function checkDataArgs(data: string, format: string | undefined, testData: string | undefined, classes?: string, size?: string): DataSource | undefined {
  if (classes != null && format !== 'idx') throw new UsageError(`--classes applies to --format idx; CIFAR files and image folders know their classes`);
  if (data === 'embedded') {
    if (format != null) throw new UsageError(`--format applies to a --data path; the embedded data needs none`);
    if (testData != null) throw new UsageError(`--test-data goes with a --data path; the embedded data has its own test split`);
    if (size != null) throw new UsageError(`--size applies to --data <folder> --format folder (photos of mixed sizes); the embedded images have a fixed size`);
    return undefined;
  }
  if (format == null) throw new UsageError(`--format is needed with --data '${data}' (${DATA_FORMATS.join(', ')})`);
  const f = enumOption('format', format, DATA_FORMATS, 'idx');
  if (size != null && f !== 'folder') throw new UsageError(`--size applies to --format folder (photos of mixed sizes); --format ${f} images have a fixed size`);
  if (f === 'idx') {
    if (testData != null) throw new UsageError(`--test-data does not apply to --format idx: the t10k-* files in the --data folder are the test set`);
    const train = idxPair(needKind('data', data, 'folder'), 'train');
    if (train == null) throw new UsageError(`--data ${data}: no train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz) there`);
    const numClasses = classes == null ? undefined : integerOption('classes', classes, 0, 2, 1 << 16);
    return { format: f, path: data, trainFiles: train, testFiles: idxPair(data, 't10k'), numClasses };
  }
  if (f === 'folder') {
    const px = size == null ? undefined : integerOption('size', size, 0, ...SIZE_RANGE);
    return { format: f, path: data, trainFiles: [needKind('data', data, 'folder')], testFiles: testData != null ? [needKind('test-data', testData, 'folder')] : undefined, size: px };
  }
  const files = (flag: string, list: string) => list.split(',').map((p) => needKind(flag, p.trim(), 'file'));
  return { format: f, path: data, trainFiles: files('data', data), testFiles: testData != null ? files('test-data', testData) : undefined };
}

/**
 * `ds` with `channels` channels: 3 (or 4) → 1 by ITU-R BT.601 luma, 1 → 3 by repeating the
 * grey value, 4 → 3 by dropping alpha (`convertChannels` of @odl/datasets, image by image).
 * Returns `ds` itself when it already has them.
 */
export function withChannels(ds: ImageDataset, channels: 1 | 3): ImageDataset {
  const [n, h, w, c] = ds.shape;
  if (c === channels) return ds;
  if (!(ds.images instanceof Uint8Array)) throw new DataError('channels', `the images have ${c} channels and are not 8-bit; cannot convert them to ${channels}`);
  const from = h * w * c;
  const to = h * w * channels;
  const out = new Uint8Array(n * to);
  for (let i = 0; i < n; i++) {
    const img = convertChannels({ width: w, height: h, channels: c as 1 | 3 | 4, data: ds.images.subarray(i * from, (i + 1) * from) }, channels);
    out.set(img.data, i * to);
  }
  return createImageDataset({ images: out, shape: [n, h, w, channels], labels: ds.labels, classNames: ds.classNames, numClasses: ds.numClasses });
}

/**
 * A data error when `ds` holds fewer than two classes (training a classifier needs two), or, for
 * idx labels whose class count was not given, when the largest label implies more than twice as
 * many classes as there are labels (a stray label would otherwise size the classifier).
 */
export function checkClasses(ds: ImageDataset, where: string, source: Pick<DataSource, 'format' | 'numClasses'>): void {
  const format = source.format;
  const present = new Set(ds.labels).size;
  if (format === 'idx' && source.numClasses == null && ds.numClasses > 2 * present) {
    throw new DataError(
      'sparse-labels',
      `${where}: the labels run up to ${ds.numClasses - 1}, yet only ${present} different labels occur; pass --classes <n> with the number of classes (a label outside 0..n-1 is then reported)`,
    );
  }
  if (ds.numClasses >= 2 && present >= 2) return;
  const only = present === 1 ? ` ('${ds.classNames[ds.labels[0]!] ?? ds.labels[0]}')` : '';
  const fix = format === 'folder' ? 'add a subfolder of images for each class' : 'give data with at least two labels';
  throw new DataError('one-class', `${where}: the training data has ${present} class${present === 1 ? '' : 'es'}${only}; fine-tuning a classifier needs at least 2: ${fix}`);
}

async function readFiles(source: DataSource, files: string[], channels: 1 | 3 | undefined, size: number | undefined): Promise<ImageDataset> {
  if (source.format === 'idx') return loadIdxFiles(files[0]!, files[1]!, { numClasses: source.numClasses });
  if (source.format === 'folder') return loadImageFolderFromDisk(files[0]!, { channels: channels ?? 3, resizeCrop: size == null ? undefined : { size } });
  return loadCifarFiles(files, { variant: source.format });
}

/** What {@link loadUserData} says about how a folder's images were sized. */
function sizeNoteOf(size: number, given: boolean, inputSize: number | undefined): string {
  const how = `each image's shorter side resized to ${checkResizeCrop({ size }).resizeTo} px (antialiased bilinear, as torchvision/PIL), then centre-cropped to ${size}×${size}`;
  if (!given) return `${how} (the model's input; set --size to change)`;
  if (inputSize != null && inputSize !== size) return `${how}; the model's input is ${inputSize} px, so each crop is fitted to it once more`;
  return how;
}

/**
 * Reads a dataset checked by {@link checkDataArgs}, in `channels` channels (the model's: RGB
 * images become grey for a 1-channel model; grey images stay grey for a 3-channel one, which
 * repeats them), and checks that it holds at least two classes. Without test data, a seeded,
 * stratified 80/20 split of train is used. Without `channels`, the images keep theirs (a folder's
 * are read as RGB). A folder's images are resized and centre-cropped (torchvision's evaluation
 * transform, `resizeCrop` of @odl/datasets) to `--size`, else to `inputSize` (the model's input
 * resolution), one image at a time.
 */
export async function loadUserData(source: DataSource, seed: number, channels?: 1 | 3, inputSize?: number): Promise<LoadedData> {
  const size = source.format === 'folder' ? (source.size ?? inputSize) : undefined;
  const raw = await readFiles(source, source.trainFiles, channels, size);
  checkClasses(raw, source.path, source);
  const fit = (ds: ImageDataset) => (channels == null || (ds.shape[3] === 1 && channels === 3) ? ds : withChannels(ds, channels));
  const train = fit(raw);
  const channelNote =
    train !== raw
      ? `${raw.shape[3]}-channel images converted to ${channels} channel${channels === 1 ? ' (grey, BT.601 luma)' : 's'} for the model`
      : source.format === 'folder' && channels === 1
        ? 'images read as grey (1 channel, BT.601 luma from RGB) for the model'
        : undefined;
  const sizeNote = size == null ? undefined : sizeNoteOf(size, source.size != null, inputSize);
  if (source.testFiles != null) {
    const test = fit(await readFiles(source, source.testFiles, channels, size));
    return { train, test, testSource: source.testFiles.join(','), channelNote, sizeNote };
  }
  const split = ratioSplit(train.labels, { ratio: 0.8, seed });
  return { train: selectIndices(train, split.train), test: selectIndices(train, split.val), testSource: '20% of train (seeded split)', channelNote, sizeNote };
}
