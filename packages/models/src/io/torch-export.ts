import { ArgumentError, tf } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import type { WeightParameterization } from '@odl/core';
import type { ZooModel } from '../zoo/model';
import { layerParamName } from '../zoo/names';
import { relativePositionIndex } from '../zoo/swin-windows';
import type { SafetensorsTensor } from './safetensors';
import { defaultNaming, torchNameMap, type TorchNaming } from './torch-names';
import { invertPermutation, torchPermutation } from './torchvision';

/** Options of {@link exportTorchWeights}. */
export interface ExportTorchOptions {
  /** Names to write (default: `'mcunet'` for MCUNet-in1, `'torchvision'` otherwise). */
  naming?: TorchNaming;
}

/**
 * A zoo model's weights as a PyTorch state dict: PyTorch names ({@link TorchNaming}) and
 * layouts (conv HWIO → OIHW, depthwise HWC1 → C1HW, dense (in, out) → (out, in)), float32, in
 * model order. BatchNorm's `num_batches_tracked` is not written (PyTorch's `load_state_dict`
 * fills it in). A layer trained through a weight re-parameterisation (LoRA, WASI) exports its
 * effective weight (the method's `merge`), so the file deploys without the method.
 *
 * @example
 * ```ts
 * const tensors = exportTorchWeights(model);
 * tensors.get('features.0.0.weight')!.shape; // [32, 3, 3, 3] (PyTorch layout)
 * ```
 */
export function exportTorchWeights(model: ZooModel, options: ExportTorchOptions = {}): Map<string, SafetensorsTensor> {
  const names = torchNameMap(model, options.naming ?? defaultNaming(model));
  const out = new Map<string, SafetensorsTensor>();
  const parameterized = new Map<string, WeightParameterization>();
  for (const l of model.layers()) {
    const weights = model.runtime.get(l.name)?.weights;
    if (weights) parameterized.set(layerParamName(l, 'weight'), weights);
  }
  for (const [odl, v] of model.namedWeights()) {
    const perm = torchPermutation(model, odl);
    const weights = parameterized.get(odl);
    let values = v.dataSync() as Float32Array;
    if (weights) {
      const effective = tf.tidy(() => weights.merge(v));
      values = effective.dataSync() as Float32Array;
      effective.dispose();
    }
    if (!perm) {
      out.set(names.get(odl)!, { dtype: 'F32', shape: [...v.shape], data: Float32Array.from(values) });
      continue;
    }
    // The inverse of the import's permutation: torch axis j is model axis inv[j].
    const inv = invertPermutation(perm);
    const shape = inv.map((a) => v.shape[a]!);
    const strides = v.shape.map((_, a) => v.shape.slice(a + 1).reduce((x, y) => x * y, 1));
    const data = new Float32Array(values.length);
    const index = new Array<number>(shape.length).fill(0);
    for (let k = 0; k < data.length; k++) {
      let src = 0;
      for (let j = 0; j < shape.length; j++) src += index[j]! * strides[inv[j]!]!;
      data[k] = values[src]!;
      for (let j = shape.length - 1; j >= 0 && ++index[j]! === shape[j]!; j--) index[j] = 0;
    }
    out.set(names.get(odl)!, { dtype: 'F32', shape, data });
  }
  return out;
}

/**
 * One tensor of a PyTorch state dict as odl writes it: float32 values (a weight), or int64 values
 * (a buffer PyTorch registers beside the weights, such as a Swin Transformer's
 * `relative_position_index`).
 */
export type TorchStateTensor = TorchFloatTensor | TorchInt64Tensor;

/** A float32 tensor of a {@link TorchStateTensor | state dict}: a weight, in PyTorch's layout. */
export interface TorchFloatTensor {
  /** Always `'F32'`. */
  dtype: 'F32';
  /** Shape in PyTorch's layout (conv OIHW, linear (out, in)). */
  shape: number[];
  /** Values, row-major. */
  data: Float32Array;
}

/** An int64 tensor of a {@link TorchStateTensor | state dict}: a buffer such as Swin's `relative_position_index`. */
export interface TorchInt64Tensor {
  /** Always `'I64'`. */
  dtype: 'I64';
  /** Shape as PyTorch registers the buffer. */
  shape: number[];
  /** Values, row-major. */
  data: BigInt64Array;
}

const BIAS_TABLE = 'relative_position_bias_table';

/**
 * A zoo model's whole PyTorch state dict: the weights of {@link exportTorchWeights} (in model
 * order), plus the int64 buffers PyTorch's module registers and `load_state_dict(…, strict=True)`
 * requires (a Swin Transformer's `relative_position_index`, torchvision's `[N²]` index for the
 * configured window, after each attention's bias table; docs: packages/models/README.md).
 * BatchNorm's `num_batches_tracked` is left out: PyTorch fills it in. This is what
 * {@link saveTorchWeights} writes.
 *
 * @example
 * ```ts
 * const state = torchStateDict(createModel('swin-t', { numClasses: 1000 }));
 * state.get('features.1.0.attn.relative_position_index'); // { dtype: 'I64', shape: [2401], data: BigInt64Array }
 * ```
 */
export function torchStateDict(model: ZooModel, options: ExportTorchOptions = {}): Map<string, TorchStateTensor> {
  const window = model.config.swin?.windowSize;
  const index = window === undefined ? undefined : relativePositionIndex([window, window]);
  const out = new Map<string, TorchStateTensor>();
  for (const [name, t] of exportTorchWeights(model, options)) {
    out.set(name, { dtype: 'F32', shape: t.shape, data: t.data });
    if (index !== undefined && name.endsWith(`.attn.${BIAS_TABLE}`)) {
      out.set(`${name.slice(0, -BIAS_TABLE.length)}relative_position_index`, { dtype: 'I64', shape: [index.length], data: BigInt64Array.from(index, (v) => BigInt(v)) });
    }
  }
  return out;
}

/**
 * Encodes tensors as a safetensors file (8-byte little-endian header length, JSON header padded
 * with spaces to a multiple of 8, then the data in the given order). A `Float32Array` is written
 * as F32, a `BigInt64Array` as I64; a tensor whose `dtype` says otherwise is an
 * `ArgumentError`.
 *
 * @example
 * ```ts
 * const bytes = encodeSafetensors(torchStateDict(model), { format: 'pt' });
 * parseSafetensors(bytes).tensors; // the float tensors (the int64 buffers are skipped on reading)
 * ```
 */
export function encodeSafetensors(
  tensors: Map<string, { dtype?: string; shape: number[]; data: Float32Array | BigInt64Array }>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new ArgumentError("encodeSafetensors: a tensor cannot be named '__metadata__'");
    const dtype = t.data instanceof BigInt64Array ? 'I64' : 'F32';
    // a SafetensorsTensor read from a file keeps its source dtype (F16, …) but holds float32 values
    if (t.dtype !== undefined && (t.dtype === 'I64') !== (dtype === 'I64')) {
      throw new ArgumentError(`encodeSafetensors: tensor '${name}' has dtype ${t.dtype} but ${dtype === 'I64' ? 'BigInt64Array' : 'Float32Array'} data; int64 values need a BigInt64Array, float values a Float32Array`);
    }
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new ArgumentError(`encodeSafetensors: tensor '${name}' has ${t.data.length} values, its shape [${t.shape.join(', ')}] needs ${count}`);
    const bytes = dtype === 'I64' ? 8 : 4;
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes * count] };
    offset += bytes * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (new TextEncoder().encode(json).length % 8)) % 8);
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  let p = 8 + text.length;
  for (const t of tensors.values()) {
    if (t.data instanceof BigInt64Array) for (let i = 0; i < t.data.length; i++, p += 8) dv.setBigInt64(p, t.data[i]!, true);
    else for (let i = 0; i < t.data.length; i++, p += 4) dv.setFloat32(p, t.data[i]!, true);
  }
  return out;
}

/**
 * Writes a zoo model's PyTorch state dict ({@link torchStateDict}: PyTorch names and layouts, and
 * the int64 buffers PyTorch's module needs) to a `.safetensors` file, atomically (Node only), so
 * that PyTorch loads it with `model.load_state_dict(safetensors.torch.load_file(path))`, strictly.
 *
 * @example
 * ```ts
 * await saveTorchWeights(model, './finetuned.safetensors');
 * ```
 */
export async function saveTorchWeights(model: ZooModel, path: string, options: ExportTorchOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new ArgumentError(`saveTorchWeights: path must be a non-empty string, got ${JSON.stringify(path)}`);
  const naming = options.naming ?? defaultNaming(model);
  const bytes = encodeSafetensors(torchStateDict(model, { naming }), { format: 'pt', architecture: model.config.architecture, naming });
  await writeFileAtomic(path, bytes);
}
