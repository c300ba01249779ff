import { tf } from '@odl/backend';
import type { ZooModel } from '../zoo/model';
import { makeBatch, type InputSpec, type LabeledImages } from './data';

/** One batch out of a {@link FrozenFeatureCache}: new tensors, owned by the caller. */
export interface CachedBatch {
  /** Features out of the frozen blocks: `[n, h, w, c]` for a CNN, tokens `[n, N, D]` for a transformer. */
  x: tf.Tensor;
  /** Integer class labels `[n]`. */
  y: tf.Tensor1D;
}

/**
 * The output of a model's frozen leading blocks for every image of a dataset, computed once.
 * While only the last layers train (frozen BatchNorm, no augmentation), those features are the
 * same every epoch, so training and evaluation can start at the first trained block
 * (`forward(features, { fromBlock })`) instead of re-running the frozen network on every batch.
 *
 * @example
 * ```ts
 * const cache = FrozenFeatureCache.build(model, trainSet, input, model.frozenPrefixBlocks());
 * const { x, y } = cache.batch([0, 5, 9]); // features [3, h, w, c] and labels
 * cache.dispose();
 * ```
 */
export class FrozenFeatureCache {
  private constructor(
    /** Blocks the features come out of (`fromBlock` for the forward that continues). */
    readonly blocks: number,
    private readonly features: tf.Tensor,
    private readonly labels: Int32Array,
  ) {}

  /**
   * Runs the first `blocks` blocks over `data` (inference mode, batches of `batchSize`) and keeps
   * the result. Returns `null` when it would hold more than `maxBytes` (default 1 GiB).
   */
  static build(model: ZooModel, data: LabeledImages, input: InputSpec, blocks: number, batchSize = 256, maxBytes = 2 ** 30): FrozenFeatureCache | null {
    const n = data.shape[0];
    if (n === 0) return null;
    const parts: tf.Tensor[] = [];
    try {
      for (let start = 0; start < n; start += batchSize) {
        const idx = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i);
        const part = tf.tidy(() => model.frozenFeatures(makeBatch(data, idx, input).x, blocks));
        parts.push(part);
        if (start === 0 && (part.size / idx.length) * n * 4 > maxBytes) return null;
      }
      const features = parts.length === 1 ? parts.pop()! : tf.concat(parts, 0);
      return new FrozenFeatureCache(blocks, features, Int32Array.from(data.labels));
    } finally {
      tf.dispose(parts);
    }
  }

  /** Number of images held. */
  get count(): number {
    return this.features.shape[0];
  }

  /** Bytes held by the features. */
  get bytes(): number {
    return this.features.size * 4;
  }

  /** Features and labels of the given images (new tensors, owned by the caller). */
  batch(indices: readonly number[]): CachedBatch {
    const y = tf.tensor1d(Int32Array.from(indices, (i) => this.labels[i]!), 'int32');
    const x = tf.tidy(() => tf.gather(this.features, tf.tensor1d(Int32Array.from(indices), 'int32')));
    return { x, y };
  }

  /** Releases the features. */
  dispose(): void {
    this.features.dispose();
  }
}
