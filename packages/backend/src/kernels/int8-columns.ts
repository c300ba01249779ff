import { tf } from '../engine';
import { ArgumentError, ShapeError } from '../errors';
import { readFloat32 } from './host-data';

/**
 * A float32 tensor stored as 8-bit codes with one scale per column (per index of the last axis).
 * tfjs has no 8-bit dtype; the codes live in a `bool` tensor, which the cpu and wasm backends (and
 * `tf.memory()`) store as one byte per element and which keeps any byte value, not only 0 and 1.
 * Treat `codes` as opaque: read it back only with {@link dequantizeInt8Columns}.
 */
export interface Int8Columns {
  /** Codes `q + 128` with `q ∈ [-127, 127]`, shape of the quantized tensor, dtype `bool` (1 byte each). */
  codes: tf.Tensor;
  /** Scale of each column `[lastDim]`, float32: the column's value is `q × scale`. */
  scales: tf.Tensor1D;
}

/**
 * Quantizes a float32 tensor to 8 bits per element with a symmetric scale per column (per index
 * of the last axis): `scale_j = max_i |x_ij| / 127`, `q_ij = round(x_ij / scale_j)`. The error of
 * each element is at most `scale_j / 2`, i.e. 0.4 % of its column's largest magnitude; an all-zero
 * column gets scale 0. Holds `size` bytes of codes plus 4 bytes per column.
 *
 * @param x - float32 tensor of rank ≥ 1 with finite values
 * @returns the codes and scales (new tensors, owned by the caller)
 *
 * @example
 * ```ts
 * const q = quantizeInt8Columns(tf.tensor2d([[1, -0.5], [0.25, 2]]));
 * dequantizeInt8Columns(q); // ≈ [[1, -0.5], [0.25, 2]] within 0.4 % of each column's max
 * ```
 */
export function quantizeInt8Columns(x: tf.Tensor): Int8Columns {
  if (x.dtype !== 'float32') throw new ArgumentError(`quantizeInt8Columns: expected a float32 tensor, got ${x.dtype}; cast it first`);
  if (x.rank < 1) throw new ShapeError('quantizeInt8Columns: expected a tensor of rank ≥ 1, got a scalar; reshape it to [1]');
  const cols = x.shape[x.rank - 1]!;
  const values = readFloat32(x).slice(); // copy: a wasm heap view dies at the next allocation
  const scales = new Float32Array(cols);
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    const j = i % cols;
    if (!Number.isFinite(a)) {
      throw new ArgumentError(`quantizeInt8Columns: column ${j} holds a non-finite value (${values[i]}); the activation diverged (lower the learning rate)`);
    }
    if (a > scales[j]!) scales[j] = a;
  }
  for (let j = 0; j < cols; j++) scales[j] = scales[j]! / 127;
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = scales[i % cols]!;
    codes[i] = s === 0 ? 128 : 128 + Math.max(-127, Math.min(127, Math.round(values[i]! / s)));
  }
  return { codes: tf.tensor(codes, x.shape, 'bool'), scales: tf.tensor1d(scales) };
}

/**
 * The float32 tensor that {@link quantizeInt8Columns} stored: `(code − 128) × scale` per element.
 *
 * @param q - codes and scales from {@link quantizeInt8Columns} (not disposed)
 * @returns a new float32 tensor with the codes' shape
 *
 * @example
 * ```ts
 * const x = dequantizeInt8Columns(quantizeInt8Columns(tf.ones([3, 2]))); // exactly ones
 * ```
 */
export function dequantizeInt8Columns(q: Int8Columns): tf.Tensor {
  const { codes, scales } = q;
  const cols = codes.rank === 0 ? 0 : codes.shape[codes.rank - 1]!;
  if (codes.dtype !== 'bool' || scales.dtype !== 'float32' || scales.rank !== 1 || scales.shape[0] !== cols) {
    throw new ShapeError(
      `dequantizeInt8Columns: expected bool codes and float32 scales of one per column, got ${codes.dtype} codes [${codes.shape.join(', ')}] and ${scales.dtype} scales [${scales.shape.join(', ')}]; pass what quantizeInt8Columns returned`,
    );
  }
  const bytes = codes.dataSync() as Uint8Array;
  const s = scales.dataSync() as Float32Array;
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i]! - 128) * s[i % cols]!;
  return tf.tensor(out, codes.shape, 'float32');
}
