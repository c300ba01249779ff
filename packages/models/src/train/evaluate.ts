import { tf } from '@odl/backend';
import type { ZooModel } from '../zoo/model';
import { checkData, makeBatch, type InputSpec, type LabeledImages } from './data';
import type { FrozenFeatureCache } from './feature-cache';
import { crossEntropy } from './loss';

/** Result of {@link evaluate}. */
export interface EvalResult {
  /** Top-1 accuracy in [0, 1]. */
  top1: number;
  /** Mean cross-entropy per image (nats). */
  loss: number;
  /** Number of images evaluated. */
  count: number;
  /**
   * Wall time of the evaluation in milliseconds (the forward passes and reading back their
   * results); absent in histories restored from checkpoints that did not record it.
   */
  ms?: number;
}

/**
 * Top-1 accuracy and mean cross-entropy of `model` (inference mode) on `data`. With `features`
 * (the cached output of the model's frozen blocks for `data`), the forward starts after them.
 *
 * @example
 * ```ts
 * const { top1, loss } = await evaluate(model, testSet, { height: 32, width: 32, channels: 1 });
 * ```
 */
export async function evaluate(model: ZooModel, data: LabeledImages, input: InputSpec, batchSize = 256, features?: FrozenFeatureCache | null): Promise<EvalResult> {
  checkData(data, input, 'evaluate');
  const started = performance.now();
  const n = data.shape[0];
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
    const [c, l] = tf.tidy(() => {
      const { x, y } = features ? features.batch(idx) : makeBatch(data, idx, input);
      const logits = model.forward(x, { training: false, fromBlock: features?.blocks ?? 0 });
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32'));
      const loss = tf.mul(crossEntropy(logits, y), idx.length);
      return [hits, loss];
    });
    const [cv, lv] = await Promise.all([c.data(), l.data()]);
    correct += cv[0];
    lossSum += lv[0];
    tf.dispose([c, l]);
  }
  return { top1: n === 0 ? 0 : correct / n, loss: n === 0 ? 0 : lossSum / n, count: n, ms: performance.now() - started };
}
