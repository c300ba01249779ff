import { ArgumentError } from '@odl/backend';
import { bfloatToFloat, halfToFloat } from './float-bits';
import { readSafetensorsHeader } from './safetensors-header';
import { SafetensorsError } from './safetensors-error';

export { SafetensorsError } from './safetensors-error';

/** Element types this reader converts to float32. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64';

/** One tensor read from a safetensors file, converted to float32. */
export interface SafetensorsTensor {
  /** dtype stored in the file. */
  dtype: SafetensorsDtype;
  /** Shape as stored (PyTorch layout). */
  shape: number[];
  /** Values, row-major, converted to float32. */
  data: Float32Array;
}

/** What {@link parseSafetensors} returns. */
export interface SafetensorsFile {
  /** Tensors by name, in header order. */
  tensors: Map<string, SafetensorsTensor>;
  /** The optional `__metadata__` string map of the header. */
  metadata: Record<string, string>;
}

/** Options of {@link parseSafetensors}. */
export interface ParseSafetensorsOptions {
  /** Throw on a tensor whose dtype is not F32/F16/BF16/F64 instead of skipping it (default false). */
  strictDtypes?: boolean;
  /** The file's name or path, for error messages. */
  file?: string;
  /**
   * Largest float32 tensor accepted, in bytes after conversion (default 2^31 − 1). Checked from
   * the header for every tensor before any is allocated: a file that would need more is a
   * {@link SafetensorsError}.
   */
  maxTensorBytes?: number;
}

const FLOAT_DTYPES = new Set<string>(['F32', 'F16', 'BF16', 'F64']);

/**
 * Parses a safetensors file (8-byte little-endian header length, JSON header, raw
 * little-endian data) and converts every tensor to float32. The header is validated in full
 * first (see `readSafetensorsHeader`: types, shapes, integer offsets inside the data section,
 * no overlap), so a corrupt file throws a {@link SafetensorsError} before anything is
 * allocated. F32, F16, BF16 and F64 are converted; other dtypes (integer buffers such as
 * `num_batches_tracked`) are validated and skipped unless `strictDtypes`.
 *
 * @example
 * ```ts
 * const { tensors } = parseSafetensors(readFileSync('mobilenet_v2.safetensors'), { file: 'mobilenet_v2.safetensors' });
 * tensors.get('features.0.0.weight')!.shape; // [32, 3, 3, 3]
 * ```
 */
export function parseSafetensors(bytes: Uint8Array | ArrayBuffer, options: ParseSafetensorsOptions = {}): SafetensorsFile {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const { entries, metadata, dataStart } = readSafetensorsHeader(u8, options.file);
  const maxTensorBytes = options.maxTensorBytes ?? 0x7fffffff;
  if (!(Number.isSafeInteger(maxTensorBytes) && maxTensorBytes >= 0)) throw new ArgumentError(`parseSafetensors: maxTensorBytes must be a non-negative integer, got ${maxTensorBytes}`);
  for (const e of entries) {
    const bytesAsFloat32 = 4 * e.shape.reduce((a, b) => a * b, 1);
    if (FLOAT_DTYPES.has(e.dtype) && bytesAsFloat32 > maxTensorBytes) {
      throw new SafetensorsError(`tensor '${e.name}' [${e.shape.join(', ')}] needs ${bytesAsFloat32} bytes as float32, more than maxTensorBytes=${maxTensorBytes}; raise maxTensorBytes if the file is real`, options.file);
    }
  }
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) {
    if (!FLOAT_DTYPES.has(e.dtype)) {
      if (options.strictDtypes) throw new SafetensorsError(`tensor '${e.name}' has dtype ${e.dtype}; supported: F32, F16, BF16, F64 (or parse without strictDtypes to skip it)`, options.file);
      continue;
    }
    const dtype = e.dtype as SafetensorsDtype;
    const dv = new DataView(u8.buffer, u8.byteOffset + dataStart + e.begin, e.end - e.begin);
    const count = e.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(count);
    if (dtype === 'F32') for (let i = 0; i < count; i++) data[i] = dv.getFloat32(4 * i, true);
    else if (dtype === 'F64') for (let i = 0; i < count; i++) data[i] = dv.getFloat64(8 * i, true);
    else if (dtype === 'F16') for (let i = 0; i < count; i++) data[i] = halfToFloat(dv.getUint16(2 * i, true));
    else for (let i = 0; i < count; i++) data[i] = bfloatToFloat(dv.getUint16(2 * i, true));
    tensors.set(e.name, { dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}
