import { SeededRandom, tf } from '@odl/backend';
import {
  SPECIFICATION_VERSION,
  normalizeGeometry,
  weightMatrixShape,
  type CompressorState,
  type LayerContext,
  type LayerGeometry,
  type MethodPlugin,
  type OptionSpec,
  type WeightAdapter,
  type WeightParameterization,
} from '@odl/core';
import { LowrankOptionError } from './errors';
import { checkKind, checkKnownKeys } from './internal/options';
import { loraCost, loraRank } from './lora-cost';

/** Options of the `'lora'` method (LoRA, docs/method.md §9). */
export interface LoraOptions {
  /** Rank r of the update A·B (default 8); clamped to the weight matrix's smaller side. */
  rank?: number;
  /** α of the scale α/r (default: r, so the scale is 1). */
  alpha?: number;
  /** Seed of A's Gaussian draw (default: the run's seed plus the layer's index, see `layerOptions`; 0 for a direct `create`). */
  seed?: number;
}

const METHOD = 'lora';
const DEFAULT_RANK = 8;
const SUPPORTS = ['conv2d', 'depthwise', 'dense'] as const;

/**
 * The options `'lora'` declares (docs/architecture.md §3): `rank`, `alpha`, `seed`.
 *
 * @example
 * ```ts
 * LORA_OPTIONS.map((o) => o.name); // ['rank', 'alpha', 'seed']
 * ```
 */
export const LORA_OPTIONS: readonly OptionSpec[] = [
  { name: 'rank', type: 'integer', default: DEFAULT_RANK, min: 1, doc: "rank r of the update A·B (A: rows × r, B: r × output channels); clamped to the weight matrix's smaller side" },
  { name: 'alpha', type: 'number', min: 0, minExclusive: true, doc: 'α of the update scale α/r (default: r, a scale of 1)' },
  { name: 'seed', type: 'integer', min: 0, max: 0xffffffff, doc: "seed of A's Gaussian draw, N(0, 1/r²) (default: the run's seed + the layer's index)" },
];

/** LoRA's options checked and completed: rank clamped to the layer, scale α/r. */
interface LoraSettings {
  rows: number;
  cols: number;
  rank: number;
  scale: number;
  seed: number;
}

function settings(geometry: LayerGeometry, options: LoraOptions): LoraSettings {
  checkKnownKeys(METHOD, options ?? {}, LORA_OPTIONS);
  checkKind(METHOD, geometry, SUPPORTS);
  const reason = loraUnsupportedReason(geometry);
  if (reason != null) throw new LowrankOptionError(METHOD, 'geometry', reason);
  const o = options ?? {};
  if (o.rank !== undefined && (!Number.isInteger(o.rank) || o.rank < 1)) throw new LowrankOptionError(METHOD, 'rank', `rank must be an integer >= 1, got ${String(o.rank)}`);
  if (o.alpha !== undefined && !(typeof o.alpha === 'number' && Number.isFinite(o.alpha) && o.alpha > 0)) {
    throw new LowrankOptionError(METHOD, 'alpha', `alpha must be a finite number > 0 (the update is scaled by alpha/rank), got ${String(o.alpha)}`);
  }
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new LowrankOptionError(METHOD, 'seed', `seed must be an integer in [0, 2^32), got ${String(o.seed)}`);
  const [rows, cols] = weightMatrixShape(geometry);
  const rank = loraRank(geometry, o);
  return { rows, cols, rank, scale: (o.alpha ?? rank) / rank, seed };
}

/**
 * Why LoRA does not serve a layer: a depthwise weight `[KH, KW, C, m]` has m (usually 1) outputs
 * per channel and no inputs × outputs matrix, so a low-rank update of it means nothing; such a
 * layer trains exactly (the session says so in its report). `null` for dense and conv2d layers.
 *
 * @example
 * ```ts
 * loraUnsupportedReason(depthwiseGeometry([2, 8, 8, 4], [3, 3, 4, 1], { pad: 'same' })); // 'a depthwise weight …'
 * ```
 */
export function loraUnsupportedReason(geometry: LayerGeometry): string | null {
  if (geometry.kind !== 'depthwise') return null;
  return `a depthwise weight [${geometry.weightShape.join(', ')}] has no inputs × outputs matrix for a low-rank update (each channel has its own ${geometry.weightShape[0]}×${geometry.weightShape[1]} kernel); it trains exactly`;
}

/**
 * LoRA's parameterisation of one layer's weight (docs/method.md §9): the weight W, seen as a
 * `[rows, cols]` matrix (`weightMatrixShape` of `@odl/core`: dense `[I, O]`, conv2d HWIO as
 * `[KH·KW·C, C']`), stays frozen; two variables A `[rows, r]` ~ N(0, 1/r²) (seeded) and
 * B `[r, cols]` = 0 train instead, and the layer computes with W_eff = W + (α/r)·A·B (reshaped to
 * the weight's shape). At creation W_eff = W exactly. Its memory across steps: W plus r·(rows + cols)
 * elements; the optimizer sees only A and B.
 *
 * @example
 * ```ts
 * const p = new LoraWeights(w, denseGeometry([8, 64], [64, 32]), { rank: 4, seed: 1 });
 * const effective = p.weight(w); // equals w before the first update
 * ```
 */
export class LoraWeights implements WeightParameterization {
  /** `A` `[rows, r]` and `B` `[r, cols]`. */
  readonly trainable: Readonly<Record<string, tf.Variable>>;
  /** The rank r (after clamping). */
  readonly rank: number;
  /** The update's scale α/r. */
  readonly scale: number;
  private readonly a: tf.Variable;
  private readonly b: tf.Variable;
  private readonly weightShape: number[];

  /**
   * @param base - the layer's weight (not adopted, not changed)
   * @param geometry - the layer (dense or conv2d)
   * @param options - rank, alpha, seed
   */
  constructor(base: tf.Tensor, geometry: LayerGeometry, options: LoraOptions = {}) {
    const g = normalizeGeometry(geometry);
    const s = settings(g, options);
    if (base.shape.join() !== g.weightShape.join()) {
      throw new LowrankOptionError(METHOD, 'weight', `the weight has shape [${base.shape.join(', ')}] but the layer's geometry says [${g.weightShape.join(', ')}]`);
    }
    this.rank = s.rank;
    this.scale = s.scale;
    this.weightShape = [...g.weightShape];
    this.a = tf.tidy(() => tf.variable(new SeededRandom(s.seed).normal([s.rows, s.rank], 0, 1 / s.rank), true));
    this.b = tf.tidy(() => tf.variable(tf.zeros([s.rank, s.cols]), true));
    this.trainable = { A: this.a, B: this.b };
  }

  /** W + (α/r)·A·B with the weight's shape; differentiable in A and B. */
  weight(base: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(base, tf.reshape(tf.mul(tf.matMul(this.a, this.b), this.scale), this.weightShape)));
  }

  /** The effective weight as a plain tensor (deploy without LoRA). */
  merge(base: tf.Tensor): tf.Tensor {
    return this.weight(base);
  }

  /** A and B (copies) with the rank and scale, so a checkpoint can resume the adapter. */
  getState(): CompressorState {
    return { tensors: { A: tf.clone(this.a), B: tf.clone(this.b) }, values: { rank: this.rank, scale: this.scale } };
  }

  /** Copies A and B of a state from {@link LoraWeights.getState} (same rank and scale) into the variables. */
  setState(state: CompressorState): void {
    const { A, B } = state?.tensors ?? {};
    if (state?.values?.rank !== this.rank || state?.values?.scale !== this.scale || A == null || B == null) {
      throw new LowrankOptionError(METHOD, 'state', `the state needs tensors A, B and values rank ${this.rank}, scale ${this.scale}; got rank ${String(state?.values?.rank)}, scale ${String(state?.values?.scale)}`);
    }
    if (A.shape.join() !== this.a.shape.join() || B.shape.join() !== this.b.shape.join()) {
      throw new LowrankOptionError(METHOD, 'state', `the state's A [${A.shape.join(', ')}] and B [${B.shape.join(', ')}] must be [${this.a.shape.join(', ')}] and [${this.b.shape.join(', ')}]`);
    }
    this.a.assign(A);
    this.b.assign(B);
  }

  /** Releases A and B. */
  dispose(): void {
    this.a.dispose();
    this.b.dispose();
  }
}

/**
 * LoRA's weight side: a {@link LoraWeights} per layer.
 *
 * @example
 * ```ts
 * const p = loraWeightAdapter.create(w, geometry, { rank: 8 });
 * ```
 */
export const loraWeightAdapter: WeightAdapter<LoraOptions> = {
  create: (base, geometry, options) => new LoraWeights(base, geometry, options),
};

/**
 * The `'lora'` method plugin (LoRA, docs/method.md §9; contract version 2, docs/architecture.md §3):
 * weight side only. Each trained dense or conv2d layer keeps its weight frozen and trains a
 * rank-r update (α/r)·A·B; the layer input is kept as vanilla keeps it. `merge` (the session's
 * `release()`, `mergeWeights`) folds the update into the weight. Depthwise layers train exactly
 * ({@link loraUnsupportedReason}). Per-layer seeds: the run's seed plus the layer's index.
 *
 * @example
 * ```ts
 * import { registerLowrank } from '@odl/lowrank';
 * import { finetune } from '@odl/models';
 * registerLowrank();
 * await finetune({ method: 'lora', methodOptions: { rank: 4, alpha: 8 }, lastN: 2 });
 * ```
 */
export const loraPlugin: MethodPlugin<LoraOptions> = {
  specificationVersion: SPECIFICATION_VERSION,
  name: METHOD,
  description: 'LoRA: frozen weight plus a trained rank-r update (α/r)·A·B; keeps the layer input as vanilla',
  supports: SUPPORTS,
  options: LORA_OPTIONS,
  weights: loraWeightAdapter,
  cost: loraCost,
  unsupportedReason: loraUnsupportedReason,
  layerOptions: (options: LoraOptions, layer: Pick<LayerContext, 'index' | 'seed'>): LoraOptions =>
    options.seed != null ? { ...options } : { ...options, seed: (layer.seed + layer.index) >>> 0 },
};
