import { ArgumentError } from '@odl/backend';
import { CorruptFileError, TruncatedFileError } from '../errors';
import { ByteSink, inflateRaw } from './inflate';

/** Options of {@link gunzip}. */
export interface GunzipOptions {
  /**
   * Largest decompressed size accepted, in bytes (default 2 GiB - 1). Guards against a corrupt
   * size field or a decompression bomb.
   */
  maxBytes?: number;
}

/**
 * True when `bytes` starts with the gzip magic number 1f 8b.
 *
 * @example
 * ```ts
 * isGzip(new Uint8Array([0x1f, 0x8b, 8])); // true
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

// Four 256-entry tables: table 0 is the classic byte-wise table, table k advances a byte k
// positions further, so the main loop folds in 4 bytes per step ("slicing by 4").
let crcTables: Int32Array | null = null;

function tables(): Int32Array {
  if (crcTables == null) {
    const t = new Int32Array(1024); // signed, so V8 keeps every value a small integer
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c;
    }
    for (let n = 0; n < 256; n++) {
      for (let k = 1; k < 4; k++) t[k * 256 + n] = (t[(k - 1) * 256 + n] >>> 8) ^ t[t[(k - 1) * 256 + n] & 0xff];
    }
    crcTables = t;
  }
  return crcTables;
}

/**
 * CRC-32 (IEEE 802.3, the checksum of gzip and PNG) of `bytes`.
 *
 * @example
 * ```ts
 * crc32(new TextEncoder().encode('123456789')); // 0xcbf43926
 * ```
 */
export function crc32(bytes: Uint8Array): number {
  const t = tables();
  let crc = 0xffffffff;
  let i = 0;
  for (const n4 = bytes.length & ~3; i < n4; i += 4) {
    crc ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    crc = t[768 + (crc & 0xff)] ^ t[512 + ((crc >>> 8) & 0xff)] ^ t[256 + ((crc >>> 16) & 0xff)] ^ t[crc >>> 24];
  }
  for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const RESERVED_FLAGS = 0xe0; // header flag bits that must be zero
const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** Offset of the deflate data of the member whose header starts at `at` (checks the header). */
function readMemberHeader(bytes: Uint8Array, at: number, file: string, what: string): number {
  const cut = (where: string): never => {
    throw new TruncatedFileError(file, `${what}: the file ends inside the gzip header (${where}); the file is cut short`);
  };
  if (at + 10 > bytes.length) cut('fixed 10-byte part');
  if (bytes[at + 2] !== 8) throw new CorruptFileError(file, `${what}: compression method ${bytes[at + 2]} is not deflate (8); the file is damaged or not gzip`);
  const flags = bytes[at + 3];
  if (flags & RESERVED_FLAGS) throw new CorruptFileError(file, `${what}: header has reserved flag bits set (0x${flags.toString(16)}); the file is damaged`);
  let pos = at + 10;
  if (flags & FEXTRA) {
    if (pos + 2 > bytes.length) cut('FEXTRA length');
    pos += 2 + (bytes[pos] | (bytes[pos + 1] << 8));
    if (pos > bytes.length) cut('FEXTRA field');
  }
  for (const [bit, name] of [[FNAME, 'file name'], [FCOMMENT, 'comment']] as const) {
    if (flags & bit) {
      while (pos < bytes.length && bytes[pos] !== 0) pos++;
      if (pos >= bytes.length) cut(name);
      pos++;
    }
  }
  if (flags & FHCRC) {
    if (pos + 2 > bytes.length) cut('header CRC');
    const stored = bytes[pos] | (bytes[pos + 1] << 8);
    if (stored !== (crc32(bytes.subarray(at, pos)) & 0xffff)) throw new CorruptFileError(file, `${what}: header CRC mismatch; the file is damaged`);
    pos += 2;
  }
  return pos;
}

/**
 * Decompresses a gzip file (RFC 1952): every member in turn, their outputs concatenated (as
 * `cat a.gz b.gz` and gzip -d do). Each member's header, deflate data, CRC-32 and length trailer
 * are checked; after the last member only zero bytes (padding) may follow. The trailer's size is
 * only an allocation hint: output grows with the data, up to `maxBytes`. Every failure is a
 * typed error naming `file`: {@link TruncatedFileError} when the stream ends early,
 * {@link CorruptFileError} for anything else.
 *
 * @example
 * ```ts
 * const raw = gunzip(await readFileBytes('train-labels-idx1-ubyte.gz'), 'train-labels');
 * ```
 */
export function gunzip(bytes: Uint8Array, file = '<bytes>', options: GunzipOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? 0x7fffffff;
  if (!(Number.isInteger(maxBytes) && maxBytes >= 0)) throw new ArgumentError(`gunzip: maxBytes must be a non-negative integer, got ${maxBytes}`);
  if (!isGzip(bytes)) {
    if (bytes.length < 2) throw new TruncatedFileError(file, `gzip file of ${bytes.length} bytes has no complete 1f 8b magic number; the file is cut short`);
    throw new CorruptFileError(file, 'not a gzip stream (no 1f 8b magic); is this the right file?');
  }
  // The last trailer's size sizes the first allocation only when it is modest (at most 8x the
  // file, as real data compresses); a lying one then wastes little, and output beyond it grows.
  const isize = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 4, true) : 0;
  const hint = isize <= bytes.length * 8 ? isize : bytes.length * 4;
  const sink = new ByteSink(hint, maxBytes, file, `pass a larger gunzip maxBytes (now ${maxBytes}) if the file is real`);
  let at = 0;
  for (let member = 1; ; member++) {
    const what = `gzip member ${member} (at byte ${at})`;
    const start = sink.length;
    const dataAt = readMemberHeader(bytes, at, file, what);
    const dataEnd = inflateRaw(bytes, dataAt, sink, file, what);
    if (dataEnd + 8 > bytes.length) throw new TruncatedFileError(file, `${what}: the file ends inside the 8-byte CRC/size trailer; the file is cut short`);
    const view = new DataView(bytes.buffer, bytes.byteOffset + dataEnd, 8);
    const crc = view.getUint32(0, true);
    const size = view.getUint32(4, true);
    const produced = sink.length - start;
    if (produced % 4294967296 !== size) {
      throw new CorruptFileError(file, `${what}: trailer says ${size} bytes but the data inflates to ${produced}; the file is damaged`);
    }
    if (crc32(sink.data.subarray(start, sink.length)) !== crc) throw new CorruptFileError(file, `${what}: CRC-32 mismatch; the file is damaged, download it again`);
    at = dataEnd + 8;
    if (at === bytes.length) break;
    if (bytes[at] === 0x1f && (at + 1 === bytes.length || bytes[at + 1] === 0x8b)) continue;
    let k = at;
    while (k < bytes.length && bytes[k] === 0) k++;
    if (k === bytes.length) break; // zero padding after the last member
    throw new CorruptFileError(file, `${bytes.length - at} bytes after gzip member ${member} (from byte ${at}) are neither another gzip member nor zero padding; the file is damaged or has data appended`);
  }
  return sink.data.length === sink.length ? sink.data : sink.data.slice(0, sink.length);
}

/**
 * Returns `bytes` unchanged, or gunzipped ({@link gunzip}) when they start with the gzip magic.
 *
 * @example
 * ```ts
 * const raw = maybeGunzip(bytes, 'labels'); // works for .gz and raw files alike
 * ```
 */
export function maybeGunzip(bytes: Uint8Array, file = '<bytes>', options: GunzipOptions = {}): Uint8Array {
  return isGzip(bytes) ? gunzip(bytes, file, options) : bytes;
}
