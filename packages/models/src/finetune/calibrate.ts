import { ArgumentError, tf } from '@odl/backend';
import type { CompressedActivation, LayerCompressor, LayerGeometry, TuckerStorage } from '@odl/core';
import { applyRankPlan, chooseRanks, measurePerplexity, type PerplexityTable, type RankPlan } from '@odl/shortcut';
import { makeBatch, type InputSpec, type LabeledImages } from '../train/data';
import { crossEntropy } from '../train/loss';
import type { ZooModel } from '../zoo/model';
import { prepareFineTune, resetFineTune } from './prepare';

/** Default ε candidates of {@link selectRanks}. */
export const RANK_SELECTION_EPSILONS: readonly number[] = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999];

/** Options of {@link selectRanks}. */
export interface SelectRanksOptions {
  /** Number of trained layers (the last N conv/dense layers). */
  lastN: number;
  /** Calibration images (docs/method.md §5: a batch of the pretraining data). */
  calibration: LabeledImages;
  /** Input preparation. */
  input: InputSpec;
  /** Calibration batch size (= the training batch size, since ranks depend on it). */
  batchSize: number;
  /**
   * Activation-memory budget for the trained layers, bytes. When absent, every layer takes the
   * ranks of `defaultEpsilon`.
   */
  budgetBytes?: number;
  /** ε used when no budget is given (the paper's HOSVD setting). Default 0.8. */
  defaultEpsilon?: number;
  /**
   * Explained-variance thresholds measured. Default {@link RANK_SELECTION_EPSILONS}
   * (0.4 … 0.9 as in the paper, plus 0.95 … 0.9999 so that larger budgets, such as int8
   * storage buys, can buy larger ranks: on the README's task 0.99 reaches only rank 5–20).
   */
  epsilons?: number[];
  /**
   * How singular vectors are found (@odl/shortcut `measurePerplexity`). Default `'gram'` (the
   * eigenvectors of the smaller Gram matrix of each unfolding); `'svd'` is the slow full SVD.
   */
  spectrum?: 'gram' | 'svd';
  /** Base seed of the ASI layers' cold starts (layer i gets seed + i). Default 0. */
  seed?: number;
  /**
   * ASI storage the ranks are for (default `'float32'`): the budget is met in that storage, and
   * the returned per-layer options carry it. `'int8'` buys about 4× the elements per byte.
   */
  storage?: TuckerStorage;
}

/** What {@link selectRanks} returns. */
export interface RankSelection {
  /** Perplexity and memory of every ε for every trained layer. */
  table: PerplexityTable;
  /** The chosen ε and ranks per layer. */
  plan: RankPlan;
  /** ASI options per layer name, ready for `prepareFineTune({ perLayerOptions })`. */
  perLayerOptions: Record<string, Record<string, unknown>>;
}

class CapturingCompressor implements LayerCompressor {
  input: tf.Tensor | null = null;
  dy: tf.Tensor | null = null;
  constructor(private readonly inner: LayerCompressor) {}
  get method() {
    return this.inner.method;
  }
  get geometry() {
    return this.inner.geometry;
  }
  compress(input: tf.Tensor): CompressedActivation {
    this.input?.dispose();
    this.input = tf.keep(tf.clone(input));
    return this.inner.compress(input);
  }
  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    this.dy?.dispose();
    this.dy = tf.keep(tf.clone(dy));
    return this.inner.weightGradient(saved, dy);
  }
  getState() {
    return this.inner.getState();
  }
  setState(s: Parameters<LayerCompressor['setState']>[0]) {
    this.inner.setState(s);
  }
  dispose() {
    this.inner.dispose();
    this.input?.dispose();
    this.dy?.dispose();
  }
}

/**
 * Chooses ASI ranks for the last N layers on one calibration batch (docs/method.md §5): records each
 * layer's input and output gradient with exact (vanilla) training ops, measures the HOSVD_ε
 * ranks, memory and gradient perplexity for each ε (@odl/shortcut `measurePerplexity`), then
 * picks one ε per layer minimising total perplexity within `budgetBytes` (`chooseRanks`, exact
 * knapsack; throws `BudgetTooSmallError` naming the smallest feasible memory). Calibration labels
 * are taken modulo the model's classes. Leaves the model un-prepared (call `prepareFineTune`).
 *
 * @example
 * ```ts
 * const { plan, perLayerOptions } = await selectRanks(model, { lastN: 4, calibration, input, batchSize: 32, budgetBytes: 64 * 1024 });
 * prepareFineTune(model, { lastN: 4, inputShape: [32, 32, 32, 1], method: 'asi', perLayerOptions });
 * ```
 */
export async function selectRanks(model: ZooModel, options: SelectRanksOptions): Promise<RankSelection> {
  const layers = captureLayerTensors(model, { lastN: options.lastN, images: options.calibration, input: options.input, batchSize: options.batchSize });
  try {
    const storage = options.storage ?? 'float32';
    const table = measurePerplexity(layers, { method: options.spectrum ?? 'gram', epsilons: options.epsilons ?? [...RANK_SELECTION_EPSILONS], storage });
    let plan: RankPlan;
    if (options.budgetBytes != null) plan = chooseRanks(table, options.budgetBytes);
    else {
      const eps = options.defaultEpsilon ?? 0.8;
      const picked = table.layers.map((l) => {
        const c = l.candidates.reduce((best, c) => (Math.abs(c.epsilon - eps) < Math.abs(best.epsilon - eps) ? c : best));
        return { name: l.name, epsilon: c.epsilon, ranks: [...c.ranks], bytes: c.bytes, perplexity: c.perplexity };
      });
      const totalBytes = picked.reduce((s, l) => s + l.bytes, 0);
      plan = { budgetBytes: totalBytes, totalBytes, totalPerplexity: picked.reduce((s, l) => s + l.perplexity, 0), layers: picked };
    }
    const perLayerOptions = applyRankPlan(plan, { seed: options.seed ?? 0, ...(storage === 'int8' ? { storage } : {}) }) as unknown as Record<string, Record<string, unknown>>;
    return { table, plan, perLayerOptions };
  } finally {
    tf.dispose(layers.flatMap((l) => [l.input, l.dy]));
  }
}

/** One trained layer's input and output gradient on a batch (see {@link captureLayerTensors}). */
export interface CapturedLayer {
  /** Layer name. */
  name: string;
  /** The layer's geometry for the batch. */
  geometry: LayerGeometry;
  /** The layer's input on the batch (owned by the caller). */
  input: tf.Tensor;
  /** The gradient of the loss with respect to the layer's output (owned by the caller). */
  dy: tf.Tensor;
}

/** Options of {@link captureLayerTensors}. */
export interface CaptureOptions {
  /** Number of trained layers (the last N conv/dense layers). */
  lastN: number;
  /** Images; the first `batchSize` form the batch. Labels are taken modulo the model's classes. */
  images: LabeledImages;
  /** Input preparation. */
  input: InputSpec;
  /** Batch size. */
  batchSize: number;
}

/**
 * Runs one exact (vanilla) forward and backward pass of the first `batchSize` images and returns,
 * for each of the last N layers, its input and output gradient. Leaves the model un-prepared.
 * Used by rank selection (ranks and perplexity) and to measure the data-dependent ranks of
 * HOSVD_ε / SVD_ε for the analytic memory count.
 *
 * @example
 * ```ts
 * const layers = captureLayerTensors(model, { lastN: 4, images, input, batchSize: 32 });
 * tf.dispose(layers.flatMap((l) => [l.input, l.dy]));
 * ```
 */
export function captureLayerTensors(model: ZooModel, options: CaptureOptions): CapturedLayer[] {
  const b = options.batchSize;
  const n = options.images.shape[0];
  if (n < b) throw new ArgumentError(`the calibration set has ${n} images, fewer than the batch size ${b}; pass more images or a smaller batch`);
  const inputShape: [number, number, number, number] = [b, options.input.height, options.input.width, options.input.channels];
  const setup = prepareFineTune(model, { lastN: options.lastN, inputShape, method: 'vanilla' });
  const captures = new Map<string, CapturingCompressor>();
  for (const l of setup.trained) {
    const rt = model.runtime.get(l.name)!;
    const cap = new CapturingCompressor(rt.compressor!);
    rt.compressor = cap;
    captures.set(l.name, cap);
  }
  const out: CapturedLayer[] = [];
  try {
    const k = model.config.numClasses;
    const labels = { ...options.images, labels: Int32Array.from(options.images.labels, (v) => v % k), numClasses: k };
    const { x, y } = makeBatch(labels, Array.from({ length: b }, (_, i) => i), options.input);
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true }), y), [...model.trainableWeights().values()]);
    tf.dispose([x, y, value, ...Object.values(grads)]);
    for (const l of setup.trained) {
      const cap = captures.get(l.name)!;
      if (!cap.input || !cap.dy) throw new ArgumentError(`layer '${l.name}' recorded no input/gradient during calibration`);
      out.push({ name: l.name, geometry: l.spec.geometry, input: tf.keep(tf.clone(cap.input)), dy: tf.keep(tf.clone(cap.dy)) });
    }
    return out;
  } catch (e) {
    tf.dispose(out.flatMap((l) => [l.input, l.dy]));
    throw e;
  } finally {
    resetFineTune(model);
  }
}
