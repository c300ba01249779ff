import { ArgumentError } from '@odl/backend';
import type { SafetensorsDtype, SafetensorsTensor } from './safetensors';
import { bfloatToFloat, halfToFloat } from './float-bits';
import { TorchFileError } from './torch-error';
import { runPickle, TORCH_STORAGES, type PickledKey, type PickledTensor, type PickledValue } from './torch-pickle';
import { readZipEntries } from './torch-zip';

export { TorchFileError } from './torch-error';

/** Options of {@link parsePth}. */
export interface ParsePthOptions {
  /** The file's name or path, for error messages. */
  file?: string;
  /**
   * Largest float32 tensor accepted, in bytes after conversion (default 2^31 − 1), as in
   * `parseSafetensors`: checked for every tensor before any is copied.
   */
  maxTensorBytes?: number;
  /** Throw on a tensor that is not float32/float16/bfloat16/float64 instead of skipping it (default false). */
  strictDtypes?: boolean;
}

/** What {@link parsePth} returns. */
export interface PthFile {
  /** Float tensors by name, in the file's order, converted to float32, contiguous (row-major). */
  tensors: Map<string, SafetensorsTensor>;
  /** Names of the entries that were not loaded: integer tensors (`num_batches_tracked`) and non-tensor values. */
  skipped: string[];
}

const FLOATS = new Set(['F32', 'F16', 'BF16', 'F64']);

const isTensor = (v: PickledValue | undefined): v is PickledTensor => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && v.kind === 'tensor';

/** The state dict inside the unpickled value: the value itself, or its `state_dict`/`model` entry. */
function stateDictOf(root: PickledValue, fail: (m: string) => never): Map<PickledKey, PickledValue> {
  if (!(root instanceof Map)) return fail('the pickled value is not a dict; save model.state_dict() with torch.save');
  if ([...root.values()].some(isTensor)) return root;
  for (const k of ['state_dict', 'model']) {
    const inner = root.get(k);
    if (inner instanceof Map && [...inner.values()].some(isTensor)) return inner;
  }
  return fail(`the file holds no tensors (top-level keys: ${[...root.keys()].slice(0, 8).map(String).join(', ') || 'none'}); save model.state_dict() with torch.save`);
}

/**
 * Parses a PyTorch `.pth`/`.pt` file written by `torch.save` (PyTorch ≥ 1.6's zip format:
 * `<archive>/data.pkl`, `<archive>/data/<key>` storages, `<archive>/version`) in pure
 * JavaScript: a strict zip reader, then a minimal pickle interpreter that builds only
 * OrderedDicts, tuples, strings, numbers and tensors (any other pickle content is refused, so
 * loading a file never runs code). Tensors are copied out of their storages honouring sizes,
 * strides and storage offsets and converted to float32 (from float16, bfloat16 or float64);
 * integer tensors such as `num_batches_tracked` are skipped unless `strictDtypes`. A dict that
 * holds the state dict under `state_dict` or `model` is unwrapped. Every problem is a
 * {@link TorchFileError} naming the entry, opcode or tensor.
 *
 * @example
 * ```ts
 * const { tensors } = parsePth(readFileSync('mobilenet_v2.pth'), { file: 'mobilenet_v2.pth' });
 * tensors.get('features.0.0.weight')!.shape; // [32, 3, 3, 3]
 * ```
 */
export function parsePth(bytes: Uint8Array | ArrayBuffer, options: ParsePthOptions = {}): PthFile {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const maxTensorBytes = options.maxTensorBytes ?? 0x7fffffff;
  if (!(Number.isSafeInteger(maxTensorBytes) && maxTensorBytes >= 0)) throw new ArgumentError(`parsePth: maxTensorBytes must be a non-negative integer, got ${maxTensorBytes}`);
  const fail = (message: string): never => {
    throw new TorchFileError(message, options.file);
  };
  if (u8.length >= 2 && u8[0] === 0x80 && u8[1] === 0x02) {
    fail("the file is in PyTorch's legacy (pre-1.6) format; re-save it with torch.save(state_dict, path) in PyTorch ≥ 1.6");
  }
  if (u8.length < 4) fail(`file of ${u8.length} bytes is too short for a .pth file; it is truncated`);
  if (u8[0] !== 0x50 || u8[1] !== 0x4b) fail('the file is not a zip archive (torch.save writes one); pass a .pth file saved with torch.save, or a .safetensors file');
  const entries = new Map(readZipEntries(u8, fail).map((e) => [e.name, e.data]));
  const pickles = [...entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) fail(`the archive has ${pickles.length} '<archive>/data.pkl' entries, not one; it is not a torch.save file`);
  const prefix = pickles[0]!.slice(0, -'data.pkl'.length);
  if (entries.has(`${prefix}constants.pkl`)) fail('the file is a TorchScript archive (torch.jit.save); save model.state_dict() with torch.save instead');
  const byteorder = entries.get(`${prefix}byteorder`);
  if (byteorder && new TextDecoder().decode(byteorder) !== 'little') fail('the file was saved big-endian; re-save it on a little-endian machine');
  const root = runPickle(entries.get(pickles[0]!)!, fail);
  const dict = stateDictOf(root, fail);
  const tensors = new Map<string, SafetensorsTensor>();
  const skipped: string[] = [];
  const planned: [string, PickledTensor, Uint8Array, number][] = [];
  for (const [name, value] of dict) {
    if (typeof name !== 'string') fail(`a state-dict key is ${String(name)}, not a string; data.pkl is corrupt`);
    const key = name as string;
    if (!isTensor(value)) {
      skipped.push(key);
      continue;
    }
    const { storage, offset, shape, stride } = value;
    const { dtype, bytes: size } = TORCH_STORAGES[storage.type]!;
    const data = entries.get(`${prefix}data/${storage.key}`);
    if (!data) fail(`tensor '${key}': its storage '${prefix}data/${storage.key}' is missing from the archive; the file is corrupt`);
    if (data!.length !== storage.numel * size) fail(`tensor '${key}': storage '${storage.key}' should hold ${storage.numel} ${storage.type} elements (${storage.numel * size} bytes), the archive has ${data!.length} bytes; the file is corrupt`);
    let count = 1;
    let last = offset;
    for (let i = 0; i < shape.length; i++) {
      count *= shape[i]!;
      if (shape[i]! > 0) last += (shape[i]! - 1) * stride[i]!;
      if (!Number.isSafeInteger(count) || !Number.isSafeInteger(last)) fail(`tensor '${key}': size [${shape.join(', ')}] is too large; the file is corrupt`);
    }
    if (count > 0 && last >= storage.numel) fail(`tensor '${key}': size [${shape.join(', ')}], stride [${stride.join(', ')}] and offset ${offset} reach element ${last} of a ${storage.numel}-element storage; the file is corrupt`);
    if (!FLOATS.has(dtype)) {
      if (options.strictDtypes) fail(`tensor '${key}' is ${storage.type}; only float tensors load (parse without strictDtypes to skip it)`);
      skipped.push(key);
      continue;
    }
    if (4 * count > maxTensorBytes) fail(`tensor '${key}' [${shape.join(', ')}] needs ${4 * count} bytes as float32, more than maxTensorBytes=${maxTensorBytes}; raise maxTensorBytes if the file is real`);
    planned.push([key, value, data!, count]);
  }
  for (const [key, t, data, count] of planned) {
    const dtype = TORCH_STORAGES[t.storage.type]!.dtype as SafetensorsDtype;
    tensors.set(key, { dtype, shape: [...t.shape], data: gather(t, data, dtype, count) });
  }
  return { tensors, skipped };
}

/** Copies a strided view of a storage into a contiguous float32 array. */
function gather(t: PickledTensor, bytes: Uint8Array, dtype: SafetensorsDtype, count: number): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read: (i: number) => number =
    dtype === 'F32' ? (i) => dv.getFloat32(4 * i, true)
    : dtype === 'F64' ? (i) => dv.getFloat64(8 * i, true)
    : dtype === 'F16' ? (i) => halfToFloat(dv.getUint16(2 * i, true))
    : (i) => bfloatToFloat(dv.getUint16(2 * i, true));
  const out = new Float32Array(count);
  const rank = t.shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = t.offset;
  for (let k = 0; k < count; k++) {
    out[k] = read(src);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      src += t.stride[d]!;
      if (index[d]! < t.shape[d]!) break;
      src -= index[d]! * t.stride[d]!;
      index[d] = 0;
    }
  }
  return out;
}
