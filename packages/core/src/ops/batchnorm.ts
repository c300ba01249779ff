import { isRecordingGradients, ShapeError, tf } from '@odl/backend';

/** Frozen (eval-mode) BatchNorm parameters, one value per channel (the last axis). */
export interface BatchNormParams {
  /** γ, `[C]` (default 1). */
  scale?: tf.Tensor1D | null;
  /** β, `[C]` (default 0). */
  offset?: tf.Tensor1D | null;
  /** Running mean, `[C]`. */
  mean: tf.Tensor1D;
  /** Running variance, `[C]`. */
  variance: tf.Tensor1D;
  /** Added to the variance (default 1e-3, tfjs' default). */
  epsilon?: number;
}

/** A per-channel affine map `y = x·a + b`. */
export interface ChannelAffine {
  /** Per-channel factor `a`, `[C]`. */
  a: tf.Tensor1D;
  /** Per-channel shift `b`, `[C]`. */
  b: tf.Tensor1D;
}

/** A layer's weight and bias after folding a BatchNorm into them. */
export interface FoldedLayer {
  /** The scaled weight (same shape as the input weight). */
  weight: tf.Tensor;
  /** The new bias, `[C']`. */
  bias: tf.Tensor1D;
}

/**
 * The per-channel affine map `y = x·a + b` of a frozen BatchNorm: `a = γ/√(σ²+ε)`, `b = β − μ·a`.
 *
 * @example
 * ```ts
 * const { a, b } = batchNormAffine({ mean, variance, scale: gamma, offset: beta });
 * ```
 */
export function batchNormAffine(params: BatchNormParams): ChannelAffine {
  const C = params.mean.shape[0];
  for (const [name, t] of [['variance', params.variance], ['scale', params.scale], ['offset', params.offset]] as const) {
    if (t != null && (t.rank !== 1 || t.shape[0] !== C)) throw new ShapeError(`frozenBatchNorm: ${name} has shape [${t.shape.join(', ')}], expected [${C}] like mean`);
  }
  return tf.tidy(() => {
    const inv = tf.rsqrt(tf.add(params.variance, params.epsilon ?? 1e-3));
    const a = (params.scale == null ? inv : tf.mul(inv, params.scale)) as tf.Tensor1D;
    const shift = tf.neg(tf.mul(params.mean, a));
    const b = (params.offset == null ? shift : tf.add(shift, params.offset)) as tf.Tensor1D;
    return { a, b };
  });
}

/**
 * Eval-mode BatchNorm over the last axis whose backward keeps only the per-channel factor
 * `γ/√(σ²+ε)` (C floats), not the input as `tf.batchNorm` does. Gradient flows to `x` only (the
 * statistics and γ, β are frozen); it equals `tf.batchNorm`'s input gradient.
 *
 * @example
 * ```ts
 * const y = frozenBatchNorm(x, { mean, variance, scale: gamma, offset: beta, epsilon: 1e-5 });
 * ```
 */
export function frozenBatchNorm(x: tf.Tensor, params: BatchNormParams): tf.Tensor {
  const C = params.mean.shape[0];
  if (x.shape[x.rank - 1] !== C) throw new ShapeError(`frozenBatchNorm: input has ${x.shape[x.rank - 1]} channels on its last axis, the statistics have ${C}`);
  if (!isRecordingGradients()) {
    return tf.tidy(() => {
      const { a, b } = batchNormAffine(params);
      return tf.add(tf.mul(x, a), b);
    });
  }
  const op = tf.customGrad((xx: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const { a, b } = batchNormAffine(params);
    (save as tf.GradSaveFunc)([a]);
    return {
      value: tf.add(tf.mul(xx as tf.Tensor, a), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]),
    };
  });
  return op(x);
}

/**
 * Folds a frozen BatchNorm that follows a conv2d, depthwise or dense layer into the layer's weight
 * and bias: `W' = W·a` per output channel, `b' = (b − μ)·a + β`. The result computes the same
 * function as layer + BatchNorm with no BatchNorm at all.
 *
 * @param kind - `'conv2d'` and `'dense'` scale the last weight axis; `'depthwise'` the output
 *   channel `c·M + m` of a `[KH, KW, C, M]` weight
 * @example
 * ```ts
 * const { weight, bias } = foldBatchNormIntoConv(w, b, bn, 'conv2d');
 * ```
 */
export function foldBatchNormIntoConv(
  weight: tf.Tensor,
  bias: tf.Tensor1D | null,
  params: BatchNormParams,
  kind: 'conv2d' | 'depthwise' | 'dense' = 'conv2d',
): FoldedLayer {
  return tf.tidy(() => {
    const { a, b } = batchNormAffine(params);
    const C = a.shape[0];
    let w: tf.Tensor;
    if (kind === 'depthwise') {
      const [KH, KW, Cin, M] = weight.shape;
      if (weight.rank !== 4 || Cin * M !== C) throw new ShapeError(`foldBatchNormIntoConv: depthwise weight [${weight.shape.join(', ')}] has ${Cin * M} output channels, BatchNorm has ${C}`);
      w = tf.mul(weight, tf.reshape(a, [1, 1, Cin, M]));
      void KH;
      void KW;
    } else {
      if (weight.shape[weight.rank - 1] !== C) throw new ShapeError(`foldBatchNormIntoConv: weight [${weight.shape.join(', ')}] has ${weight.shape[weight.rank - 1]} output channels, BatchNorm has ${C}`);
      w = tf.mul(weight, a);
    }
    const newBias = (bias == null ? b : tf.add(tf.mul(bias, a), b)) as tf.Tensor1D;
    return { weight: w, bias: newBias };
  });
}
