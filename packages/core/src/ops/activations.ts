import { rangeMask, tf } from '@odl/backend';
import { isRecordingGradients } from './run-compressed';

function masked(x: tf.Tensor, forward: (x: tf.Tensor) => tf.Tensor, mask: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (!isRecordingGradients()) return forward(x);
  const op = tf.customGrad((xx: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const input = xx as tf.Tensor;
    (save as tf.GradSaveFunc)([mask(input)]);
    return {
      value: forward(input),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cast(saved[0], 'float32')),
    };
  });
  return op(x);
}

/**
 * ReLU whose backward keeps a 1-byte-per-element `bool` mask (`x > 0`) instead of the float input
 * (4 bytes per element) that `tf.relu` keeps. Same value and gradient as `tf.relu`.
 *
 * @example
 * ```ts
 * const y = reluMasked(tf.tensor1d([-1, 2])); // [0, 2]
 * ```
 */
export function reluMasked(x: tf.Tensor): tf.Tensor {
  return masked(x, (t) => tf.relu(t), (t) => rangeMask(t, 0, Infinity));
}

/**
 * ReLU6 whose backward keeps a 1-byte `bool` mask (`0 < x ≤ 6`, tfjs' convention) instead of the
 * float input. Same value and gradient as `tf.relu6`.
 *
 * @example
 * ```ts
 * const y = relu6Masked(tf.tensor1d([-1, 3, 8])); // [0, 3, 6]
 * ```
 */
export function relu6Masked(x: tf.Tensor): tf.Tensor {
  return masked(x, (t) => tf.relu6(t), (t) => rangeMask(t, 0, 6));
}
