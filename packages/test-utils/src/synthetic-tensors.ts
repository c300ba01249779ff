// Seeded synthetic tensors for benchmarks and tests: activations shaped like real feature maps,
// and He-normal weights.
import { tf } from '@odl/backend';

/** Options of {@link decayingActivation}. */
export interface DecayingActivationOptions {
  /** Seed of the Gaussian draw. */
  seed: number;
  /** Mean of the Gaussian before the scaling and the ReLU (default 0). */
  mean?: number;
  /**
   * The scale of index `i` along every axis: a number `r` for the geometric `r^i`, or a function
   * of `i` (e.g. `(i) => (1 + i) ** -0.5`).
   */
  decay: number | ((index: number) => number);
}

/**
 * An activation with a decaying spectrum on every mode, like real feature maps, so that low-rank
 * methods find ranks below the dimensions: a seeded Gaussian (standard deviation 1), each axis
 * scaled by `decay` at its index, then ReLU.
 *
 * @example
 * ```ts
 * const x = decayingActivation([32, 14, 14, 48], { seed: 42, mean: 0.3, decay: 0.85 }) as tf.Tensor4D;
 * ```
 */
export function decayingActivation(shape: number[], options: DecayingActivationOptions): tf.Tensor {
  const { seed, mean = 0, decay } = options;
  const scaleAt = typeof decay === 'number' ? (i: number) => decay ** i : decay;
  return tf.tidy(() => {
    let t = tf.randomNormal(shape, mean, 1, 'float32', seed);
    shape.forEach((d, n) => {
      const scale = tf.tensor1d(Array.from({ length: d }, (_, i) => scaleAt(i)));
      t = tf.mul(t, tf.reshape(scale, shape.map((s, i) => (i === n ? d : 1))));
    });
    return tf.relu(t);
  });
}

/**
 * A trainable variable of He-normal (fan-in) weights: normal, mean 0, standard deviation
 * √(2 / fanIn), seeded.
 *
 * @example
 * ```ts
 * const w = heNormal([3, 3, 16, 32], 3 * 3 * 16, 1); // a 3×3 conv, 16 → 32 channels
 * ```
 */
export function heNormal(shape: number[], fanIn: number, seed: number): tf.Variable {
  const init = tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed);
  const w = tf.variable(init);
  init.dispose(); // the variable keeps the values
  return w;
}
