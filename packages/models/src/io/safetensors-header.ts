import { SafetensorsError } from './safetensors-error';

/** Element sizes in bytes of the safetensors dtypes, by the header's dtype name. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, I64: 8, U64: 8, F64: 8,
};

/** Largest header accepted (bytes), as in the format's reference reader. */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** One validated header entry: where its bytes lie in the data section. */
export interface SafetensorsEntry {
  /** Tensor name. */
  name: string;
  /** dtype name as stored (a key of {@link SAFETENSORS_DTYPE_BYTES}). */
  dtype: string;
  /** Shape (non-negative safe integers). */
  shape: number[];
  /** First byte, relative to the data section. */
  begin: number;
  /** One past the last byte, relative to the data section. */
  end: number;
}

/** What {@link readSafetensorsHeader} returns. */
export interface SafetensorsHeader {
  /** Entries in header order. */
  entries: SafetensorsEntry[];
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
  /** Absolute offset of the data section in the file (bytes). */
  dataStart: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * Reads and fully validates a safetensors header before any tensor is made: the 8-byte
 * little-endian length inside the file, UTF-8 JSON that is an object, `__metadata__` a string
 * map, and for every tensor a known dtype, a shape of non-negative safe integers and integer
 * `data_offsets` `[begin, end]` with `end - begin` = elements × dtype size; sorted by `begin`,
 * the tensors must tile the data section exactly (no overlap, no hole, no trailing bytes).
 * Every failure is a {@link SafetensorsError} naming the file, the tensor and the field.
 *
 * @example
 * ```ts
 * const { entries, dataStart } = readSafetensorsHeader(bytes, 'model.safetensors');
 * entries[0]; // { name: 'fc.weight', dtype: 'F32', shape: [10, 512], begin: 0, end: 20480 }
 * ```
 */
export function readSafetensorsHeader(u8: Uint8Array, file?: string): SafetensorsHeader {
  const fail = (message: string): never => {
    throw new SafetensorsError(message, file);
  };
  if (u8.byteLength < 8) fail(`file of ${u8.byteLength} bytes is too short for a safetensors header (8-byte length + JSON); the file is truncated or not safetensors`);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(u8.byteLength - 8)) fail(`header length ${declared} exceeds the ${u8.byteLength - 8} bytes after the length field; the file is truncated or not safetensors`);
  const headerLen = Number(declared);
  if (headerLen > SAFETENSORS_MAX_HEADER_BYTES) fail(`header length ${headerLen} exceeds the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit; the file is not safetensors`);
  if (headerLen < 2 || u8[8] !== 0x7b) fail(`header does not start with '{'; the file is not safetensors`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(u8.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message}); the file is corrupt or not safetensors`);
  }
  if (!isRecord(header)) return fail(`header is ${show(header)}, not a JSON object of tensors; the file is corrupt`);
  const dataStart = 8 + headerLen;
  const dataLen = u8.byteLength - dataStart;
  const entries: SafetensorsEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isRecord(raw)) fail(`__metadata__ is ${show(raw)}; it must be an object of strings`);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (typeof v !== 'string') fail(`__metadata__['${k}'] is ${show(v)}; metadata values must be strings`);
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    const where = `tensor '${name}'`;
    if (!isRecord(raw)) return fail(`${where}: header entry is ${show(raw)}, not an object with dtype, shape and data_offsets`);
    const { dtype, shape, data_offsets: offsets } = raw;
    if (typeof dtype !== 'string' || !Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype)) {
      fail(`${where}: dtype ${show(dtype)} is not a safetensors dtype (${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${where}: shape ${show(shape)} must be an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`${where}: data_offsets ${show(offsets)} must be two non-negative integers [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) fail(`${where}: data_offsets [${begin}, ${end}] run past the ${dataLen}-byte data section; the file is truncated`);
    let count = (shape as number[]).includes(0) ? 0 : 1;
    for (const d of shape as number[]) {
      count *= d;
      if (count > Number.MAX_SAFE_INTEGER) fail(`${where}: shape ${show(shape)} has more elements than the file can hold`);
    }
    const size = SAFETENSORS_DTYPE_BYTES[dtype as string]!;
    if (end - begin !== count * size) fail(`${where}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${count * size} bytes, data_offsets [${begin}, ${end}] span ${end - begin}`);
    entries.push({ name, dtype: dtype as string, shape: [...(shape as number[])], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  let previous: SafetensorsEntry | undefined;
  for (const e of sorted) {
    if (e.begin < cursor) fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap tensor '${previous!.name}' [${previous!.begin}, ${previous!.end}]; the header is corrupt`);
    if (e.begin > cursor) fail(`tensor '${e.name}': data_offsets begin at ${e.begin}, leaving bytes ${cursor}..${e.begin} unused; the header is corrupt`);
    cursor = e.end;
    previous = e;
  }
  if (cursor !== dataLen) fail(`the tensors cover ${cursor} of the ${dataLen} data bytes; the file has trailing bytes or a corrupt header`);
  return { entries, metadata, dataStart };
}
