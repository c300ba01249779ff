import { BadMagicError, CorruptFileError, CountMismatchError, TruncatedFileError } from '../errors';
import { createImageDataset, type ImageDataset } from '../dataset';
import { maybeGunzip, type GunzipOptions } from './gzip';
import { checkLabels } from './labels';

/** Element types an IDX file can hold (type byte 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E). */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** Typed array of any {@link IdxDtype}. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: element type, dimensions and the elements in row-major order. */
export interface IdxArray {
  /** Element type. */
  dtype: IdxDtype;
  /** Dimensions, outermost first (e.g. `[60000, 28, 28]`). */
  dims: number[];
  /** The elements, row-major, in native byte order. */
  data: IdxData;
}

const TYPE_CODES: Record<number, { dtype: IdxDtype; size: number }> = {
  0x08: { dtype: 'uint8', size: 1 },
  0x09: { dtype: 'int8', size: 1 },
  0x0b: { dtype: 'int16', size: 2 },
  0x0c: { dtype: 'int32', size: 4 },
  0x0d: { dtype: 'float32', size: 4 },
  0x0e: { dtype: 'float64', size: 8 },
};

/** An IDX header checked against the file's size (internal). */
interface IdxHeader {
  dtype: IdxDtype;
  /** Bytes per element. */
  size: number;
  dims: number[];
  /** Number of elements. */
  count: number;
  /** Bytes before the elements. */
  headerBytes: number;
}

/**
 * Reads and checks the header of an uncompressed IDX file: magic, dimensions, and that the
 * elements they announce fill the rest of the file exactly. Allocates nothing of the data's size.
 */
function readIdxHeader(raw: Uint8Array, file: string): IdxHeader {
  if (raw.length < 4) throw new TruncatedFileError(file, `IDX file of ${raw.length} bytes has no complete 4-byte magic number; the file is cut short`);
  const magic = ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0;
  const type = TYPE_CODES[raw[2]];
  const ndims = raw[3];
  if (raw[0] !== 0 || raw[1] !== 0 || type == null || ndims === 0) {
    throw new BadMagicError(file, `magic number 0x${magic.toString(16).padStart(8, '0')} is not an IDX magic (expected 0x0000TTNN: TT in 08,09,0b,0c,0d,0e and NN >= 1 dimensions); is this the right file?`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (raw.length < headerBytes) throw new TruncatedFileError(file, `IDX header announces ${ndims} dimensions (${headerBytes} header bytes) but the file has ${raw.length} bytes; the file is cut short`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) throw new CorruptFileError(file, `IDX dimension ${i} is 0; the file holds no data`);
    dims.push(d);
    count *= d; // exact while below 2^53; beyond that it is far above any file size anyway
  }
  const dataBytes = count * type.size;
  const have = raw.length - headerBytes;
  if (have < dataBytes) {
    throw new TruncatedFileError(file, `IDX header announces ${dims.join('x')} ${type.dtype} elements (${dataBytes} bytes) but only ${have} data bytes follow; the file is cut short or its header is damaged`);
  }
  if (have > dataBytes) {
    throw new CorruptFileError(file, `${have - dataBytes} unexpected bytes after the ${dims.join('x')} ${type.dtype} elements; the header is damaged or data was appended`);
  }
  return { dtype: type.dtype, size: type.size, dims, count, headerBytes };
}

/**
 * Parses an IDX file (the MNIST family's format: MNIST, Fashion-MNIST, KMNIST, EMNIST), raw or
 * gzipped (detected by the gzip magic; see {@link gunzip} for the checks). The header's
 * dimensions are checked against the file's size before the elements are read, so a lying
 * header never allocates. Multi-byte elements are big-endian in the file and come back in native
 * order. Throws {@link BadMagicError}, {@link TruncatedFileError} or {@link CorruptFileError}
 * naming `file`.
 *
 * @example
 * ```ts
 * const labels = parseIdx(bytes, 'train-labels-idx1-ubyte.gz');
 * console.log(labels.dims); // [60000]
 * ```
 */
export function parseIdx(bytes: Uint8Array, file = '<bytes>', options: GunzipOptions = {}): IdxArray {
  const raw = maybeGunzip(bytes, file, options);
  const h = readIdxHeader(raw, file);
  return { dtype: h.dtype, dims: h.dims, data: readElements(raw, h) };
}

function readElements(raw: Uint8Array, header: IdxHeader): IdxData {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const { headerBytes: off, count: n } = header;
  switch (header.dtype) {
    case 'uint8':
      return raw.slice(off, off + n);
    case 'int8':
      return new Int8Array(raw.slice(off, off + n).buffer);
    case 'int16': {
      const a = new Int16Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt16(off + 2 * i, false);
      return a;
    }
    case 'int32': {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getInt32(off + 4 * i, false);
      return a;
    }
    case 'float32': {
      const a = new Float32Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat32(off + 4 * i, false);
      return a;
    }
    case 'float64': {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = view.getFloat64(off + 8 * i, false);
      return a;
    }
  }
}

const CODE_OF: Record<IdxDtype, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };

/**
 * Encodes an array as an (uncompressed) IDX file; the inverse of {@link parseIdx}.
 *
 * @example
 * ```ts
 * const bytes = encodeIdx({ dtype: 'uint8', dims: [2], data: new Uint8Array([3, 7]) });
 * ```
 */
export function encodeIdx(array: IdxArray): Uint8Array {
  const { dtype, dims, data } = array;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new CorruptFileError('<encode>', `dims ${dims.join('x')} hold ${count} elements, data has ${data.length}`);
  const size = TYPE_CODES[CODE_OF[dtype]].size;
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = CODE_OF[dtype];
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const o = header + i * size;
    const v = data[i];
    if (dtype === 'uint8') view.setUint8(o, v);
    else if (dtype === 'int8') view.setInt8(o, v);
    else if (dtype === 'int16') view.setInt16(o, v, false);
    else if (dtype === 'int32') view.setInt32(o, v, false);
    else if (dtype === 'float32') view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  }
  return out;
}

/** Options of {@link idxToDataset}. */
export interface IdxDatasetOptions {
  /** Name of the images file, used in error messages (default `'<images>'`). */
  imagesFile?: string;
  /** Name of the labels file, used in error messages (default `'<labels>'`). */
  labelsFile?: string;
  /** Class names; their count is the number of classes unless `numClasses` is given. */
  classNames?: string[];
  /**
   * Number of classes; a label outside 0..numClasses-1 is a {@link LabelRangeError}. Default:
   * classNames.length, else inferred from the labels (see `maxClasses`).
   */
  numClasses?: number;
  /**
   * When the class count is inferred (no `numClasses`, no `classNames`): the largest count
   * accepted (default 1000). The inferred count is max label + 1; above the limit a
   * {@link LabelRangeError} asks for `numClasses`.
   */
  maxClasses?: number;
  /**
   * When the class count is inferred: require an example of every class below it (default
   * false), so that one stray label cannot add empty classes.
   */
  requireAllClasses?: boolean;
  /**
   * Transpose every image (swap rows and columns). EMNIST stores its images transposed; pass
   * `true` to see them upright. Default false.
   */
  transpose?: boolean;
  /** Gunzip limits. */
  gunzip?: GunzipOptions;
}

/**
 * Builds an {@link ImageDataset} from an IDX images file (uint8, N×H×W or N×H×W×C) and an IDX
 * labels file (an integer type, N), raw or gzipped. Both headers are checked (types, ranks,
 * sizes, equal counts) before any element is read, then the labels against the class count:
 * `numClasses` (or `classNames.length`) when given, else max label + 1, at most `maxClasses`
 * (and with an example of every class under `requireAllClasses`). Throws
 * {@link CountMismatchError} when the counts differ, {@link LabelRangeError} for a label outside
 * the class range, and the errors of {@link parseIdx}, each naming its file.
 *
 * @example
 * ```ts
 * const ds = idxToDataset(imagesBytes, labelsBytes, { classNames: FASHION_MNIST_CLASSES });
 * console.log(ds.shape); // [60000, 28, 28, 1]
 * ```
 */
export function idxToDataset(imagesBytes: Uint8Array, labelsBytes: Uint8Array, options: IdxDatasetOptions = {}): ImageDataset {
  const imagesFile = options.imagesFile ?? '<images>';
  const labelsFile = options.labelsFile ?? '<labels>';
  const labelsRaw = maybeGunzip(labelsBytes, labelsFile, options.gunzip);
  const labelsHeader = readIdxHeader(labelsRaw, labelsFile);
  if (labelsHeader.dims.length !== 1) throw new CorruptFileError(labelsFile, `IDX labels must have 1 dimension, found ${labelsHeader.dims.length}; is this an images file?`);
  if (labelsHeader.dtype === 'float32' || labelsHeader.dtype === 'float64') throw new CorruptFileError(labelsFile, `IDX labels must be integers, found ${labelsHeader.dtype}; is this a labels file?`);
  const imagesRaw = maybeGunzip(imagesBytes, imagesFile, options.gunzip);
  const imagesHeader = readIdxHeader(imagesRaw, imagesFile);
  if (imagesHeader.dtype !== 'uint8') throw new CorruptFileError(imagesFile, `IDX images must be uint8 (type 0x08), found ${imagesHeader.dtype}; is this an images file?`);
  if (imagesHeader.dims.length !== 3 && imagesHeader.dims.length !== 4) {
    throw new CorruptFileError(imagesFile, `IDX images must have 3 (N,H,W) or 4 (N,H,W,C) dimensions, found ${imagesHeader.dims.length}; is this a labels file?`);
  }
  const [n, h, w] = imagesHeader.dims;
  const c = imagesHeader.dims[3] ?? 1;
  if (labelsHeader.dims[0] !== n) {
    throw new CountMismatchError(labelsFile, `${labelsHeader.dims[0]} labels for ${n} images in ${imagesFile}; pair the images and labels files of the same split`);
  }
  const labels = readElements(labelsRaw, labelsHeader);
  const numClasses = checkLabels(labels, labelsFile, {
    numClasses: options.numClasses ?? options.classNames?.length,
    maxClasses: options.maxClasses,
    requireAllClasses: options.requireAllClasses,
  });
  let pixels = readElements(imagesRaw, imagesHeader) as Uint8Array;
  if (options.transpose) pixels = transposeImages(pixels, n, h, w, c);
  return createImageDataset({
    images: pixels,
    shape: options.transpose ? [n, w, h, c] : [n, h, w, c],
    labels: Int32Array.from(labels),
    classNames: options.classNames,
    numClasses,
    file: labelsFile,
  });
}

function transposeImages(src: Uint8Array, n: number, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const size = h * w * c;
  for (let i = 0; i < n; i++) {
    const base = i * size;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) out[base + (x * h + y) * c + k] = src[base + (y * w + x) * c + k];
      }
    }
  }
  return out;
}
