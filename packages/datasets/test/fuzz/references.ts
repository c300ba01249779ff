// Independent readers that judge the fuzzed parsers. Decompression is Node's zlib (the C
// library), the formats are read here from their specifications, without the package's code.
// Where the package is deliberately stricter than zlib (bytes after the last gzip member must be
// zero padding; a zlib stream inside PNG must end exactly at the end of the image data), the
// policy is applied on top of zlib's answer, not by re-implementing the parser.
import { crc32 as zlibCrc32, gunzipSync, inflateSync } from 'node:zlib';
import type { ReferenceVerdict } from '@odl/test-utils';

const invalid = (why: string): { valid: false; why: string } => ({ valid: false, why });

/** Node's zlib, plus the package's policy on trailing bytes (zero padding only). */
export function refGunzip(bytes: Uint8Array): ReferenceVerdict<Uint8Array> {
  let out: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    out = gunzipSync(bytes, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  } catch (e) {
    return invalid(`zlib: ${(e as Error).message}`);
  }
  const used = out.engine.bytesWritten;
  for (let k = used; k < bytes.length; k++) if (bytes[k] !== 0) return invalid(`zlib ignores ${bytes.length - used} trailing bytes that are not zero padding`);
  return { valid: true, value: new Uint8Array(out.buffer.buffer, out.buffer.byteOffset, out.buffer.byteLength) };
}

const isGz = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/** An IDX array as the specification describes it: type, dimensions and values as numbers. */
export interface RefIdx {
  type: number;
  dims: number[];
  values: number[];
}

/** IDX: magic 00 00 TT NN, NN big-endian uint32 dimensions (none zero), big-endian elements filling the file. */
export function refIdx(file: Uint8Array): ReferenceVerdict<RefIdx> {
  let raw = file;
  if (isGz(file)) {
    const g = refGunzip(file);
    if (!g.valid) return g;
    raw = g.value;
  }
  const sizes: Record<number, number> = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 };
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0 || sizes[raw[2]] == null || raw[3] === 0) return invalid('bad magic');
  const type = raw[2];
  const n = raw[3];
  if (raw.length < 4 + 4 * n) return invalid('header cut short');
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < n; i++) {
    dims.push(dv.getUint32(4 + 4 * i));
    count *= dims[i];
  }
  if (count === 0) return invalid('a zero dimension');
  if (raw.length !== 4 + 4 * n + count * sizes[type]) return invalid('size does not match the dimensions');
  const values: number[] = [];
  const base = 4 + 4 * n;
  for (let i = 0; i < count; i++) {
    const o = base + i * sizes[type];
    values.push(type === 8 ? dv.getUint8(o) : type === 9 ? dv.getInt8(o) : type === 11 ? dv.getInt16(o) : type === 12 ? dv.getInt32(o) : type === 13 ? dv.getFloat32(o) : dv.getFloat64(o));
  }
  return { valid: true, value: { type, dims, values } };
}

/** What idxToDataset must return for a pair of files. */
export interface RefIdxDataset {
  shape: number[];
  images: number[];
  labels: number[];
  numClasses: number;
}

/**
 * The images/labels pair: uint8 images of rank 3 or 4, integer labels of rank 1, equal counts;
 * labels below `numClasses` when given, else max + 1 classes, at most 1000 (each with an example
 * when `allClasses`).
 */
export function refIdxDataset(images: Uint8Array, labels: Uint8Array, numClasses?: number, allClasses = false): ReferenceVerdict<RefIdxDataset> {
  const im = refIdx(images);
  if (!im.valid) return im;
  const lb = refIdx(labels);
  if (!lb.valid) return lb;
  if (im.value.type !== 8 || (im.value.dims.length !== 3 && im.value.dims.length !== 4)) return invalid('images are not uint8 N,H,W[,C]');
  if (lb.value.dims.length !== 1 || lb.value.type === 13 || lb.value.type === 14) return invalid('labels are not an integer vector');
  if (lb.value.dims[0] !== im.value.dims[0]) return invalid('counts differ');
  const ls = lb.value.values;
  if (ls.some((l) => l < 0)) return invalid('negative label');
  let k = numClasses;
  if (k == null) {
    k = Math.max(...ls) + 1;
    if (k > 1000) return invalid('more than 1000 classes');
    if (allClasses && new Set(ls).size !== k) return invalid('a class without examples');
  } else if (ls.some((l) => l >= k!)) return invalid('label >= numClasses');
  const [n, h, w] = im.value.dims;
  return { valid: true, value: { shape: [n, h, w, im.value.dims[3] ?? 1], images: im.value.values, labels: ls, numClasses: k } };
}

/** What a CIFAR parser must return. */
export interface RefCifar {
  /** HWC pixels of every record. */
  images: Uint8Array;
  labels: number[];
}

/** CIFAR binary: whole records of label byte(s) + R, G, B planes of 32x32; labels in range. */
export function refCifar(file: Uint8Array, variant: 'cifar10' | 'cifar100-fine' | 'cifar100-coarse'): ReferenceVerdict<RefCifar> {
  let raw = file;
  if (isGz(file)) {
    const g = refGunzip(file);
    if (!g.valid) return g;
    raw = g.value;
  }
  const lb = variant === 'cifar10' ? 1 : 2;
  const rec = lb + 3072;
  if (raw.length === 0 || raw.length % rec !== 0) return invalid('not whole records');
  const n = raw.length / rec;
  const images = new Uint8Array(n * 3072);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = raw.subarray(i * rec, (i + 1) * rec);
    if (lb === 1 && r[0] > 9) return invalid('label > 9');
    if (lb === 2 && (r[0] > 19 || r[1] > 99)) return invalid('coarse > 19 or fine > 99');
    labels.push(variant === 'cifar100-fine' ? r[1] : r[0]);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) images[i * 3072 + p * 3 + c] = r[lb + c * 1024 + p];
  }
  return { valid: true, value: { images, labels } };
}

/** What a PNG decoder must return: size, and the RGBA pixels where this reader decodes them. */
export interface RefPng {
  width: number;
  height: number;
  /** RGBA pixels for 8-bit non-interlaced grey, grey+alpha, RGB and RGBA without tRNS; else null. */
  rgba: Uint8Array | null;
}

const PNG_SIG = [137, 80, 78, 71, 13, 10, 26, 10];

/**
 * PNG per the specification: signature; chunks with valid types, lengths and CRCs; IHDR first
 * with allowed fields; PLTE only where allowed, before IDAT, required for palette images;
 * consecutive IDATs; no unknown critical chunk; IEND last and nothing after it; the IDATs a zlib
 * stream (Node's inflate) ending with the data and holding exactly the rows the header needs,
 * each with filter type 0..4.
 */
export function refPng(b: Uint8Array): ReferenceVerdict<RefPng> {
  if (b.length < 8 || PNG_SIG.some((v, i) => b[i] !== v)) return invalid('signature');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 8;
  let ihdr: { w: number; h: number; depth: number; ct: number; il: number } | null = null;
  let plte = false;
  let trns = false;
  const idat: Uint8Array[] = [];
  let idatDone = false;
  let ended = false;
  while (!ended) {
    if (pos + 12 > b.length) return invalid('cut inside a chunk');
    const len = dv.getUint32(pos);
    const type = String.fromCharCode(...b.subarray(pos + 4, pos + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) return invalid('chunk type');
    if (len > 2 ** 31 - 1 || pos + 12 + len > b.length) return invalid('chunk length');
    if (zlibCrc32(b.subarray(pos + 4, pos + 8 + len)) !== dv.getUint32(pos + 8 + len)) return invalid(`${type} CRC`);
    const data = b.subarray(pos + 8, pos + 8 + len);
    pos += 12 + len;
    if (ihdr == null) {
      if (type !== 'IHDR' || len !== 13) return invalid('IHDR first');
      const d = new DataView(data.buffer, data.byteOffset, 13);
      ihdr = { w: d.getUint32(0), h: d.getUint32(4), depth: data[8], ct: data[9], il: data[12] };
      const allowed: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
      if (ihdr.w < 1 || ihdr.h < 1 || ihdr.w > 2 ** 31 - 1 || ihdr.h > 2 ** 31 - 1) return invalid('IHDR size');
      if (!allowed[ihdr.ct]?.includes(ihdr.depth) || data[10] !== 0 || data[11] !== 0 || ihdr.il > 1) return invalid('IHDR fields');
      if (ihdr.w * ihdr.h > 2 ** 26) return invalid('over the pixel limit');
      continue;
    }
    if (idat.length > 0 && type !== 'IDAT') idatDone = true;
    if (type === 'IDAT') {
      if (idatDone) return invalid('IDAT not consecutive');
      idat.push(data);
    } else if (type === 'IEND') {
      if (len !== 0 || pos !== b.length) return invalid('IEND');
      ended = true;
    } else if (type === 'PLTE') {
      if (ihdr.ct === 0 || ihdr.ct === 4 || plte || idat.length > 0 || len === 0 || len % 3 !== 0 || len > 768) return invalid('PLTE');
      plte = true;
    } else if (type === 'IHDR') {
      return invalid('second IHDR');
    } else if (type.charCodeAt(0) < 97) {
      return invalid('unknown critical chunk');
    } else if (type === 'tRNS') {
      trns = true;
    }
  }
  const hd = ihdr!;
  if (idat.length === 0) return invalid('no IDAT');
  if (hd.ct === 3 && !plte) return invalid('no PLTE');
  const z = Buffer.concat(idat);
  let out: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    out = inflateSync(z, { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
  } catch (e) {
    return invalid(`zlib: ${(e as Error).message}`);
  }
  if (out.engine.bytesWritten !== z.length) return invalid('data after the zlib stream');
  const raw = out.buffer;
  const spp = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[hd.ct]!;
  const bpp = spp * hd.depth;
  const passes = hd.il === 0
    ? [[hd.w, hd.h]]
    : [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]].map(([x, y, dx, dy]) => [hd.w > x ? Math.floor((hd.w - x + dx - 1) / dx) : 0, hd.h > y ? Math.floor((hd.h - y + dy - 1) / dy) : 0]);
  let need = 0;
  const rows: Array<[number, number]> = []; // [offset, row bytes]
  for (const [pw, ph] of passes) {
    if (pw === 0 || ph === 0) continue;
    const rb = Math.ceil((pw * bpp) / 8);
    for (let r = 0; r < ph; r++) {
      rows.push([need, rb]);
      need += 1 + rb;
    }
  }
  if (raw.length !== need) return invalid(`image data holds ${raw.length} of ${need} bytes`);
  if (rows.some(([o]) => raw[o] > 4)) return invalid('filter type');
  if (hd.depth !== 8 || hd.il !== 0 || hd.ct === 3 || trns) return { valid: true, value: { width: hd.w, height: hd.h, rgba: null } };
  // Unfilter (paeth etc.) and expand to RGBA.
  const stride = hd.w * spp;
  const px = new Uint8Array(hd.h * stride);
  for (let y = 0; y < hd.h; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= spp ? px[y * stride + x - spp] : 0;
      const up = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= spp && y > 0 ? px[(y - 1) * stride + x - spp] : 0;
      let pred = 0;
      if (f === 1) pred = a;
      else if (f === 2) pred = up;
      else if (f === 3) pred = (a + up) >> 1;
      else if (f === 4) {
        const p = a + up - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      }
      px[y * stride + x] = (v + pred) & 255;
    }
  }
  const rgba = new Uint8Array(hd.w * hd.h * 4);
  for (let p = 0; p < hd.w * hd.h; p++) {
    const s = px.subarray(p * spp, (p + 1) * spp);
    const [r, g, bl, al] = spp === 1 ? [s[0], s[0], s[0], 255] : spp === 2 ? [s[0], s[0], s[0], s[1]] : spp === 3 ? [s[0], s[1], s[2], 255] : [s[0], s[1], s[2], s[3]];
    rgba.set([r, g, bl, al], p * 4);
  }
  return { valid: true, value: { width: hd.w, height: hd.h, rgba } };
}

/** A JPEG's size from its first SOF marker, and whether the file ends its markers with EOI. */
export interface RefJpeg {
  width: number;
  height: number;
}

/**
 * JPEG: only the frame size can be read independently (no second decoder is at hand), so the
 * reference accepts any file whose marker chain reaches a SOF0/1/2 before the first scan and
 * says nothing about pixels; it rejects files without SOI or SOF. Accepted results are judged
 * on their size.
 */
export function refJpegSize(b: Uint8Array): ReferenceVerdict<RefJpeg> {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return invalid('no SOI');
  let pos = 2;
  while (pos + 4 <= b.length) {
    if (b[pos] !== 0xff) return invalid('no marker');
    const m = b[pos + 1];
    if (m === 0xff) {
      pos++;
      continue;
    }
    const len = (b[pos + 2] << 8) | b[pos + 3];
    if (m >= 0xc0 && m <= 0xc2) {
      if (pos + 9 > b.length) return invalid('cut SOF');
      return { valid: true, value: { height: (b[pos + 5] << 8) | b[pos + 6], width: (b[pos + 7] << 8) | b[pos + 8] } };
    }
    if (m === 0xda) return invalid('scan before SOF');
    pos += 2 + len;
  }
  return invalid('no SOF');
}
