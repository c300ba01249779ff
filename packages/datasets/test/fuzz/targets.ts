// The dataset parsers' fuzz targets: for each parser, valid seed files, the parser call and the
// independent reference that judges it. Shared by the fuzz test (a few thousand inputs) and the
// long mode (scripts/fuzz.ts).
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { inflateSync } from 'fflate';
import { crc32 as zlibCrc32 } from 'node:zlib';
import type { SeededRandom } from '@odl/backend';
import type { FuzzTarget } from '@odl/test-utils';
import {
  DatasetError, decodeJpeg, gunzip, idxToDataset, loadImageFolder, memoryFileSource, parseCifar10, parseCifar100, parseIdx,
  type DecodedImage, type IdxArray, type ImageDataset, type SyncImageDecoder,
} from '@odl/datasets';
import { cifarRecord, concatBytes, idxBytes, jpegBytes, lcgBytes, pngBytes, rgbaImage } from '../helpers';
import { refCifar, refGunzip, refIdx, refIdxDataset, refJpegSize, refPng, type RefCifar, type RefIdx, type RefIdxDataset, type RefPng } from './references';

const isTyped = (e: unknown): boolean => e instanceof DatasetError;
const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function sameBytes(a: ArrayLike<number>, b: ArrayLike<number>, what: string): string | null {
  if (a.length !== b.length) return `${what}: ${a.length} values, expected ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return `${what}[${i}] = ${a[i]}, expected ${b[i]}`;
  return null;
}

/** A gzip member with every optional header field (FEXTRA, FNAME, FCOMMENT, FHCRC), built by hand. */
function gzipWithAllFields(data: Uint8Array): Uint8Array {
  const header = [0x1f, 0x8b, 8, 2 | 4 | 8 | 16, 1, 2, 3, 4, 0, 3, 3, 0, 0xaa, 0xbb, 0xcc, ...new TextEncoder().encode('name.bin'), 0, ...new TextEncoder().encode('a comment'), 0];
  const hcrc = zlibCrc32(Uint8Array.from(header)) & 0xffff;
  const body = u8(deflateRawSync(data));
  const trailer = new Uint8Array(8);
  const dv = new DataView(trailer.buffer);
  dv.setUint32(0, zlibCrc32(data), true);
  dv.setUint32(4, data.length, true);
  return concatBytes([Uint8Array.from([...header, hcrc & 255, hcrc >> 8]), body, trailer]);
}

/** Recomputes the CRC of every complete PNG chunk, so that edits reach the checks behind it. */
export function fixPngCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  const dv = new DataView(out.buffer);
  let pos = 8;
  while (pos + 12 <= out.length) {
    const len = dv.getUint32(pos);
    if (pos + 12 + len > out.length) break;
    dv.setUint32(pos + 8 + len, zlibCrc32(out.subarray(pos + 4, pos + 8 + len)));
    pos += 12 + len;
  }
  return out;
}

/** A PNG whose one IDAT chunk is split in two (valid: IDATs are concatenated). */
function splitIdat(png: Uint8Array): Uint8Array {
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let pos = 8;
  while (String.fromCharCode(...png.subarray(pos + 4, pos + 8)) !== 'IDAT') pos += 12 + dv.getUint32(pos);
  const len = dv.getUint32(pos);
  const data = png.subarray(pos + 8, pos + 8 + len);
  const chunk = (d: Uint8Array) => {
    const c = new Uint8Array(12 + d.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, d.length);
    c.set([73, 68, 65, 84], 4);
    c.set(d, 8);
    cv.setUint32(8 + d.length, zlibCrc32(c.subarray(4, 8 + d.length)));
    return c;
  };
  const half = len >> 1;
  return concatBytes([png.subarray(0, pos), chunk(data.subarray(0, half)), chunk(data.subarray(half)), png.subarray(pos + 12 + len)]);
}

/**
 * A PNG written here from the specification (not by pngjs): any colour type, bit depth and
 * interlace method, rows of pseudo-random samples with filter types cycling through 0..4, a
 * 256-entry palette for colour type 3 (so every 8-bit index is valid).
 */
function specPng(width: number, height: number, colorType: number, bitDepth: number, interlace: 0 | 1, seed: number): Uint8Array {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType]!;
  const passes = interlace === 0
    ? [[width, height]]
    : [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]].map(([x, y, dx, dy]) => [Math.max(0, Math.ceil((width - x) / dx)), Math.max(0, Math.ceil((height - y) / dy))]);
  const rows: Uint8Array[] = [];
  let k = 0;
  for (const [w, h] of passes) {
    if (w === 0 || h === 0) continue;
    for (let r = 0; r < h; r++, k++) {
      const row = lcgBytes(1 + Math.ceil((w * channels * bitDepth) / 8), seed * 1000 + k);
      row[0] = k % 5;
      rows.push(row);
    }
  }
  const chunk = (type: string, data: Uint8Array) => {
    const c = new Uint8Array(12 + data.length);
    new DataView(c.buffer).setUint32(0, data.length);
    c.set(new TextEncoder().encode(type), 4);
    c.set(data, 8);
    new DataView(c.buffer).setUint32(8 + data.length, zlibCrc32(c.subarray(4, 8 + data.length)));
    return c;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([bitDepth, colorType, 0, 0, interlace], 8);
  return concatBytes([
    Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    ...(colorType === 3 ? [chunk('PLTE', lcgBytes(768, seed))] : []),
    chunk('IDAT', u8(deflateSync(concatBytes(rows)))),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

const postprocessPng = (b: Uint8Array, rng: SeededRandom): Uint8Array => (rng.nextFloat() < 0.5 ? fixPngCrcs(b) : b);

const idxCodes: Record<string, number> = { uint8: 8, int8: 9, int16: 11, int32: 12, float32: 13, float64: 14 };

/** The valid files the targets mutate. */
export const SEEDS = (() => {
  const pixels = lcgBytes(6 * 5 * 4, 1);
  const images = idxBytes([6, 5, 4], pixels);
  const labels = idxBytes([6], [0, 1, 2, 3, 4, 5]);
  const labels32 = new Uint8Array(8 + 24);
  labels32.set([0, 0, 0x0c, 1, 0, 0, 0, 6]);
  [5, 4, 3, 2, 1, 0].forEach((l, i) => new DataView(labels32.buffer).setInt32(8 + 4 * i, l));
  const c10 = concatBytes([cifarRecord([3], (y, x, c) => y + x + c), cifarRecord([9], (y, x) => y * x)]);
  const c100 = concatBytes([cifarRecord([7, 42], (y, x, c) => y + x + c), cifarRecord([19, 99], (y, x) => y * x)]);
  const rgba = pngBytes(8, 6, rgbaImage(8, 6, (y, x, c) => 30 * y + 10 * x + c));
  return {
    gzip: [
      u8(gzipSync(lcgBytes(400, 2))),
      u8(gzipSync(new TextEncoder().encode('the quick brown fox jumps over the lazy dog '.repeat(30)), { level: 9 })),
      u8(gzipSync(lcgBytes(300, 3), { level: 0 })),
      gzipWithAllFields(lcgBytes(200, 4)),
      concatBytes([u8(gzipSync(lcgBytes(100, 5))), u8(gzipSync(new TextEncoder().encode('second member '.repeat(8))))]),
    ],
    idx: [images, labels, labels32, u8(gzipSync(images))],
    images,
    labels: [labels, labels32],
    cifar10: [c10, u8(gzipSync(c10))],
    cifar100: [c100, u8(gzipSync(c100))],
    png: [
      rgba,
      pngBytes(7, 5, rgbaImage(7, 5, (y, x) => 20 * y + 9 * x), 0),
      pngBytes(5, 4, rgbaImage(5, 4, (y, x, c) => 40 * y + 3 * x + 70 * c), 2),
      splitIdat(rgba),
      specPng(6, 5, 4, 8, 0, 1), // grey + alpha
      specPng(9, 7, 2, 8, 1, 2), // RGB, Adam7
      specPng(5, 3, 6, 16, 0, 3), // RGBA, 16 bits
      specPng(6, 4, 3, 8, 0, 4), // palette
      specPng(11, 3, 0, 1, 1, 5), // 1-bit grey, Adam7
    ],
    jpeg: [jpegBytes(16, 16, rgbaImage(16, 16, (y, x, c) => 8 * y + 4 * x + 50 * c), 90), jpegBytes(24, 8, rgbaImage(24, 8, (y, x) => 10 * y + x), 60)],
    folderGood: rgba,
  };
})();

const gzipTarget: FuzzTarget<Uint8Array> = {
  name: 'gunzip',
  seeds: SEEDS.gzip,
  mutate: { headerBytes: 40 },
  parse: (b) => gunzip(b, 'fuzz.gz'),
  isTyped,
  reference: refGunzip,
  compare: (ours, ref) => sameBytes(ours as Uint8Array, ref, 'output'),
};

/**
 * Rewrites a damaged single-member gzip's trailer (10-byte header) to the CRC-32 and size of what
 * fflate, a lenient third decoder, makes of the damaged deflate data. The trailer then no longer
 * catches the damage, and only the deflate checks can: zlib must agree with them.
 */
function retrailer(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 18 || bytes[3] !== 0) return bytes;
  let out: Uint8Array;
  try {
    out = inflateSync(bytes.subarray(10, bytes.length - 8));
  } catch {
    return bytes;
  }
  const fixed = bytes.slice();
  const dv = new DataView(fixed.buffer);
  dv.setUint32(fixed.length - 8, zlibCrc32(out), true);
  dv.setUint32(fixed.length - 4, out.length, true);
  return fixed;
}

const deflateTarget: FuzzTarget<Uint8Array> = {
  name: 'gunzip (trailer rewritten to fit the damaged data)',
  seeds: SEEDS.gzip.slice(0, 3),
  mutate: { headerBytes: 40, kinds: ['flip-bits', 'set-byte', 'lie-uint32', 'zero-run', 'insert', 'delete'] },
  postprocess: retrailer,
  parse: (b) => gunzip(b, 'fuzz.gz'),
  isTyped,
  reference: refGunzip,
  compare: (ours, ref) => sameBytes(ours as Uint8Array, ref, 'output'),
};

const idxTarget: FuzzTarget<RefIdx> = {
  name: 'IDX (parseIdx, raw and .gz)',
  seeds: SEEDS.idx,
  mutate: { headerBytes: 24 },
  parse: (b) => parseIdx(b, 'fuzz.idx'),
  isTyped,
  reference: refIdx,
  compare: (ours, ref) => {
    const o = ours as IdxArray;
    if (idxCodes[o.dtype] !== ref.type) return `dtype ${o.dtype}, expected type 0x${ref.type.toString(16)}`;
    return sameBytes(o.dims, ref.dims, 'dims') ?? sameBytes(o.data, ref.values, 'data');
  },
};

function compareDataset(ours: unknown, ref: RefIdxDataset): string | null {
  const o = ours as ImageDataset;
  if (o.numClasses !== ref.numClasses) return `numClasses ${o.numClasses}, expected ${ref.numClasses}`;
  return sameBytes(o.shape, ref.shape, 'shape') ?? sameBytes(o.labels, ref.labels, 'labels') ?? sameBytes(o.images, ref.images, 'images');
}

const idxImagesTarget: FuzzTarget<RefIdxDataset> = {
  name: 'IDX images + labels (images damaged, numClasses 10)',
  seeds: [SEEDS.images],
  mutate: { headerBytes: 20 },
  parse: (b) => idxToDataset(b, SEEDS.labels[0], { numClasses: 10, imagesFile: 'images.idx', labelsFile: 'labels.idx' }),
  isTyped,
  reference: (b) => refIdxDataset(b, SEEDS.labels[0], 10),
  compare: compareDataset,
};

const idxLabelsTarget: FuzzTarget<RefIdxDataset> = {
  name: 'IDX images + labels (labels damaged, classes inferred)',
  seeds: SEEDS.labels,
  mutate: { headerBytes: 12 },
  parse: (b) => idxToDataset(SEEDS.images, b, { imagesFile: 'images.idx', labelsFile: 'labels.idx' }),
  isTyped,
  reference: (b) => refIdxDataset(SEEDS.images, b),
  compare: compareDataset,
};

const idxAllClassesTarget: FuzzTarget<RefIdxDataset> = {
  name: 'IDX images + labels (labels damaged, requireAllClasses)',
  seeds: SEEDS.labels,
  mutate: { headerBytes: 12 },
  parse: (b) => idxToDataset(SEEDS.images, b, { imagesFile: 'images.idx', labelsFile: 'labels.idx', requireAllClasses: true }),
  isTyped,
  reference: (b) => refIdxDataset(SEEDS.images, b, undefined, true),
  compare: compareDataset,
};

function cifarTarget(name: string, seeds: Uint8Array[], variant: 'cifar10' | 'cifar100-fine' | 'cifar100-coarse'): FuzzTarget<RefCifar> {
  return {
    name,
    seeds,
    mutate: { headerBytes: 16 },
    parse: (b) => (variant === 'cifar10' ? parseCifar10(b, { file: 'fuzz.bin' }) : parseCifar100(b, { file: 'fuzz.bin', labels: variant === 'cifar100-fine' ? 'fine' : 'coarse' })),
    isTyped,
    reference: (b) => refCifar(b, variant),
    compare: (ours, ref) => {
      const o = ours as ImageDataset;
      return sameBytes(o.labels, ref.labels, 'labels') ?? sameBytes(o.images, ref.images, 'images');
    },
  };
}

function comparePng(ours: unknown, ref: RefPng): string | null {
  const o = ours as DecodedImage;
  if (o.width !== ref.width || o.height !== ref.height) return `${o.width}x${o.height}, expected ${ref.width}x${ref.height}`;
  if (o.data.length !== ref.width * ref.height * 4) return `${o.data.length} bytes for ${ref.width}x${ref.height} RGBA`;
  return ref.rgba == null ? null : sameBytes(o.data, ref.rgba, 'rgba');
}

/**
 * Every dataset parser's fuzz target. `decoder` is the Node image decoder
 * (`await createNodeImageDecoder()`).
 */
export function datasetFuzzTargets(decoder: SyncImageDecoder): FuzzTarget<any>[] {
  const pngTarget: FuzzTarget<RefPng> = {
    name: 'PNG (Node decoder)',
    seeds: SEEDS.png,
    mutate: { headerBytes: 48 },
    postprocess: postprocessPng,
    parse: (b) => decoder.decode(b, 'fuzz.png'),
    isTyped,
    reference: refPng,
    compare: comparePng,
  };
  const jpegTarget: FuzzTarget<{ width: number; height: number }> = {
    name: 'JPEG (decodeJpeg; size judged only)',
    seeds: SEEDS.jpeg,
    mutate: { headerBytes: 200 },
    parse: (b) => decodeJpeg(b, 'fuzz.jpg'),
    isTyped,
    reference: refJpegSize,
    partialReference: true,
    compare: (ours, ref) => {
      const o = ours as DecodedImage;
      if (o.width !== ref.width || o.height !== ref.height) return `${o.width}x${o.height}, the frame header says ${ref.width}x${ref.height}`;
      return o.data.length === o.width * o.height * 4 ? null : `${o.data.length} bytes for ${o.width}x${o.height} RGBA`;
    },
  };
  /** A two-class folder, one good file and the damaged one; an error must name the damaged file. */
  const loadFolderWithDamaged = async (good: Uint8Array, bad: Uint8Array, ext: 'png' | 'jpg'): Promise<ImageDataset> => {
    const source = memoryFileSource({ [`a/good.${ext}`]: good, [`b/bad.${ext}`]: bad }, 'fuzz-folder');
    try {
      return await loadImageFolder(source, { decoder, channels: 3 });
    } catch (e) {
      if (e instanceof DatasetError && !e.message.includes(`fuzz-folder/b/bad.${ext}`)) throw new Error(`the error does not name the damaged file: ${e.message}`);
      throw e;
    }
  };
  const folderTarget: FuzzTarget<RefPng> = {
    name: 'image folder (one damaged PNG)',
    seeds: [SEEDS.png[0], SEEDS.png[3]],
    mutate: { headerBytes: 48 },
    postprocess: postprocessPng,
    parse: (b) => loadFolderWithDamaged(SEEDS.folderGood, b, 'png'),
    isTyped,
    reference: refPng,
    compare: (ours, ref) => {
      const ds = ours as ImageDataset;
      if (ds.shape[1] !== ref.height || ds.shape[2] !== ref.width) return `shape ${ds.shape.join('x')}, the damaged file is ${ref.width}x${ref.height}`;
      if (ref.rgba == null) return null;
      const size = ref.width * ref.height * 3;
      const rgb = new Uint8Array(size);
      for (let p = 0; p < ref.width * ref.height; p++) rgb.set(ref.rgba.subarray(p * 4, p * 4 + 3), p * 3);
      return sameBytes(ds.images.subarray(size, 2 * size), rgb, 'damaged file pixels');
    },
  };
  const jpegFolderTarget: FuzzTarget<{ width: number; height: number }> = {
    name: 'image folder (one damaged JPEG; size judged only)',
    seeds: [SEEDS.jpeg[0]],
    mutate: { headerBytes: 200 },
    parse: (b) => loadFolderWithDamaged(SEEDS.jpeg[0], b, 'jpg'),
    isTyped,
    reference: refJpegSize,
    partialReference: true,
    compare: (ours, ref) => {
      const ds = ours as ImageDataset;
      return ds.shape[1] === ref.height && ds.shape[2] === ref.width ? null : `shape ${ds.shape.join('x')}, the damaged file's frame header says ${ref.width}x${ref.height}`;
    },
  };
  return [
    gzipTarget,
    deflateTarget,
    idxTarget,
    idxImagesTarget,
    idxLabelsTarget,
    idxAllClassesTarget,
    cifarTarget('CIFAR-10 (raw and .gz)', SEEDS.cifar10, 'cifar10'),
    cifarTarget('CIFAR-100 fine (raw and .gz)', SEEDS.cifar100, 'cifar100-fine'),
    cifarTarget('CIFAR-100 coarse (raw and .gz)', SEEDS.cifar100, 'cifar100-coarse'),
    pngTarget,
    jpegTarget,
    folderTarget,
    jpegFolderTarget,
  ];
}
