import { ArgumentError, isRecordingGradients, ShapeError, tf } from '@odl/backend';
import { checkFloatTensor, checkMinRank, shapeText } from './tensor-checks';

function checkLayerNormInputs(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): void {
  const where = 'layerNorm';
  checkFloatTensor(x, where, 'x');
  checkFloatTensor(gamma, where, 'gamma');
  checkFloatTensor(beta, where, 'beta');
  checkMinRank(x, 2, where, 'x', '[B, D] or [B, N, D]');
  const D = x.shape[x.rank - 1]!;
  for (const [name, t] of [['gamma', gamma], ['beta', beta]] as const) {
    if (t.rank !== 1 || t.shape[0] !== D) throw new ShapeError(`${where}: ${name} has shape ${shapeText(t.shape)}; it must be [${D}], the size of x's last axis (x is ${shapeText(x.shape)})`);
  }
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
    throw new ArgumentError(`layerNorm: epsilon is ${String(epsilon)}; it must be a finite number > 0 (PyTorch's default is 1e-5, ViT's 1e-6)`);
  }
}

/** Mean and 1/σ over the last axis, both with a kept last axis of size 1 (biased variance). */
function normalise(x: tf.Tensor, epsilon: number): { xHat: tf.Tensor; rstd: tf.Tensor } {
  const last = x.rank - 1;
  const mean = tf.mean(x, last, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), last, true);
  const rstd = tf.rsqrt(tf.add(variance, epsilon));
  return { xHat: tf.mul(centred, rstd), rstd };
}

/**
 * LayerNorm over the last axis with PyTorch `nn.LayerNorm` semantics (biased variance):
 * `y = (x − μ)/√(σ² + ε)·γ + β`, with μ and σ² per row (every index of the leading axes). Any
 * rank ≥ 2: `[B, D]`, `[B, N, D]`, …
 *
 * Backward keeps, for `R` rows of `D` features: the normalised input `x̂` (R·D float32), `1/σ`
 * per row (R float32) and γ (D float32): `4·(R·D + R + D)` bytes on the tape. The gradient
 * (docs/method.md §8) is
 * `dx = (1/σ)·(g − mean(g) − x̂·mean(g⊙x̂))` with `g = dy⊙γ`, `dγ = Σ_rows dy⊙x̂`,
 * `dβ = Σ_rows dy`, so γ and β can be trained (pass them as variables).
 *
 * @param x - input, float32, rank ≥ 2, features on the last axis (`D`)
 * @param gamma - γ, `[D]`
 * @param beta - β, `[D]`
 * @param epsilon - added to the variance, > 0 (PyTorch's default 1e-5; torchvision's ViT uses 1e-6)
 * @returns a tensor of `x`'s shape
 * @throws ShapeError for a wrong rank, shape or dtype; ArgumentError for `epsilon ≤ 0`
 * @example
 * ```ts
 * const y = layerNorm(tf.randomNormal([2, 50, 768]), tf.ones([768]), tf.zeros([768]), 1e-6);
 * ```
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor {
  checkLayerNormInputs(x, gamma, beta, epsilon);
  if (!isRecordingGradients()) {
    return tf.tidy(() => tf.add(tf.mul(normalise(x, epsilon).xHat, gamma), beta));
  }
  const op = tf.customGrad((xx: tf.Tensor | tf.GradSaveFunc, gg: tf.Tensor | tf.GradSaveFunc, bb: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const { xHat, rstd } = normalise(xx as tf.Tensor, epsilon);
    (save as tf.GradSaveFunc)([xHat, rstd, gg as tf.Tensor]);
    return {
      value: tf.add(tf.mul(xHat, gg as tf.Tensor), bb as tf.Tensor),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxHat, srstd, sgamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const last = dy.rank - 1;
        const rowAxes = Array.from({ length: last }, (_, i) => i);
        const g = tf.mul(dy, sgamma);
        const meanG = tf.mean(g, last, true);
        const meanGx = tf.mean(tf.mul(g, sxHat), last, true);
        const dx = tf.mul(tf.sub(tf.sub(g, meanG), tf.mul(sxHat, meanGx)), srstd);
        const dGamma = tf.sum(tf.mul(dy, sxHat), rowAxes);
        const dBeta = tf.sum(dy, rowAxes);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta);
}
