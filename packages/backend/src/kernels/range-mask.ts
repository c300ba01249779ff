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
