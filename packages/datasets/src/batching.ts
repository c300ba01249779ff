import { ArgumentError, SeededRandom, ShapeError, tf } from '@odl/backend';
import type { ImageDataset } from './dataset';
import type { Transform } from './transforms';

/** Options of {@link jsBatches} and {@link tensorBatches}. */
export interface BatchOptions {
  /** Images per batch (a positive integer). */
  batchSize: number;
  /** Drop the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Shuffle the order (default false: dataset order). */
  shuffle?: boolean;
  /** Seed of the shuffle and of random transforms (default 0). */
  seed?: number;
  /** Epoch number: each epoch gets its own order and random draws from (seed, epoch) (default 0). */
  epoch?: number;
  /** Per-image transform applied while batching (none: pixels converted to float32 as they are). */
  transform?: Transform;
}

/** A batch as plain arrays, transferable to a worker (`postMessage(b, [b.x.buffer, b.y.buffer])`). */
export interface JsBatch {
  /** Images, NHWC float32. */
  x: Float32Array;
  /** `[B, H, W, C]` of x. */
  shape: [number, number, number, number];
  /** Labels, int32, length B. */
  y: Int32Array;
  /** Dataset indices of the images in this batch. */
  indices: Int32Array;
}

/** A batch as tfjs tensors; the caller owns (and disposes) them. */
export interface TensorBatch {
  /** Images, NHWC float32. */
  x: tf.Tensor4D;
  /** Labels, int32. */
  y: tf.Tensor1D;
}

/**
 * Number of batches an epoch of `n` items yields.
 *
 * @example
 * ```ts
 * batchCount(1000, 64, true); // 15
 * ```
 */
export function batchCount(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * The order of one epoch: 0..n-1, or a permutation drawn from (seed, epoch) when shuffling.
 *
 * @example
 * ```ts
 * epochOrder(10, { shuffle: true, seed: 1, epoch: 3 });
 * ```
 */
export function epochOrder(n: number, options: { shuffle?: boolean; seed?: number; epoch?: number } = {}): Int32Array {
  if (!options.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
  return new SeededRandom(options.seed ?? 0).fork(`order-${options.epoch ?? 0}`).permutation(n);
}

/**
 * Yields one epoch of batches as plain arrays (no tfjs), for workers or custom pipelines.
 * Deterministic for a given (seed, epoch).
 *
 * @example
 * ```ts
 * for (const b of jsBatches(ds, { batchSize: 64, shuffle: true, seed: 1, transform: normalize(FASHION_MNIST_STATS) })) {
 *   console.log(b.shape, b.y.length);
 * }
 * ```
 */
export function* jsBatches(ds: ImageDataset, options: BatchOptions): Generator<JsBatch> {
  const { batchSize } = options;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new ArgumentError(`batches: batchSize must be a positive integer, got ${batchSize}`);
  const [n, h, w, c] = ds.shape;
  const size = h * w * c;
  const order = epochOrder(n, options);
  const rng = new SeededRandom(options.seed ?? 0).fork(`transform-${options.epoch ?? 0}`);
  const t = options.transform;
  const count = batchCount(n, batchSize, options.dropLast ?? false);
  let outShape: [number, number, number] | null = t == null ? [h, w, c] : null;
  for (let b = 0; b < count; b++) {
    const start = b * batchSize;
    const idx = order.slice(start, Math.min(start + batchSize, n));
    const y = new Int32Array(idx.length);
    let x: Float32Array | null = t == null ? new Float32Array(idx.length * size) : null;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k];
      y[k] = ds.labels[i];
      const src = ds.images.subarray(i * size, (i + 1) * size);
      if (t == null) {
        x!.set(src, k * size);
        continue;
      }
      const img = t({ data: src, height: h, width: w, channels: c }, rng);
      if (outShape == null) outShape = [img.height, img.width, img.channels];
      if (img.height !== outShape[0] || img.width !== outShape[1] || img.channels !== outShape[2]) {
        throw new ShapeError(`batches: image ${i} became ${img.height}x${img.width}x${img.channels}, others ${outShape.join('x')}; add a resize/crop so all match`);
      }
      x ??= new Float32Array(idx.length * img.data.length);
      x.set(img.data, k * img.data.length);
    }
    yield { x: x!, shape: [idx.length, ...outShape!], y, indices: idx };
  }
}

/**
 * Wraps a plain batch as tensors `{ x: float32 NHWC, y: int32 }`.
 *
 * @example
 * ```ts
 * const { x, y } = toTensorBatch(jsBatch);
 * ```
 */
export function toTensorBatch(batch: JsBatch): TensorBatch {
  return { x: tf.tensor4d(batch.x, batch.shape, 'float32'), y: tf.tensor1d(batch.y, 'int32') };
}

/**
 * Yields one epoch of batches as tfjs tensors `{ x: Tensor4D float32 NHWC, y: Tensor1D int32 }`.
 * The caller disposes each batch (e.g. inside `tf.tidy` or with `tf.dispose(batch)`).
 *
 * @example
 * ```ts
 * for (const { x, y } of tensorBatches(ds, { batchSize: 64, dropLast: true, shuffle: true, seed: 0 })) {
 *   trainStep(x, y);
 *   tf.dispose([x, y]);
 * }
 * ```
 */
export function* tensorBatches(ds: ImageDataset, options: BatchOptions): Generator<TensorBatch> {
  for (const b of jsBatches(ds, options)) yield toTensorBatch(b);
}
