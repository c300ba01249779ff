import { isRecordingGradients, tf } from '@odl/backend';
import { checkFloatTensor } from './tensor-checks';

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(x) = ½(1 + erf(x/√2)), the standard normal CDF. */
function normalCdf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(tf.erf(tf.mul(x, SQRT_HALF)), 1), 0.5);
}

/**
 * Exact GELU, `x·Φ(x)` with Φ the standard normal CDF computed through erf (PyTorch `nn.GELU()`
 * default, `approximate='none'`). Any shape.
 *
 * Backward keeps the input `x` (4 bytes per element, float32) and recomputes
 * `dx = dy ⊙ (Φ(x) + x·φ(x))`, φ the standard normal density (docs/method.md §8).
 *
 * @param x - input, float32, any shape
 * @returns a tensor of `x`'s shape
 * @throws ShapeError when `x` is not a float32 tensor
 * @example
 * ```ts
 * const y = gelu(tf.tensor1d([-1, 0, 1])); // [-0.1587, 0, 0.8413]
 * ```
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  checkFloatTensor(x, 'gelu', 'x');
  if (!isRecordingGradients()) return tf.tidy(() => tf.mul(x, normalCdf(x)));
  const op = tf.customGrad((xx: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const input = xx as tf.Tensor;
    (save as tf.GradSaveFunc)([input]);
    return {
      value: tf.mul(input, normalCdf(input)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const s = saved[0]!;
        const density = tf.mul(tf.exp(tf.mul(tf.square(s), -0.5)), INV_SQRT_2PI);
        return tf.mul(dy, tf.add(normalCdf(s), tf.mul(s, density)));
      },
    };
  });
  return op(x);
}
