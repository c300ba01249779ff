import { ArgumentError } from '@odl/backend';
import { LabelRangeError, TruncatedFileError } from '../errors';
import { createImageDataset, type ImageDataset } from '../dataset';
import { maybeGunzip, type GunzipOptions } from './gzip';

/** CIFAR-10 class names, index = label (from `batches.meta.txt`). */
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck',
];

/** CIFAR-100 fine class names, index = fine label (from `fine_label_names.txt`). */
export const CIFAR100_FINE_CLASSES: readonly string[] = [
  'apple', 'aquarium_fish', 'baby', 'bear', 'beaver', 'bed', 'bee', 'beetle', 'bicycle', 'bottle',
  'bowl', 'boy', 'bridge', 'bus', 'butterfly', 'camel', 'can', 'castle', 'caterpillar', 'cattle',
  'chair', 'chimpanzee', 'clock', 'cloud', 'cockroach', 'couch', 'crab', 'crocodile', 'cup', 'dinosaur',
  'dolphin', 'elephant', 'flatfish', 'forest', 'fox', 'girl', 'hamster', 'house', 'kangaroo', 'keyboard',
  'lamp', 'lawn_mower', 'leopard', 'lion', 'lizard', 'lobster', 'man', 'maple_tree', 'motorcycle', 'mountain',
  'mouse', 'mushroom', 'oak_tree', 'orange', 'orchid', 'otter', 'palm_tree', 'pear', 'pickup_truck', 'pine_tree',
  'plain', 'plate', 'poppy', 'porcupine', 'possum', 'rabbit', 'raccoon', 'ray', 'road', 'rocket',
  'rose', 'sea', 'seal', 'shark', 'shrew', 'skunk', 'skyscraper', 'snail', 'snake', 'spider',
  'squirrel', 'streetcar', 'sunflower', 'sweet_pepper', 'table', 'tank', 'telephone', 'television', 'tiger', 'tractor',
  'train', 'trout', 'tulip', 'turtle', 'wardrobe', 'whale', 'willow_tree', 'wolf', 'woman', 'worm',
];

/** CIFAR-100 coarse (superclass) names, index = coarse label (from `coarse_label_names.txt`). */
export const CIFAR100_COARSE_CLASSES: readonly string[] = [
  'aquatic_mammals', 'fish', 'flowers', 'food_containers', 'fruit_and_vegetables',
  'household_electrical_devices', 'household_furniture', 'insects', 'large_carnivores',
  'large_man-made_outdoor_things', 'large_natural_outdoor_scenes', 'large_omnivores_and_herbivores',
  'medium_mammals', 'non-insect_invertebrates', 'people', 'reptiles', 'small_mammals', 'trees',
  'vehicles_1', 'vehicles_2',
];

/** Side of a CIFAR image in pixels. */
const SIDE = 32;
/** Pixel bytes of one CIFAR record (3 planes of 32×32). */
const PIXEL_BYTES = 3 * SIDE * SIDE;

/** Options of {@link parseCifar10}. */
export interface Cifar10Options {
  /** File name used in error messages (default `'<bytes>'`). */
  file?: string;
  /** Limits of the decompression of a gzipped batch. */
  gunzip?: GunzipOptions;
}

/** Options of {@link parseCifar100}. */
export interface Cifar100Options {
  /** File name used in error messages (default `'<bytes>'`). */
  file?: string;
  /** Which label to keep: `'fine'` (100 classes, default) or `'coarse'` (20 superclasses). */
  labels?: 'fine' | 'coarse';
  /** Limits of the decompression of a gzipped batch. */
  gunzip?: GunzipOptions;
}

function parseRecords(bytes: Uint8Array, file: string, labelBytes: number, labelIndex: number, numClasses: number, classNames: readonly string[], gunzipOptions?: GunzipOptions): ImageDataset {
  const raw = maybeGunzip(bytes, file, gunzipOptions);
  const record = labelBytes + PIXEL_BYTES;
  const kind = labelBytes === 1 ? 'CIFAR-10' : 'CIFAR-100';
  if (raw.length === 0) throw new TruncatedFileError(file, `the file is empty; a ${kind} batch holds records of ${record} bytes`);
  if (raw.length % record !== 0) {
    throw new TruncatedFileError(file, `${raw.length} bytes is not a whole number of ${record}-byte CIFAR records (${Math.floor(raw.length / record)} full records and ${raw.length % record} bytes left); the file is cut short or is not a ${kind} binary batch`);
  }
  const n = raw.length / record;
  // Every label is checked before the images are allocated.
  for (let i = 0; i < n; i++) {
    const base = i * record;
    if (labelBytes === 2) {
      if (raw[base] >= 20) throw new LabelRangeError(file, `record ${i} has coarse label ${raw[base]}, but coarse labels are 0..19; is this really a CIFAR-100 file?`);
      if (raw[base + 1] >= 100) throw new LabelRangeError(file, `record ${i} has fine label ${raw[base + 1]}, but fine labels are 0..99; is this really a CIFAR-100 file?`);
    } else if (raw[base] >= numClasses) {
      throw new LabelRangeError(file, `record ${i} has label ${raw[base]}, but CIFAR-10 labels are 0..9; is this a CIFAR-100 file read as CIFAR-10?`);
    }
  }
  const images = new Uint8Array(n * PIXEL_BYTES);
  const labels = new Int32Array(n);
  const plane = SIDE * SIDE;
  for (let i = 0; i < n; i++) {
    const base = i * record;
    labels[i] = raw[base + labelIndex];
    // CHW planes (R, G, B) -> HWC.
    const src = base + labelBytes;
    const dst = i * PIXEL_BYTES;
    for (let p = 0; p < plane; p++) {
      images[dst + 3 * p] = raw[src + p];
      images[dst + 3 * p + 1] = raw[src + plane + p];
      images[dst + 3 * p + 2] = raw[src + 2 * plane + p];
    }
  }
  return createImageDataset({ images, shape: [n, SIDE, SIDE, 3], labels, classNames: [...classNames], file });
}

/**
 * Parses a CIFAR-10 binary batch (`data_batch_1.bin` … `test_batch.bin`; raw or gzipped):
 * records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32×32). Returns 32×32×3 uint8
 * images (HWC) with labels 0..9. The size must be a whole number of records and every label is
 * checked before the images are allocated; a gzipped batch must pass every {@link gunzip} check
 * (so a rewritten trailer cannot drop records). Throws {@link TruncatedFileError},
 * {@link LabelRangeError} or {@link CorruptFileError}, naming the file.
 *
 * @example
 * ```ts
 * const test = parseCifar10(await readFileBytes('cifar-10-batches-bin/test_batch.bin'));
 * ```
 */
export function parseCifar10(bytes: Uint8Array, options: Cifar10Options = {}): ImageDataset {
  return parseRecords(bytes, options.file ?? '<bytes>', 1, 0, 10, CIFAR10_CLASSES, options.gunzip);
}

/**
 * Parses a CIFAR-100 binary file (`train.bin`, `test.bin`; raw or gzipped): records of a
 * coarse label byte, a fine label byte and 3072 pixel bytes. Keeps the fine (default) or coarse
 * label. Checked like {@link parseCifar10}: whole records, both labels of every record in range,
 * gzip members and trailers. Throws {@link TruncatedFileError}, {@link LabelRangeError} or
 * {@link CorruptFileError}, naming the file.
 *
 * @example
 * ```ts
 * const coarse = parseCifar100(bytes, { labels: 'coarse' }); // numClasses 20
 * ```
 */
export function parseCifar100(bytes: Uint8Array, options: Cifar100Options = {}): ImageDataset {
  const which = options.labels ?? 'fine';
  if (which !== 'fine' && which !== 'coarse') throw new ArgumentError(`parseCifar100: labels must be 'fine' or 'coarse', got '${String(which)}'`);
  return which === 'fine'
    ? parseRecords(bytes, options.file ?? '<bytes>', 2, 1, 100, CIFAR100_FINE_CLASSES, options.gunzip)
    : parseRecords(bytes, options.file ?? '<bytes>', 2, 0, 20, CIFAR100_COARSE_CLASSES, options.gunzip);
}
