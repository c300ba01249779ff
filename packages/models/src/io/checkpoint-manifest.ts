import type { tf } from '@odl/backend';
import { CheckpointError } from './checkpoint-error';

/** Bytes per element of the dtypes a checkpoint may hold. */
export const CHECKPOINT_DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/** A validated weight spec: name, shape, dtype and where its bytes lie in the weight data. */
export interface CheckedSpec {
  /** Tensor name. */
  name: string;
  /** Shape (non-negative safe integers). */
  shape: number[];
  /** dtype (`float32`, `int32` or `bool`). */
  dtype: 'float32' | 'int32' | 'bool';
  /** Byte offset in the joined weight data. */
  offset: number;
  /** Byte length. */
  bytes: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * Validates a tfjs weights manifest against the size of its weight data before anything is
 * decoded: an array of `{ name, shape, dtype }` with unique names, shapes of non-negative
 * integers, dtypes `float32`/`int32`/`bool`, no quantization, and byte lengths summing to
 * `dataBytes` exactly. Throws a {@link CheckpointError} naming the entry and the field.
 *
 * @example
 * ```ts
 * const specs = checkWeightSpecs(artifacts.weightSpecs, weightData.byteLength, './ckpt/model.json');
 * specs[0]; // { name: 'features.0.0.weight', shape: [3, 3, 1, 16], dtype: 'float32', offset: 0, bytes: 576 }
 * ```
 */
export function checkWeightSpecs(specs: unknown, dataBytes: number, file?: string): CheckedSpec[] {
  const fail = (message: string): never => {
    throw new CheckpointError(message, file);
  };
  if (!Array.isArray(specs)) fail(`the weights manifest is ${show(specs)}, not a list of weight entries; the checkpoint is corrupt`);
  const out: CheckedSpec[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const [i, raw] of (specs as unknown[]).entries()) {
    if (!isRecord(raw)) fail(`weights manifest entry ${i} is ${show(raw)}, not { name, shape, dtype }; the checkpoint is corrupt`);
    const { name, shape, dtype, quantization } = raw as Partial<tf.io.WeightsManifestEntry>;
    if (typeof name !== 'string' || name.length === 0) return fail(`weights manifest entry ${i} has name ${show(name)}; the checkpoint is corrupt`);
    const where = `weight '${name}'`;
    if (seen.has(name)) fail(`${where} appears twice in the weights manifest; the checkpoint is corrupt`);
    seen.add(name);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${where}: shape ${show(shape)} must be a list of non-negative integers; the checkpoint is corrupt`);
    if (typeof dtype !== 'string' || !Object.hasOwn(CHECKPOINT_DTYPE_BYTES, dtype)) fail(`${where}: dtype ${show(dtype)} is not one a checkpoint holds (float32, int32, bool); the checkpoint is corrupt`);
    if (quantization != null) fail(`${where} is quantized; odl checkpoints store unquantized weights, re-save the model with saveCheckpoint`);
    const size = CHECKPOINT_DTYPE_BYTES[dtype as string]!;
    let count = (shape as number[]).includes(0) ? 0 : 1;
    for (const d of shape as number[]) {
      count *= d;
      if (count * size > dataBytes) fail(`${where}: shape [${(shape as number[]).join(', ')}] needs more bytes than the ${dataBytes}-byte weight data holds; the checkpoint is corrupt`);
    }
    const bytes = count * size;
    out.push({ name, shape: [...(shape as number[])], dtype: dtype as CheckedSpec['dtype'], offset, bytes });
    offset += bytes;
    if (offset > dataBytes) fail(`the weights manifest needs more than the ${dataBytes} bytes of weight data (short at '${name}'); the weights file is truncated or belongs to another model`);
  }
  if (offset !== dataBytes) fail(`the weights manifest describes ${offset} bytes, the weight data has ${dataBytes}; the weights file is damaged or belongs to another model`);
  return out;
}
