import { ArgumentError } from '@odl/backend';
import { findPackageAsset } from '@odl/backend/node';
import { MissingFileError } from './errors';
import { FASHION_MNIST_CLASSES } from './formats/classes';
import { idxToDataset } from './formats/idx';
import { selectClasses, type ImageDataset } from './dataset';

/** Splits of the embedded Fashion-MNIST subset. */
export type EmbeddedSplit = 'finetune-train' | 'finetune-test' | 'calibration';

/** Original Fashion-MNIST classes of each embedded split. */
export const EMBEDDED_SPLIT_CLASSES: Readonly<Record<EmbeddedSplit, readonly number[]>> = {
  'finetune-train': [5, 6, 7, 8, 9],
  'finetune-test': [5, 6, 7, 8, 9],
  calibration: [0, 1, 2, 3, 4],
};

/** The two IDX .gz files of a split (names, paths or bytes, depending on use). */
export interface EmbeddedFiles<T> {
  /** The images file (IDX, 28×28 uint8, gzipped). */
  images: T;
  /** The labels file (IDX, uint8, gzipped). */
  labels: T;
}

/**
 * File names of an embedded split inside the data folder (`@odl/datasets/data/…`; bundlers can
 * import them as assets through the package's `./data/*` export).
 *
 * @example
 * ```ts
 * embeddedFileNames('calibration').images; // 'fashion-mnist-calibration-images-idx3-ubyte.gz'
 * ```
 */
export function embeddedFileNames(split: EmbeddedSplit): EmbeddedFiles<string> {
  if (!(split in EMBEDDED_SPLIT_CLASSES)) {
    throw new ArgumentError(`embedded Fashion-MNIST: unknown split '${String(split)}'; use 'finetune-train', 'finetune-test' or 'calibration'`);
  }
  return {
    images: `fashion-mnist-${split}-images-idx3-ubyte.gz`,
    labels: `fashion-mnist-${split}-labels-idx1-ubyte.gz`,
  };
}

const isNode = (): boolean => typeof process !== 'undefined' && process.versions?.node != null;

// Kept in a variable so that bundlers do not try to turn `new URL('<literal>', import.meta.url)`
// into an asset reference to a folder.
const RELATIVE_DATA_DIR = '../data/';

/**
 * Finds the embedded data folder in Node, trying in order: the `ODL_DATASETS_DATA_DIR`
 * environment variable; `../data/` next to this module (works from `src/` and from `dist/`);
 * the folder of the installed `@odl/datasets` package, resolved with `createRequire` from this
 * module and from the working directory (works when this code is bundled into another file,
 * such as the odl CLI). Throws {@link MissingFileError} listing what it tried.
 *
 * @example
 * ```ts
 * const dir = await resolveEmbeddedDataDir(); // '/…/node_modules/@odl/datasets/data'
 * ```
 */
export async function resolveEmbeddedDataDir(): Promise<string> {
  const marker = embeddedFileNames('finetune-train').labels;
  return findPackageAsset({
    envVar: 'ODL_DATASETS_DATA_DIR',
    relativeUrl: RELATIVE_DATA_DIR,
    baseUrl: import.meta.url,
    packageName: '@odl/datasets',
    subpath: 'data',
    marker,
    notFound: (tried) =>
      new MissingFileError(marker, `embedded Fashion-MNIST data not found (tried ${tried.join(', ') || 'nothing'}); set ODL_DATASETS_DATA_DIR or pass { dir }`),
  });
}

/** Options of {@link loadEmbeddedFashionMnist}. */
export interface EmbeddedOptions {
  /**
   * The data folder: a path (Node) or a URL (`file:` in Node, `http(s):` anywhere, fetched).
   * Default: {@link resolveEmbeddedDataDir} in Node, `../data/` next to the module elsewhere.
   */
  dir?: string | URL;
  /** The two files' bytes, already loaded (e.g. by a bundler's asset import); skips all I/O. */
  bytes?: EmbeddedFiles<Uint8Array>;
  /**
   * Relabel the split's classes 0..4 (default true): the fine-tuning splits' classes 5–9 become
   * 0–4 (Sandal … Ankle boot) so a fresh 5-way head fits; calibration's 0–4 stay 0–4. With
   * false the labels stay 0..9 and numClasses is 10.
   */
  relabel?: boolean;
}

async function readFrom(dir: string | URL, name: string): Promise<Uint8Array> {
  const asUrl = dir instanceof URL ? dir : /^[a-z][a-z0-9+.-]*:\/\//i.test(dir) ? new URL(dir) : null;
  if (asUrl == null || asUrl.protocol === 'file:') {
    if (!isNode()) throw new ArgumentError(`embedded Fashion-MNIST: '${String(dir)}' is a file path, which only Node can read; pass an http(s) URL or the bytes`);
    const { readFileBytes } = await import('./node/files');
    const { join } = await import('node:path');
    const { fileURLToPath } = await import('node:url');
    return readFileBytes(join(asUrl == null ? (dir as string) : fileURLToPath(asUrl), name));
  }
  const base = asUrl.href.endsWith('/') ? asUrl : new URL(`${asUrl.href}/`);
  const url = new URL(name, base);
  const res = await fetch(url);
  if (!res.ok) throw new MissingFileError(url.href, `HTTP ${res.status} while fetching the embedded data`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Loads a split of the embedded Fashion-MNIST subset that ships with this package (28×28×1
 * uint8, Zalando Research, MIT): `'finetune-train'` (classes 5–9, 600 each, from the official
 * train set), `'finetune-test'` (classes 5–9, 200 each, official test set), `'calibration'`
 * (classes 0–4, 100 each, official train set). No network, no system package.
 *
 * @example
 * ```ts
 * const train = await loadEmbeddedFashionMnist('finetune-train');
 * console.log(train.shape, train.classNames); // [3000, 28, 28, 1] ['Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot']
 * ```
 */
export async function loadEmbeddedFashionMnist(split: EmbeddedSplit, options: EmbeddedOptions = {}): Promise<ImageDataset> {
  const names = embeddedFileNames(split);
  let bytes = options.bytes;
  if (bytes == null) {
    const dir = options.dir ?? (isNode() ? await resolveEmbeddedDataDir() : new URL(RELATIVE_DATA_DIR, import.meta.url));
    const [images, labels] = await Promise.all([readFrom(dir, names.images), readFrom(dir, names.labels)]);
    bytes = { images, labels };
  }
  const full = idxToDataset(bytes.images, bytes.labels, {
    imagesFile: names.images,
    labelsFile: names.labels,
    classNames: [...FASHION_MNIST_CLASSES],
  });
  if (options.relabel === false) return full;
  return selectClasses(full, [...EMBEDDED_SPLIT_CLASSES[split]]);
}
