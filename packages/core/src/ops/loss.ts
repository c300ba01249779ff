import { isRecordingGradients, ShapeError, tf } from '@odl/backend';

/** How {@link softmaxCrossEntropy} reduces the per-example losses. */
export type LossReduction = 'mean' | 'sum' | 'none';

/**
 * Softmax cross-entropy of `logits` `[B, K]` against `labels`: one-hot (or soft) `[B, K]` floats,
 * or `[B]` int32 class indices. Backward keeps one `[B, K]` tensor (softmax − labels) and nothing
 * else. `'mean'` (default) averages over the batch, as `tf.losses.softmaxCrossEntropy` does; the
 * gradient flows to `logits` only.
 *
 * @example
 * ```ts
 * const loss = softmaxCrossEntropy(logits, tf.tensor1d([3, 0], 'int32'));
 * ```
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, reduction: LossReduction = 'mean'): tf.Tensor {
  if (logits.rank !== 2) throw new ShapeError(`softmaxCrossEntropy: logits must be [B, K], got [${logits.shape.join(', ')}]`);
  const [B, K] = logits.shape;
  const oneHot = (): tf.Tensor => {
    if (labels.rank === 1) {
      if (labels.shape[0] !== B) throw new ShapeError(`softmaxCrossEntropy: ${labels.shape[0]} labels for a batch of ${B}`);
      return tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, K);
    }
    if (labels.rank !== 2 || labels.shape[0] !== B || labels.shape[1] !== K) {
      throw new ShapeError(`softmaxCrossEntropy: labels must be [${B}, ${K}] (one-hot) or [${B}] (class indices), got [${labels.shape.join(', ')}]`);
    }
    return tf.cast(labels, 'float32');
  };
  const perExample = (lg: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(lg)), 1));
  const reduce = (l: tf.Tensor): tf.Tensor => (reduction === 'mean' ? tf.div(tf.sum(l), B) : reduction === 'sum' ? tf.sum(l) : l);
  if (!isRecordingGradients()) return tf.tidy(() => reduce(perExample(logits, oneHot())));
  const op = tf.customGrad((lg: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
    const y = oneHot();
    const x = lg as tf.Tensor;
    // d/dx of −Σ y·log softmax(x) = softmax(x)·Σy − y (Σy = 1 for one-hot labels)
    const diff = tf.sub(tf.mul(tf.softmax(x), tf.sum(y, 1, true)), y);
    (save as tf.GradSaveFunc)([diff]);
    return {
      value: reduce(perExample(x, y)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const scaled = reduction === 'mean' ? tf.div(saved[0], B) : saved[0];
        return tf.mul(scaled, reduction === 'none' ? tf.expandDims(dy, 1) : dy);
      },
    };
  });
  return op(logits);
}
