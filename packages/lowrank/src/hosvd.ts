import type { tf, TuckerFactors } from '@odl/backend';
import {
  hosvdFactors,
  hosvdRanks,
  SPECIFICATION_VERSION,
  TuckerCompressor,
  type ActivationMethodPlugin,
  type CompressedActivation,
  type CompressorState,
  type LayerCompressor,
  type LayerGeometry,
  type OptionSpec,
  type SpectrumPath,
} from '@odl/core';
import { hosvdCost } from './hosvd-cost';
import { checkInput } from './internal/input-check';
import { checkEpsilon, checkKind, checkKnownKeys, checkPath } from './internal/options';
import { rejectNonEmptyState } from './internal/stateless';

/** Options of the `'hosvd'` method (HOSVD_ε). */
export interface HosvdOptions {
  /**
   * Fraction of explained variance Σσ² each mode keeps, in (0, 1]. Default 0.8 (the paper's
   * setting). ε = 1 is exact: the `'gram'` path keeps every mode at full size d_n, the `'svd'`
   * path keeps each unfolding's numerical rank.
   */
  epsilon?: number;
  /**
   * How each mode's singular vectors are computed: `'gram'` (default) takes the eigenvectors of
   * the small d_n × d_n Gram matrix A_(n)A_(n)ᵀ; `'svd'` runs a full SVD of the wide unfolding
   * A_(n), as in the paper (much slower, more accurate for tiny singular values).
   */
  path?: SpectrumPath;
  /**
   * Cost only: the per-mode ranks to count when costing without data (NHWC for convolutions),
   * e.g. those {@link hosvdPlugin}'s `costOptionsFor` measured on a batch. Training never reads
   * them: HOSVD_ε chooses its ranks from ε on every batch.
   */
  ranks?: number[];
}

const METHOD = 'hosvd';
const DEFAULT_EPSILON = 0.8;
const SUPPORTS = ['conv2d', 'depthwise', 'dense'] as const;

/**
 * The options `'hosvd'` declares (docs/architecture.md §3): `epsilon`, `path`, and the cost-only
 * `ranks`.
 *
 * @example
 * ```ts
 * HOSVD_OPTIONS.map((o) => o.name); // ['epsilon', 'path', 'ranks']
 * ```
 */
export const HOSVD_OPTIONS: readonly OptionSpec[] = [
  { name: 'epsilon', type: 'number', default: DEFAULT_EPSILON, min: 0, minExclusive: true, max: 1, doc: 'fraction of explained variance Σσ² each mode keeps, recomputed every step (1: exact)' },
  { name: 'path', type: 'enum', values: ['gram', 'svd'], default: 'gram', doc: "how singular vectors are found: 'gram' (eigenvectors of the d×d Gram matrix, fast) or 'svd' (full SVD, as the paper)" },
  { name: 'ranks', type: 'integer-list', min: 1, costOnly: true, doc: 'cost only: ranks per mode (NHWC) to count without data; training chooses them from epsilon' },
];

/**
 * One layer's HOSVD_ε compressor. Stateless across steps (every step decomposes afresh), so
 * ranks vary with the batch; {@link HosvdCompressor.lastRanks} reports the latest. Core
 * formation, memory accounting and the weight gradient (contracted from core and factors,
 * never rebuilding A) come from `@odl/core`'s `TuckerCompressor`.
 *
 * @example
 * ```ts
 * const c = hosvdPlugin.create(denseGeometry([8, 16], [16, 4]), { epsilon: 0.9 }) as HosvdCompressor;
 * const saved = c.compress(tf.randomNormal([8, 16]));
 * console.log(c.lastRanks); // one rank per mode, [k_B, k_I]
 * ```
 */
export class HosvdCompressor extends TuckerCompressor {
  /** Explained-variance fraction ε in (0, 1]. */
  readonly epsilon: number;
  /** Spectrum path, `'gram'` or `'svd'`. */
  readonly path: SpectrumPath;
  private ranks: number[] | null = null;

  /** Use {@link hosvdPlugin}.create, which validates the options. */
  constructor(geometry: LayerGeometry, epsilon: number, path: SpectrumPath) {
    super(METHOD, geometry);
    this.epsilon = epsilon;
    this.path = path;
  }

  /** Per-mode ranks k_n chosen at the latest `compress` (`null` before the first). */
  get lastRanks(): number[] | null {
    return this.ranks == null ? null : [...this.ranks];
  }

  /**
   * Decomposes `input`: returns `[S, U_0, U_1, …]` with S = A ×_n U_nᵀ; elements = Π k_n + Σ d_n·k_n.
   * `meta.ranks` holds the per-mode ranks, `meta.epsilon` the ε used.
   */
  override compress(input: tf.Tensor): CompressedActivation {
    checkInput(METHOD, this.geometry, input);
    return super.compress(input);
  }

  /** The HOSVD_ε factors of the input (`hosvdFactors` of `@odl/core`). */
  protected computeFactors(input: tf.Tensor): TuckerFactors {
    const { factors, ranks } = hosvdFactors(input, this.epsilon, this.path);
    this.ranks = ranks;
    return factors;
  }

  /** Records the chosen ranks and ε in the activation's `meta`. */
  protected override extraMeta(): Record<string, unknown> {
    return { ranks: this.lastRanks, epsilon: this.epsilon, path: this.path };
  }

  /** Stateless: `null`. */
  override getState(): CompressorState | null {
    return null;
  }

  /** Stateless: accepts only an empty state. */
  override setState(state: CompressorState): void {
    rejectNonEmptyState(METHOD, state);
  }

  /** Forgets the last ranks; holds no tensors. */
  override dispose(): void {
    this.ranks = null;
  }
}

/**
 * HOSVD_ε (NeurIPS 2024): every step, each mode keeps the leading singular vectors reaching a
 * fraction ε of explained variance; the weight gradient is contracted from core and factors.
 * Options: {@link HosvdOptions} ({@link HOSVD_OPTIONS}). Supports conv2d (grouped too), depthwise
 * and dense (2-D to 4-D). Its ranks depend on the data, so its cost counts the `ranks` given, and
 * `costOptionsFor` measures them on a batch.
 *
 * @example
 * ```ts
 * registerLowrank();
 * const compressor = createLayerCompressor('hosvd', geometry, { epsilon: 0.8 });
 * const cost = hosvdPlugin.cost(geometry, hosvdPlugin.costOptionsFor(geometry, { epsilon: 0.8 }, activation), 'exact');
 * ```
 */
export const hosvdPlugin: ActivationMethodPlugin<HosvdOptions> & Required<Pick<ActivationMethodPlugin<HosvdOptions>, 'costOptionsFor'>> = {
  specificationVersion: SPECIFICATION_VERSION,
  name: METHOD,
  description: 'HOSVD_eps: per-mode truncated HOSVD at explained variance eps, recomputed every step',
  supports: SUPPORTS,
  options: HOSVD_OPTIONS,
  create(geometry: LayerGeometry, options: HosvdOptions = {}): LayerCompressor {
    checkKnownKeys(METHOD, options, HOSVD_OPTIONS);
    const epsilon = checkEpsilon(METHOD, options.epsilon, DEFAULT_EPSILON);
    const path = checkPath(METHOD, options.path);
    checkKind(METHOD, geometry, SUPPORTS);
    return new HosvdCompressor(geometry, epsilon, path);
  },
  cost: hosvdCost,
  costOptionsFor(geometry: LayerGeometry, options: HosvdOptions, activation: tf.Tensor): HosvdOptions {
    checkKnownKeys(METHOD, options, HOSVD_OPTIONS);
    checkInput(METHOD, geometry, activation);
    const epsilon = checkEpsilon(METHOD, options.epsilon, DEFAULT_EPSILON);
    const path = checkPath(METHOD, options.path);
    return { ...options, ranks: hosvdRanks(activation, epsilon, path) };
  },
};
