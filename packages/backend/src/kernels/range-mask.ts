import { tf } from '../engine';
import { ArgumentError } from '../errors';
import { readFloat32 } from './host-data';

/**
 * A `bool` tensor (1 byte per element) that is true where `low < x ≤ high`: the mask a ReLU
 * (`low = 0, high = Infinity`) or ReLU6 (`low = 0, high = 6`, tfjs' gradient convention) keeps
 * for backward instead of its float input.
 *
 * On wasm and cpu the mask is written by one loop over the tensor's host memory: tfjs-wasm's
 * comparison kernels with a scalar operand run ~8 ms per 1.8 M elements (three of them for a
 * ReLU6 mask, ~25 ms) against ~2 ms for the loop (docs/benchmarks.md, `activation-mask`). Other
 * backends use `greater`/`lessEqual`/`logicalAnd`. NaN inputs give false, as the comparisons do.
 *
 * @param x - float32 tensor, any shape
 * @param low - exclusive lower bound
 * @param high - inclusive upper bound (`Infinity` for none)
 * @returns bool tensor of x's shape
 *
 * @example
 * ```ts
 * rangeMask(tf.tensor1d([-1, 0, 3, 6, 8]), 0, 6); // [false, false, true, true, false]
 * ```
 */
export function rangeMask(x: tf.Tensor, low: number, high: number): tf.Tensor {
  if (x.dtype !== 'float32') throw new ArgumentError(`rangeMask: expected a float32 tensor, got ${x.dtype}; cast it first`);
  if (!(low < high)) throw new ArgumentError(`rangeMask: low ${low} must be below high ${high}`);
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    return tf.tidy(() => (high === Infinity ? tf.greater(x, low) : tf.logicalAnd(tf.greater(x, low), tf.lessEqual(x, high))));
  }
  const values = readFloat32(x); // a heap view on wasm: read it before allocating the output
  const mask = new Uint8Array(x.size);
  fillRangeMask(values, mask, low, high);
  return tf.tensor(mask, x.shape, 'bool');
}

// Branch-free: on activations about half the elements pass, and a data-dependent branch
// mispredicts on every other one (11 ms against 3.2 ms per 1.8 M elements in V8).
function fillRangeMask(values: Float32Array, mask: Uint8Array, low: number, high: number): void {
  for (let i = 0; i < mask.length; i++) {
    const v = values[i]!;
    mask[i] = Number(v > low) & Number(v <= high);
  }
}

/**
 * The mask of {@link rangeMask} packed 8 elements per byte: a `bool`-dtype tensor of
 * `ceil(size / 8)` bytes whose byte `i >> 3` holds element `i` in bit `i & 7`. What a ReLU/ReLU6
 * keeps for backward on the cpu and wasm backends: 1 bit per element instead of 1 byte (and 32
 * instead of tfjs' float copy). Read it only with {@link applyMaskBits}. cpu and wasm only (the
 * bytes are written on the host); other backends keep the byte mask of {@link rangeMask}.
 *
 * @param x - float32 tensor, any shape
 * @param low - exclusive lower bound
 * @param high - inclusive upper bound (`Infinity` for none)
 * @returns bool tensor `[ceil(x.size / 8)]` of packed bits
 *
 * @example
 * ```ts
 * const bits = rangeMaskBits(x, 0, 6);           // x.size / 8 bytes
 * const dx = applyMaskBits(dy, bits);            // dy where 0 < x ≤ 6, else 0
 * ```
 */
export function rangeMaskBits(x: tf.Tensor, low: number, high: number): tf.Tensor1D {
  if (x.dtype !== 'float32') throw new ArgumentError(`rangeMaskBits: expected a float32 tensor, got ${x.dtype}; cast it first`);
  if (!(low < high)) throw new ArgumentError(`rangeMaskBits: low ${low} must be below high ${high}`);
  requireHostBackend('rangeMaskBits');
  const values = readFloat32(x); // a heap view on wasm: read it before allocating the output
  const bits = new Uint8Array(Math.ceil(x.size / 8));
  fillRangeMaskBits(values, bits, low, high);
  return tf.tensor1d(bits, 'bool');
}

/**
 * `dy` where the packed mask from {@link rangeMaskBits} is set, 0 elsewhere: the input gradient of
 * a ReLU/ReLU6 from its bit mask, in one pass on the host.
 *
 * @param dy - float32 output gradient, the shape of the masked input
 * @param bits - packed mask of that input (not disposed)
 * @returns a new float32 tensor of dy's shape
 *
 * @example
 * ```ts
 * applyMaskBits(tf.tensor1d([1, 2, 3]), rangeMaskBits(tf.tensor1d([-1, 1, 7]), 0, 6)); // [0, 2, 0]
 * ```
 */
export function applyMaskBits(dy: tf.Tensor, bits: tf.Tensor): tf.Tensor {
  if (dy.dtype !== 'float32' || bits.dtype !== 'bool' || bits.size !== Math.ceil(dy.size / 8)) {
    throw new ArgumentError(
      `applyMaskBits: expected a float32 gradient and ceil(${dy.size} / 8) = ${Math.ceil(dy.size / 8)} mask bytes, got ${dy.dtype} and ${bits.size} ${bits.dtype}; pass the mask rangeMaskBits made for this gradient's input`,
    );
  }
  requireHostBackend('applyMaskBits');
  const packed = bits.dataSync() as Uint8Array;
  const out = readFloat32(dy).slice(); // a copy: the heap view dies at the next allocation
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * ((packed[i >> 3]! >> (i & 7)) & 1);
  return tf.tensor(out, dy.shape, 'float32');
}

function requireHostBackend(name: string): void {
  const backend = tf.getBackend();
  if (backend !== 'wasm' && backend !== 'cpu') {
    throw new ArgumentError(`${name}: packed masks are written on the host, for the wasm and cpu backends; on '${backend}' use rangeMask`);
  }
}

// Branch-free, 8 elements per output byte.
function fillRangeMaskBits(values: Float32Array, bits: Uint8Array, low: number, high: number): void {
  const whole = values.length >> 3;
  for (let b = 0; b < whole; b++) {
    const i = b << 3;
    let byte = 0;
    for (let j = 0; j < 8; j++) {
      const v = values[i + j]!;
      byte |= (Number(v > low) & Number(v <= high)) << j;
    }
    bits[b] = byte;
  }
  for (let i = whole << 3; i < values.length; i++) {
    const v = values[i]!;
    bits[i >> 3] = bits[i >> 3]! | ((Number(v > low) & Number(v <= high)) << (i & 7));
  }
}
