import { ArgumentError, SeededRandom } from '@odl/backend';
import { DatasetError, EmptyFolderError, ImageDecodeError, ImageSizeError, MissingFileError, UnbalancedFolderError } from '../errors';
import { createImageDataset, type ImageDataset, type ImageView } from '../dataset';
import { resizeBilinear, type Transform } from '../transforms';
import { checkResizeCrop, resizeCenterCropImage, type ResizeCropOptions } from '../resize-crop';
import { convertChannels, errorText, type DecodedImage, type ImageDecoder } from './image';
import { normalizeRelativePath } from './splits';

/** One entry of a folder listing. */
export interface FileEntry {
  /** File or folder name (no path). */
  name: string;
  /** True for a folder. */
  isDirectory: boolean;
}

/**
 * Where an image folder's files come from: Node's file system ({@link nodeFileSource}), an
 * in-memory map ({@link memoryFileSource}, e.g. files a user dropped in a browser), or anything
 * else (a File System Access handle, an HTTP index). Paths are relative to the dataset root and
 * use `/`; `''` is the root.
 */
export interface FileSource {
  /** Human-readable root, used in error messages. */
  readonly root: string;
  /** Lists a folder. */
  list(dir: string): Promise<FileEntry[]>;
  /** Reads a whole file. Must throw {@link MissingFileError} when it does not exist. */
  read(path: string): Promise<Uint8Array>;
}

/**
 * A {@link FileSource} over a map of relative path → bytes (folders are implied by the paths).
 *
 * @example
 * ```ts
 * const src = memoryFileSource({ 'cat/1.png': png1, 'dog/1.png': png2 });
 * ```
 */
export function memoryFileSource(files: Record<string, Uint8Array>, root = '<memory>'): FileSource {
  const map = new Map(Object.entries(files).map(([k, v]) => [normalizeRelativePath(k), v]));
  return {
    root,
    async list(dir: string): Promise<FileEntry[]> {
      const prefix = dir === '' ? '' : `${normalizeRelativePath(dir)}/`;
      const out = new Map<string, boolean>();
      for (const key of map.keys()) {
        if (!key.startsWith(prefix)) continue;
        const rest = key.slice(prefix.length).split('/');
        out.set(rest[0], rest.length > 1 || out.get(rest[0]) === true);
      }
      return [...out].map(([name, isDirectory]) => ({ name, isDirectory }));
    },
    async read(path: string): Promise<Uint8Array> {
      const bytes = map.get(normalizeRelativePath(path));
      if (bytes == null) throw new MissingFileError(`${root}/${path}`, 'no such file');
      return bytes;
    },
  };
}

/** Options of {@link indexImageFolder}. */
export interface FolderIndexOptions {
  /** File extensions counted as images, lower case with the dot (default .png .jpg .jpeg). */
  extensions?: string[];
  /**
   * Largest allowed ratio between the biggest and the smallest class (default 10; `Infinity`
   * disables the check). Exceeding it is an {@link UnbalancedFolderError}.
   */
  maxImbalance?: number;
  /**
   * Only these relative paths (a split list, see {@link parseSplitList}). Every listed path must
   * exist in a class folder ({@link MissingFileError} otherwise).
   */
  include?: string[];
  /** Class names in label order; default: the class folders sorted by name. */
  classNames?: string[];
}

/** One image file of a folder index. */
export interface FolderFile {
  /** Path relative to the dataset root, `/`-separated. */
  path: string;
  /** Class label (index into classNames). */
  label: number;
}

/** An image folder's classes and files, before any image is read. */
export interface FolderIndex {
  /** Class names (= subfolder names), index = label. */
  classNames: string[];
  /** Every image: relative path and label, sorted by class then path. */
  files: FolderFile[];
  /** Number of images per class. */
  counts: number[];
}

async function listImages(source: FileSource, dir: string, extensions: string[]): Promise<string[]> {
  const out: string[] = [];
  const entries = (await source.list(dir)).filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...(await listImages(source, path, extensions)));
    else if (extensions.some((x) => e.name.toLowerCase().endsWith(x))) out.push(path);
  }
  return out;
}

/**
 * Lists an image folder with one subfolder per class (`root/<class>/…/<image>`, nested folders
 * inside a class allowed; hidden files ignored). Throws {@link EmptyFolderError} when there is no
 * class folder or a class has no image, and {@link UnbalancedFolderError} beyond `maxImbalance`.
 *
 * @example
 * ```ts
 * const index = await indexImageFolder(nodeFileSource('data/pets'), { maxImbalance: 4 });
 * console.log(index.classNames, index.counts);
 * ```
 */
export async function indexImageFolder(source: FileSource, options: FolderIndexOptions = {}): Promise<FolderIndex> {
  const extensions = options.extensions ?? ['.png', '.jpg', '.jpeg'];
  const maxImbalance = options.maxImbalance ?? 10;
  if (!(maxImbalance >= 1)) throw new ArgumentError(`indexImageFolder: maxImbalance must be >= 1, got ${maxImbalance}`);
  const dirs = (await source.list('')).filter((e) => e.isDirectory && !e.name.startsWith('.')).map((e) => e.name).sort();
  const classNames = options.classNames ?? dirs;
  if (classNames.length === 0) throw new EmptyFolderError(source.root, 'has no class subfolders; expected root/<class>/<image> files');
  const include = options.include == null ? null : new Set(options.include.map(normalizeRelativePath));
  const perClass: { name: string; total: number; paths: string[] }[] = [];
  const found = new Set<string>();
  for (const name of classNames) {
    if (!dirs.includes(name)) throw new MissingFileError(`${source.root}/${name}`, `class folder '${name}' does not exist`);
    const all = await listImages(source, name, extensions);
    const paths = include == null ? all : all.filter((p) => include.has(p));
    paths.forEach((p) => found.add(p));
    perClass.push({ name, total: all.length, paths });
  }
  if (include != null) {
    for (const p of include) if (!found.has(p)) throw new MissingFileError(`${source.root}/${p}`, 'is listed in the split but is not an image in a class folder');
  }
  const files: FolderIndex['files'] = [];
  const counts: number[] = [];
  perClass.forEach(({ name, total, paths }, label) => {
    if (paths.length === 0) {
      throw new EmptyFolderError(`${source.root}/${name}`, total === 0
        ? `class folder has no images (${extensions.join(' ')})`
        : `class folder has ${total} images but the split lists none of them`);
    }
    for (const p of paths) files.push({ path: p, label });
    counts.push(paths.length);
  });
  const max = Math.max(...counts);
  const min = Math.min(...counts);
  if (max / min > maxImbalance) {
    const big = classNames[counts.indexOf(max)];
    const small = classNames[counts.indexOf(min)];
    throw new UnbalancedFolderError(source.root, `class '${big}' has ${max} images but '${small}' only ${min} (ratio ${(max / min).toFixed(1)} > maxImbalance ${maxImbalance}); add images, or raise maxImbalance`);
  }
  return { classNames, files, counts };
}

/** How each image is brought to the dataset's size and channels. */
export interface ImageLoadOptions {
  /** Turns file bytes into pixels (Node: `await createNodeImageDecoder()`; browsers: `createBrowserImageDecoder()`). */
  decoder: ImageDecoder;
  /**
   * `[height, width]` in pixels: every image is stretched to it (bilinear, no antialiasing; the
   * aspect ratio is not kept). Without it or `resizeCrop` every image must have the first image's
   * size ({@link ImageSizeError} otherwise).
   */
  size?: [number, number];
  /**
   * For photos of mixed sizes and shapes: torchvision's evaluation transform on each image as it
   * is decoded ({@link resizeCenterCropImage}: the shorter side resized to `resizeTo` with
   * Pillow's antialiased bilinear filter, then the centre `size`×`size` square), so every image
   * comes out `size`×`size` and only one decoded image is held at a time. Not with `size`.
   */
  resizeCrop?: ResizeCropOptions;
  /** Channels of the result: 1 (grey) or 3 (RGB, default). */
  channels?: 1 | 3;
}

/** Options of {@link loadImageFolder}. */
export interface LoadFolderOptions extends FolderIndexOptions, ImageLoadOptions {}

/** What a (possibly third-party) decoder returned, checked before its pixels are used. */
function checkDecoded(img: DecodedImage, file: string): DecodedImage {
  const { width, height, channels, data } = img ?? ({} as DecodedImage);
  if (!(Number.isInteger(width) && width >= 1 && Number.isInteger(height) && height >= 1 && [1, 3, 4].includes(channels))) {
    throw new ImageDecodeError(file, `the decoder returned an invalid ${width}x${height}x${channels} image`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * channels) {
    throw new ImageDecodeError(file, `the decoder returned ${data?.length ?? 0} bytes for a ${width}x${height}x${channels} image`);
  }
  return img;
}

async function loadOne(source: FileSource, path: string, options: ImageLoadOptions, expect: { h: number; w: number } | null): Promise<ImageView> {
  const file = `${source.root}/${path}`;
  const bytes = await source.read(path);
  let raw: DecodedImage;
  try {
    raw = checkDecoded(await options.decoder.decode(bytes, file), file);
  } catch (e) {
    // A decoder should throw ImageDecodeError; anything else still names the file.
    if (e instanceof DatasetError) throw e;
    throw new ImageDecodeError(file, `the decoder failed: ${errorText(e)}`);
  }
  const decoded = convertChannels(raw, options.channels ?? 3);
  let view: ImageView = { data: decoded.data, height: decoded.height, width: decoded.width, channels: decoded.channels };
  if (options.resizeCrop != null) {
    view = resizeCenterCropImage(view, options.resizeCrop);
  } else if (options.size != null) {
    const [h, w] = options.size;
    if (view.height !== h || view.width !== w) {
      const r = resizeBilinear(view, h, w);
      const u8 = new Uint8Array(r.data.length);
      for (let i = 0; i < u8.length; i++) u8[i] = Math.round(r.data[i]);
      view = { ...r, data: u8 };
    }
  } else if (expect != null && (view.height !== expect.h || view.width !== expect.w)) {
    throw new ImageSizeError(file, `is ${view.height}x${view.width} (HxW) but earlier images are ${expect.h}x${expect.w}; ${SIZE_FIX}`);
  }
  return view;
}

/** How to make a folder of differently sized images load. */
const SIZE_FIX = 'pass resizeCrop: { size } to resize and centre-crop them all (or size: [h, w] to stretch them)';

/** Checks the sizing options before any file is read. */
function checkSizing(options: ImageLoadOptions, where: string): void {
  if (options.resizeCrop != null && options.size != null) {
    throw new ArgumentError(`${where}: pass either size (stretch to [h, w]) or resizeCrop (resize the shorter side, then centre-crop), not both`);
  }
  if (options.resizeCrop != null) checkResizeCrop(options.resizeCrop, `${where}: resizeCrop`);
}

/**
 * Reads a whole image folder into memory as a uint8 {@link ImageDataset} (HWC, `channels`
 * channels). For folders too large for memory use {@link streamImageFolder}.
 *
 * @example
 * ```ts
 * const ds = await loadImageFolder(nodeFileSource('data/flowers'), {
 *   decoder: await createNodeImageDecoder(), size: [96, 96],
 * });
 * ```
 */
export async function loadImageFolder(source: FileSource, options: LoadFolderOptions): Promise<ImageDataset> {
  checkSizing(options, 'loadImageFolder');
  const index = await indexImageFolder(source, options);
  let images: Uint8Array | null = null;
  let first: ImageView | null = null;
  for (let i = 0; i < index.files.length; i++) {
    const view = await loadOne(source, index.files[i].path, options, first == null ? null : { h: first.height, w: first.width });
    if (first == null) {
      first = view;
      images = new Uint8Array(index.files.length * view.data.length);
    }
    images!.set(view.data, i * first.data.length);
  }
  return createImageDataset({
    images: images!,
    shape: [index.files.length, first!.height, first!.width, first!.channels],
    labels: index.files.map((f) => f.label),
    classNames: index.classNames,
  });
}

/** One image read by {@link streamImageFolder}. */
export interface FolderSample {
  /** The pixels (uint8 HWC). */
  image: ImageView;
  /** Class label. */
  label: number;
  /** Path relative to the root. */
  path: string;
}

/** Options of {@link streamImageFolder}. */
export interface StreamFolderOptions extends FolderIndexOptions, ImageLoadOptions {
  /** Images read and decoded ahead of the consumer (the bounded prefetch queue; default 8). */
  prefetch?: number;
  /** Visit the images in a seeded random order (default false: index order). */
  shuffle?: boolean;
  /** Seed of the order (default 0). */
  seed?: number;
  /** Epoch: each epoch has its own order from (seed, epoch) (default 0). */
  epoch?: number;
  /** A precomputed index (skips listing the folder again every epoch). */
  index?: FolderIndex;
}

/**
 * Streams an image folder one decoded image at a time, for folders too large for memory: at most
 * `prefetch` reads/decodes are in flight or waiting ahead of the consumer (a bounded queue), so
 * memory stays at O(prefetch) images. Order is deterministic for (seed, epoch). Batch the
 * result with {@link batchSamples}.
 *
 * @example
 * ```ts
 * const decoder = await createNodeImageDecoder();
 * for await (const s of streamImageFolder(nodeFileSource('data/pets'), { decoder, size: [96, 96], shuffle: true })) {
 *   console.log(s.path, s.label);
 * }
 * ```
 */
export async function* streamImageFolder(source: FileSource, options: StreamFolderOptions): AsyncGenerator<FolderSample> {
  const prefetch = options.prefetch ?? 8;
  if (!Number.isInteger(prefetch) || prefetch < 1) throw new ArgumentError(`streamImageFolder: prefetch must be a positive integer, got ${prefetch}`);
  checkSizing(options, 'streamImageFolder');
  const index = options.index ?? (await indexImageFolder(source, options));
  const n = index.files.length;
  const order = options.shuffle ? new SeededRandom(options.seed ?? 0).fork(`epoch-${options.epoch ?? 0}`).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  let expect: { h: number; w: number } | null = null;
  const start = (k: number): Promise<FolderSample> => {
    const f = index.files[order[k]];
    return loadOne(source, f.path, options, null).then((image) => ({ image, label: f.label, path: f.path }));
  };
  const queue: Promise<FolderSample>[] = [];
  // Prevent unhandled rejections for queued reads that fail before they are awaited.
  const guard = (p: Promise<FolderSample>) => (p.catch(() => undefined), p);
  let next = 0;
  try {
    while (next < n && queue.length < prefetch) queue.push(guard(start(next++)));
    while (queue.length > 0) {
      const sample = await queue.shift()!;
      if (next < n) queue.push(guard(start(next++)));
      if (options.size == null && options.resizeCrop == null) {
        const { height: h, width: w } = sample.image;
        if (expect == null) expect = { h, w };
        else if (h !== expect.h || w !== expect.w) {
          throw new ImageSizeError(`${source.root}/${sample.path}`, `is ${h}x${w} (HxW) but earlier images are ${expect.h}x${expect.w}; ${SIZE_FIX}`);
        }
      }
      yield sample;
    }
  } finally {
    queue.length = 0;
  }
}

/** Options of {@link batchSamples}. */
export interface SampleBatchOptions {
  /** Images per batch. */
  batchSize: number;
  /** Drop a last, smaller batch (default false). */
  dropLast?: boolean;
  /** Per-image transform (random ones draw from a generator seeded by `seed`). */
  transform?: Transform;
  /** Seed of the transforms' random source (default 0). */
  seed?: number;
}

/** A batch built from streamed samples. */
export interface SampleBatch {
  /** Images, NHWC float32. */
  x: Float32Array;
  /** `[B, H, W, C]` of x. */
  shape: [number, number, number, number];
  /** Labels, int32. */
  y: Int32Array;
  /** Relative paths of the images. */
  paths: string[];
}

/**
 * Groups a stream of samples into plain batches (float32 NHWC + int32 labels), applying an
 * optional per-image transform.
 *
 * @example
 * ```ts
 * for await (const b of batchSamples(streamImageFolder(src, { decoder }), { batchSize: 32 })) {
 *   const { x, y } = toTensorBatch(b);
 * }
 * ```
 */
export async function* batchSamples(
  samples: AsyncIterable<FolderSample>,
  options: SampleBatchOptions,
): AsyncGenerator<SampleBatch> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ArgumentError(`batchSamples: batchSize must be a positive integer, got ${batchSize}`);
  const rng = new SeededRandom(options.seed ?? 0);
  let items: ImageView[] = [];
  let labels: number[] = [];
  let paths: string[] = [];
  const flush = () => {
    const first = items[0];
    const size = first.data.length;
    const x = new Float32Array(items.length * size);
    items.forEach((im, k) => {
      if (im.data.length !== size) throw new ImageSizeError(paths[k], `is ${im.height}x${im.width}x${im.channels}, the batch's first image ${first.height}x${first.width}x${first.channels}`);
      x.set(im.data, k * size);
    });
    const out: SampleBatch = { x, shape: [items.length, first.height, first.width, first.channels], y: Int32Array.from(labels), paths };
    items = [];
    labels = [];
    paths = [];
    return out;
  };
  for await (const s of samples) {
    items.push(options.transform ? options.transform(s.image, rng) : s.image);
    labels.push(s.label);
    paths.push(s.path);
    if (items.length === batchSize) yield flush();
  }
  if (items.length > 0 && !options.dropLast) yield flush();
}
