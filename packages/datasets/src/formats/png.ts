// A spec reading of a PNG's structure (chunk layout, checksums, header fields and the amount of
// image data), done before any decoder sees the file, so that a PNG that does not hold the image
// it declares is rejected instead of decoding to zeros.
import { DatasetError, ImageDecodeError } from '../errors';
import { crc32 } from './gzip';
import { checkImageSize, type DecodeLimits } from './image-limits';
import { sniffImageFormat } from './sniff';
import { inflateZlib } from './zlib';

/** The IHDR fields of a PNG that passed {@link checkPng}. */
export interface PngHeader {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  /** 0 none, 1 Adam7. */
  interlace: number;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

/** Width × height of every pass (one for a non-interlaced image, the seven Adam7 passes otherwise). */
function passes(h: PngHeader): Array<[number, number]> {
  if (h.interlace === 0) return [[h.width, h.height]];
  return ADAM7.map(([x0, y0, dx, dy]) => [Math.ceil(Math.max(0, h.width - x0) / dx), Math.ceil(Math.max(0, h.height - y0) / dy)]);
}

/**
 * Bytes of filtered image data an image needs: per non-empty pass, one filter byte and the
 * packed samples of each row.
 *
 * @example
 * ```ts
 * pngDataBytes({ width: 16, height: 16, bitDepth: 8, colorType: 6, interlace: 0 }); // 16 * (1 + 64)
 * ```
 */
export function pngDataBytes(h: PngHeader): number {
  const bitsPerPixel = CHANNELS[h.colorType] * h.bitDepth;
  let total = 0;
  for (const [w, rows] of passes(h)) if (w > 0 && rows > 0) total += rows * (1 + Math.ceil((w * bitsPerPixel) / 8));
  return total;
}

/**
 * Checks a PNG's structure against the specification before it is decoded: the signature, every
 * chunk's length and CRC-32, IHDR first with valid fields and a size within
 * `limits.maxPixels` (checked before anything is allocated), PLTE where the colour type needs
 * it, consecutive IDAT chunks, no unknown critical chunk, IEND last with nothing after it, and
 * image data (the IDATs' zlib stream, Adler-32 checked) that decompresses to exactly the bytes
 * the declared image needs, every row with a valid filter type. Throws {@link ImageDecodeError}
 * naming `file` and the problem; returns the header.
 *
 * @example
 * ```ts
 * const { width, height } = checkPng(bytes, 'cat.png', { maxPixels: 4096 * 4096 });
 * ```
 */
export function checkPng(bytes: Uint8Array, file: string, limits: DecodeLimits = {}): PngHeader {
  const fail = (message: string): never => {
    throw new ImageDecodeError(file, message);
  };
  if (sniffImageFormat(bytes) !== 'png') fail('not a PNG file (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: PngHeader | null = null;
  let palette = false;
  let idatState: 'before' | 'in' | 'after' = 'before';
  const idat: Uint8Array[] = [];
  let pos = 8;
  for (;;) {
    if (pos + 8 > bytes.length) fail(`the file ends at byte ${bytes.length} before its IEND chunk; the file is truncated`);
    const length = view.getUint32(pos, false);
    const typeBytes = bytes.subarray(pos + 4, pos + 8);
    if (!typeBytes.every((b) => (b >= 65 && b <= 90) || (b >= 97 && b <= 122))) fail(`chunk at byte ${pos} has an invalid type; the file is damaged`);
    const type = String.fromCharCode(...typeBytes);
    if (length > 0x7fffffff) fail(`chunk ${type} at byte ${pos} declares ${length} bytes, more than PNG allows; the file is damaged`);
    if (pos + 12 + length > bytes.length) fail(`chunk ${type} at byte ${pos} declares ${length} bytes but the file ends first; the file is truncated`);
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc32(bytes.subarray(pos + 4, pos + 8 + length)) !== view.getUint32(pos + 8 + length, false)) fail(`chunk ${type} at byte ${pos} has a wrong CRC-32; the file is damaged`);
    pos += 12 + length;
    if (header == null) {
      if (type !== 'IHDR') fail(`the first chunk is '${type}', not IHDR; the file is damaged`);
      header = readHeader(data, fail);
      checkImageSize(header.width, header.height, file, limits);
      continue;
    }
    if (idatState === 'in' && type !== 'IDAT') idatState = 'after';
    if (type === 'IDAT') {
      if (idatState === 'after') fail('IDAT chunks are not consecutive; the file is damaged');
      idatState = 'in';
      idat.push(data);
    } else if (type === 'IEND') {
      if (length !== 0) fail(`IEND has ${length} data bytes instead of 0; the file is damaged`);
      if (pos !== bytes.length) fail(`${bytes.length - pos} bytes follow the IEND chunk; the file is damaged or has data appended`);
      break;
    } else if (type === 'PLTE') {
      if (header.colorType === 0 || header.colorType === 4) fail(`PLTE is not allowed in a ${header.colorType === 0 ? 'grey' : 'grey+alpha'} image; the file is damaged`);
      if (palette) fail('a second PLTE chunk; the file is damaged');
      if (idatState !== 'before') fail('PLTE after the image data; the file is damaged');
      if (length === 0 || length % 3 !== 0 || length > 768) fail(`PLTE of ${length} bytes is not 1..256 RGB entries; the file is damaged`);
      palette = true;
    } else if (type === 'IHDR') {
      fail('a second IHDR chunk; the file is damaged');
    } else if (typeBytes[0] <= 90) {
      fail(`unknown critical chunk '${type}'; this decoder cannot read the file`);
    }
  }
  const h = header!;
  if (idat.length === 0) fail(`no image data (IDAT chunk) for the declared ${h.width}x${h.height} image; the file is damaged`);
  if (h.colorType === 3 && !palette) fail('a palette image without a PLTE chunk; the file is damaged');
  checkImageData(h, concat(idat), file, fail);
  return h;
}

function readHeader(data: Uint8Array, fail: (m: string) => never): PngHeader {
  if (data.length !== 13) fail(`IHDR has ${data.length} bytes instead of 13; the file is damaged`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const h: PngHeader = { width: view.getUint32(0, false), height: view.getUint32(4, false), bitDepth: data[8], colorType: data[9], interlace: data[12] };
  if (h.width === 0 || h.height === 0 || h.width > 0x7fffffff || h.height > 0x7fffffff) fail(`IHDR size ${h.width}x${h.height} is not allowed (1..2^31-1 each); the file is damaged`);
  const depths = DEPTHS[h.colorType];
  if (depths == null) fail(`IHDR colour type ${h.colorType} does not exist (0, 2, 3, 4, 6); the file is damaged`);
  if (!depths.includes(h.bitDepth)) fail(`IHDR bit depth ${h.bitDepth} is not allowed with colour type ${h.colorType}; the file is damaged`);
  if (data[10] !== 0 || data[11] !== 0) fail(`IHDR compression method ${data[10]} / filter method ${data[11]} is not 0; the file is damaged`);
  if (h.interlace > 1) fail(`IHDR interlace method ${h.interlace} is not 0 or 1; the file is damaged`);
  return h;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Inflates the image data (never past the size the header needs) and checks its rows. */
function checkImageData(h: PngHeader, zdata: Uint8Array, file: string, fail: (m: string) => never): void {
  const need = pngDataBytes(h);
  let raw: Uint8Array;
  try {
    raw = inflateZlib(zdata, file, 'PNG image data', need, `the image data is larger than the ${h.width}x${h.height} image it declares; the file is damaged`);
  } catch (e) {
    if (e instanceof DatasetError) fail(e.detail);
    throw e;
  }
  if (raw.length !== need) fail(`the image data holds ${raw.length} of the ${need} bytes a ${h.width}x${h.height} image needs; the file is truncated or damaged`);
  const bitsPerPixel = CHANNELS[h.colorType] * h.bitDepth;
  let off = 0;
  for (const [w, rows] of passes(h)) {
    if (w === 0 || rows === 0) continue;
    const rowBytes = 1 + Math.ceil((w * bitsPerPixel) / 8);
    for (let r = 0; r < rows; r++, off += rowBytes) if (raw[off] > 4) fail(`row ${r} has filter type ${raw[off]} (0..4 exist); the file is damaged`);
  }
}
