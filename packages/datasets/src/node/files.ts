import { ArgumentError } from '@odl/backend';
import { DatasetError, MissingFileError, UnreadableFileError } from '../errors';
import type { ImageDataset } from '../dataset';
import { idxToDataset, type IdxDatasetOptions } from '../formats/idx';
import { parseCifar10, parseCifar100 } from '../formats/cifar';
import type { GunzipOptions } from '../formats/gzip';
import { concatDatasets } from '../dataset';
import type { FileEntry, FileSource, LoadFolderOptions } from '../formats/folder';
import { loadImageFolder } from '../formats/folder';
import { FASHION_MNIST_CLASSES } from '../formats/classes';
import { createNodeImageDecoder } from './decoders';

// node:fs is imported lazily so that browser bundles of this package never load it.
const fsp = () => import('node:fs/promises');

function pathOf(path: string | URL): string {
  return typeof path === 'string' ? path : decodeURIComponent(path.pathname);
}

/** Options of {@link readFileBytes}. */
export interface ReadFileOptions {
  /** Largest file accepted, in bytes (default 2^31 - 1); checked before reading. */
  maxBytes?: number;
}

/**
 * Reads a whole file in Node as a Uint8Array. The path must be a regular file no larger than
 * `maxBytes` (checked before anything is read, so a device such as /dev/zero or a huge file
 * fails at once). A missing file is a {@link MissingFileError}; a folder, a device, a file
 * over the limit, a permission or read error is an {@link UnreadableFileError}.
 *
 * @example
 * ```ts
 * const bytes = await readFileBytes('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz');
 * ```
 */
export async function readFileBytes(path: string | URL, options: ReadFileOptions = {}): Promise<Uint8Array> {
  const maxBytes = options.maxBytes ?? 0x7fffffff;
  const { open } = await fsp();
  const name = pathOf(path);
  let handle: Awaited<ReturnType<typeof open>> | null = null;
  try {
    handle = await open(path, 'r');
    const info = await handle.stat();
    if (!info.isFile()) throw new UnreadableFileError(name, `is ${info.isDirectory() ? 'a folder' : 'not a regular file'}; pass the path of a data file`);
    if (info.size > maxBytes) throw new UnreadableFileError(name, `is ${info.size} bytes, more than maxBytes=${maxBytes}; is this the right file?`);
    const buf = new Uint8Array(info.size);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await handle.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    if (off !== buf.length) throw new UnreadableFileError(name, `shrank from ${buf.length} to ${off} bytes while being read; is another program writing it?`);
    return buf;
  } catch (e) {
    if (e instanceof DatasetError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingFileError(name, 'no such file');
    if (code === 'EISDIR') throw new UnreadableFileError(name, 'is a folder; pass the path of a data file');
    if (code === 'EACCES' || code === 'EPERM') throw new UnreadableFileError(name, 'permission denied; check the file\'s permissions');
    throw new UnreadableFileError(name, `cannot be read (${(e as Error)?.message ?? String(e)})`);
  } finally {
    await handle?.close();
  }
}

/**
 * A {@link FileSource} over a folder on disk (Node); `options.maxBytes` limits each file read.
 *
 * @example
 * ```ts
 * const ds = await loadImageFolder(nodeFileSource('data/pets'), { decoder: await createNodeImageDecoder() });
 * ```
 */
export function nodeFileSource(root: string, options: ReadFileOptions = {}): FileSource {
  const clean = root.replace(/\/+$/, '');
  return {
    root: clean,
    async list(dir: string): Promise<FileEntry[]> {
      const { readdir } = await fsp();
      try {
        const entries = await readdir(dir === '' ? clean : `${clean}/${dir}`, { withFileTypes: true });
        return entries.map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') throw new MissingFileError(dir === '' ? clean : `${clean}/${dir}`, 'no such folder');
        throw e;
      }
    },
    read: (path: string) => readFileBytes(`${clean}/${path}`, options),
  };
}

/**
 * Reads an image folder from disk with the Node decoder (pngjs + jpeg-js) unless one is given;
 * `maxBytes` limits each file read (default 2^31 − 1).
 *
 * @example
 * ```ts
 * const ds = await loadImageFolderFromDisk('data/flowers', { size: [64, 64] });
 * ```
 */
export async function loadImageFolderFromDisk(root: string, options: Partial<LoadFolderOptions> & ReadFileOptions = {}): Promise<ImageDataset> {
  const decoder = options.decoder ?? (await createNodeImageDecoder());
  return loadImageFolder(nodeFileSource(root, { maxBytes: options.maxBytes }), { ...options, decoder });
}

/**
 * Reads an IDX images file and its labels file (raw or .gz) from disk; `maxBytes` limits each
 * file read (default 2^31 − 1), the other options are {@link idxToDataset}'s.
 *
 * @example
 * ```ts
 * const ds = await loadIdxFiles('emnist-letters-train-images-idx3-ubyte.gz', 'emnist-letters-train-labels-idx1-ubyte.gz', { transpose: true });
 * ```
 */
export async function loadIdxFiles(imagesPath: string, labelsPath: string, options: IdxDatasetOptions & ReadFileOptions = {}): Promise<ImageDataset> {
  const { maxBytes, ...idx } = options;
  const [images, labels] = await Promise.all([readFileBytes(imagesPath, { maxBytes }), readFileBytes(labelsPath, { maxBytes })]);
  return idxToDataset(images, labels, { imagesFile: imagesPath, labelsFile: labelsPath, ...idx });
}

/** Options of {@link loadCifarFiles}. */
export interface CifarFilesOptions {
  /** Which format the files are in. */
  variant: 'cifar10' | 'cifar100';
  /** CIFAR-100 only: keep the fine (default) or the coarse labels. */
  labels?: 'fine' | 'coarse';
  /** Limits of the decompression of gzipped batches. */
  gunzip?: GunzipOptions;
  /** Largest file read, in bytes (default 2^31 − 1). */
  maxBytes?: number;
}

/**
 * Reads CIFAR binary batches from disk and concatenates them (e.g. the five `data_batch_*.bin`).
 *
 * @example
 * ```ts
 * const test = await loadCifarFiles(['cifar-100-binary/test.bin'], { variant: 'cifar100', labels: 'coarse' });
 * ```
 */
export async function loadCifarFiles(paths: string[], options: CifarFilesOptions): Promise<ImageDataset> {
  if (paths.length === 0) throw new ArgumentError('loadCifarFiles: give at least one file');
  const parts: ImageDataset[] = [];
  for (const p of paths) {
    const bytes = await readFileBytes(p, { maxBytes: options.maxBytes });
    parts.push(options.variant === 'cifar10' ? parseCifar10(bytes, { file: p, gunzip: options.gunzip }) : parseCifar100(bytes, { file: p, labels: options.labels, gunzip: options.gunzip }));
  }
  return parts.length === 1 ? parts[0] : concatDatasets(parts);
}

/** Where Debian's `dataset-fashion-mnist` package installs the official files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * True when the official Fashion-MNIST files are installed at `dir` (default
 * {@link DEBIAN_FASHION_MNIST_DIR}).
 *
 * @example
 * ```ts
 * if (await hasDebianFashionMnist()) console.log('full Fashion-MNIST available');
 * ```
 */
export async function hasDebianFashionMnist(dir = DEBIAN_FASHION_MNIST_DIR): Promise<boolean> {
  const { access } = await fsp();
  try {
    await access(`${dir}/train-labels-idx1-ubyte.gz`);
    await access(`${dir}/t10k-labels-idx1-ubyte.gz`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Loads the full official Fashion-MNIST split (train: 60 000, test: 10 000; 28×28×1 uint8,
 * 10 classes) from Debian's `dataset-fashion-mnist` files (`apt install dataset-fashion-mnist`).
 * A missing file is a {@link MissingFileError} naming the package to install.
 *
 * @example
 * ```ts
 * const train = await loadFashionMnistFromDebian('train');
 * ```
 */
export async function loadFashionMnistFromDebian(split: 'train' | 'test', dir = DEBIAN_FASHION_MNIST_DIR): Promise<ImageDataset> {
  if (split !== 'train' && split !== 'test') throw new ArgumentError(`loadFashionMnistFromDebian: split must be 'train' or 'test', got '${String(split)}'`);
  const prefix = split === 'train' ? 'train' : 't10k';
  try {
    return await loadIdxFiles(`${dir}/${prefix}-images-idx3-ubyte.gz`, `${dir}/${prefix}-labels-idx1-ubyte.gz`, { classNames: [...FASHION_MNIST_CLASSES] });
  } catch (e) {
    if (e instanceof MissingFileError) throw new MissingFileError(e.file, 'not found; install the Debian package dataset-fashion-mnist or pass the folder holding the official .gz files');
    throw e;
  }
}
