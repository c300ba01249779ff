// An independent safetensors reader, written from the format's description (8-byte
// little-endian header size N, N bytes of UTF-8 JSON starting with '{', then a byte buffer the
// tensors index entirely, without holes or overlaps), for judging the library's parser in fuzz
// tests. It shares no code with the parser under test and favours plainness over speed.

/** A tensor as the reference reads it: values as float64 numbers (integers exact up to 2^53). */
export interface ReferenceTensor {
  dtype: string;
  shape: number[];
  values: number[];
}

/** The reference's verdict on a file. */
export type ReferenceSafetensors =
  | { valid: true; tensors: Map<string, ReferenceTensor>; metadata: Record<string, string> }
  | { valid: false; reason: string };

const SIZES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

function halfBits(h: number): number {
  const sign = h >> 15 ? -1 : 1;
  const exp = (h >> 10) & 31;
  const mant = h & 1023;
  if (exp === 31) return mant === 0 ? sign * Infinity : NaN;
  return exp === 0 ? sign * Math.pow(2, -14) * (mant / 1024) : sign * Math.pow(2, exp - 15) * (1 + mant / 1024);
}

function fp8(b: number, expBits: number, bias: number, e4m3: boolean): number {
  const manBits = 7 - expBits;
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> manBits) & ((1 << expBits) - 1);
  const mant = b & ((1 << manBits) - 1);
  if (e4m3 && exp === 15 && mant === 7) return NaN;
  if (!e4m3 && exp === 31) return mant === 0 ? sign * Infinity : NaN;
  if (exp === 0) return sign * Math.pow(2, 1 - bias) * (mant / (1 << manBits));
  return sign * Math.pow(2, exp - bias) * (1 + mant / (1 << manBits));
}

function decode(dtype: string, bytes: Uint8Array): number[] {
  const size = SIZES[dtype]!;
  const out: number[] = [];
  const copy = new Uint8Array(bytes); // aligned copy
  const dv = new DataView(copy.buffer);
  for (let i = 0; i < bytes.length / size; i++) {
    const o = i * size;
    switch (dtype) {
      case 'BOOL': out.push(copy[o]! !== 0 ? 1 : 0); break;
      case 'U8': out.push(copy[o]!); break;
      case 'I8': out.push(dv.getInt8(o)); break;
      case 'F8_E5M2': out.push(fp8(copy[o]!, 5, 15, false)); break;
      case 'F8_E4M3': out.push(fp8(copy[o]!, 4, 7, true)); break;
      case 'I16': out.push(dv.getInt16(o, true)); break;
      case 'U16': out.push(dv.getUint16(o, true)); break;
      case 'F16': out.push(halfBits(dv.getUint16(o, true))); break;
      case 'BF16': out.push(new Float32Array(new Uint32Array([dv.getUint16(o, true) * 65536]).buffer)[0]!); break;
      case 'I32': out.push(dv.getInt32(o, true)); break;
      case 'U32': out.push(dv.getUint32(o, true)); break;
      case 'F32': out.push(dv.getFloat32(o, true)); break;
      case 'I64': out.push(Number(dv.getBigInt64(o, true))); break;
      case 'U64': out.push(Number(dv.getBigUint64(o, true))); break;
      case 'F64': out.push(dv.getFloat64(o, true)); break;
    }
  }
  return out;
}

const plainObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
const whole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER;

/**
 * Reads a safetensors file by the format's rules: the verdict (`valid` with every tensor's
 * values, or `valid: false` with the first rule broken). Rules: at least 8 bytes; header size N
 * (u64 LE) with 8 + N within the file and N ≤ 100,000,000; the header valid UTF-8 JSON starting
 * with '{' and being an object; `__metadata__`, when present, an object of strings; every other
 * entry an object with a known dtype, a shape of non-negative integers, and data_offsets two
 * non-negative integers [begin, end] with end - begin = elements × dtype size; the ranges cover
 * the byte buffer exactly once (their lengths sum to its size and no two overlap).
 *
 * @example
 * ```ts
 * const ref = referenceSafetensors(bytes);
 * if (ref.valid) ref.tensors.get('w')!.values; // [1, 2, 3]
 * ```
 */
export function referenceSafetensors(file: Uint8Array): ReferenceSafetensors {
  const bad = (reason: string): ReferenceSafetensors => ({ valid: false, reason });
  if (file.length < 8) return bad('shorter than 8 bytes');
  let n = 0;
  for (let i = 7; i >= 0; i--) n = n * 256 + file[i]!;
  if (8 + n > file.length) return bad('header size past the end');
  if (n > 100_000_000) return bad('header too large');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.slice(8, 8 + n));
  } catch {
    return bad('header not UTF-8');
  }
  if (text[0] !== '{') return bad("header does not start with '{'");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad('header not JSON');
  }
  if (!plainObject(json)) return bad('header not an object');
  const buffer = file.slice(8 + n);
  const tensors = new Map<string, ReferenceTensor>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const name of Object.keys(json as object)) {
    const entry = (json as Record<string, unknown>)[name];
    if (name === '__metadata__') {
      if (!plainObject(entry)) return bad('__metadata__ not an object');
      for (const v of Object.values(entry as object)) if (typeof v !== 'string') return bad('__metadata__ value not a string');
      metadata = entry as Record<string, string>;
      continue;
    }
    if (!plainObject(entry)) return bad(`${name}: not an object`);
    const { dtype, shape, data_offsets } = entry as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(SIZES, dtype)) return bad(`${name}: unknown dtype`);
    if (!Array.isArray(shape) || shape.some((d) => !whole(d))) return bad(`${name}: bad shape`);
    if (!Array.isArray(data_offsets) || data_offsets.length !== 2 || !whole(data_offsets[0]) || !whole(data_offsets[1])) return bad(`${name}: bad data_offsets`);
    const [begin, end] = data_offsets as [number, number];
    let elements = 1n;
    for (const d of shape as number[]) elements *= BigInt(d);
    if (end < begin || BigInt(end - begin) !== elements * BigInt(SIZES[dtype]!)) return bad(`${name}: offsets do not match shape and dtype`);
    if (end > buffer.length) return bad(`${name}: offsets past the buffer`);
    ranges.push({ name, begin, end });
    tensors.set(name, { dtype, shape: [...(shape as number[])], values: decode(dtype, buffer.slice(begin, end)) });
  }
  let covered = 0;
  for (const r of ranges) covered += r.end - r.begin;
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.begin < b.end && b.begin < a.end) return bad(`${a.name} and ${b.name} overlap`);
    }
  }
  if (covered !== buffer.length) return bad('the tensors do not cover the buffer exactly');
  return { valid: true, tensors, metadata: { ...metadata } };
}
