import { applyMaskBits, isRecordingGradients, rangeMask, rangeMaskBits, tf } from '@odl/backend';

// On cpu and wasm the mask is packed 8 elements per byte (rangeMaskBits); elsewhere it is a
// 1-byte-per-element bool tensor made by tfjs comparisons.
function masked(x: tf.Tensor, forward: (x: tf.Tensor) => tf.Tensor, low: number, high: number): tf.Tensor {
  if (!isRecordingGradients()) return forward(x);
  const packed = tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
  const op = tf.customGrad((xx: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const input = xx as tf.Tensor;
    (save as tf.GradSaveFunc)([packed ? rangeMaskBits(input, low, high) : rangeMask(input, low, high)]);
    return {
      value: forward(input),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => (packed ? applyMaskBits(dy, saved[0]!) : tf.mul(dy, tf.cast(saved[0]!, 'float32'))),
    };
  });
  return op(x);
}

/**
 * ReLU whose backward keeps a mask (`x > 0`) instead of the float input (4 bytes per element)
 * that `tf.relu` keeps: 1 bit per element on cpu and wasm (`rangeMaskBits`), 1 byte elsewhere.
 * Same value and gradient as `tf.relu`.
 *
 * @example
 * ```ts
 * const y = reluMasked(tf.tensor1d([-1, 2])); // [0, 2]
 * ```
 */
export function reluMasked(x: tf.Tensor): tf.Tensor {
  return masked(x, (t) => tf.relu(t), 0, Infinity);
}

/**
 * ReLU6 whose backward keeps a mask (`0 < x ≤ 6`, tfjs' convention) instead of the float input:
 * 1 bit per element on cpu and wasm, 1 byte elsewhere. Same value and gradient as `tf.relu6`.
 *
 * @example
 * ```ts
 * const y = relu6Masked(tf.tensor1d([-1, 3, 8])); // [0, 3, 6]
 * ```
 */
export function relu6Masked(x: tf.Tensor): tf.Tensor {
  return masked(x, (t) => tf.relu6(t), 0, 6);
}
