import { tf, unfold, type TuckerFactors } from '@odl/backend';
import type { CompressedActivation, CompressorPlugin, CompressorState, LayerCompressor, LayerGeometry } from '@odl/core';
import { COMPRESSOR_API_VERSION, TuckerCompressor } from '@odl/core';
import { checkInput } from './internal/input-check';
import { checkEpsilon, checkKind, checkKnownKeys, checkPath, type SpectrumPath } from './internal/options';
import { leadingLeftSubspace } from './internal/spectrum';
import { rejectNonEmptyState } from './internal/stateless';

export type { SpectrumPath } from './internal/options';

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
}

const METHOD = 'hosvd';
const DEFAULT_EPSILON = 0.8;
const SUPPORTS = ['conv2d', 'depthwise', 'dense'] as const;

/** Per-mode factors and ranks of HOSVD_ε applied to one activation. */
export interface HosvdFactors {
  /** U_n (d_n × k_n, orthonormal columns), one per mode, owned by the caller. */
  factors: tf.Tensor2D[];
  /** k_n, one per mode. */
  ranks: number[];
}

/**
 * The HOSVD_ε factors of `input`: for every mode n, the leading left singular vectors of the
 * unfolding A_(n) whose cumulative Σσ² first reaches ε of the total. Used by the `'hosvd'`
 * compressor and by rank selection (the ranks of one calibration batch).
 *
 * @param input - the activation (any rank ≥ 1)
 * @param epsilon - explained-variance fraction in (0, 1]
 * @param path - `'gram'` (default) or `'svd'`, see {@link HosvdOptions.path}
 * @example
 * ```ts
 * const { factors, ranks } = hosvdFactors(tf.randomNormal([8, 6, 6, 4]), 0.9);
 * factors.forEach((u) => u.dispose());
 * ```
 */
export function hosvdFactors(input: tf.Tensor, epsilon: number, path: SpectrumPath = 'gram'): HosvdFactors {
  const eps = checkEpsilon(METHOD, epsilon, DEFAULT_EPSILON);
  const spectrumPath = checkPath(METHOD, path);
  const factors: tf.Tensor2D[] = [];
  const ranks: number[] = [];
  for (let mode = 0; mode < input.rank; mode++) {
    const unfolding = unfold(input, mode);
    const subspace = leadingLeftSubspace(unfolding, eps, spectrumPath);
    unfolding.dispose();
    factors.push(subspace.u);
    ranks.push(subspace.rank);
  }
  return { factors, ranks };
}

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

  /** The HOSVD_ε factors of the input (see {@link hosvdFactors}). */
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
 * Options: {@link HosvdOptions}. Supports conv2d (grouped too), depthwise and dense (2-D to 4-D).
 *
 * @example
 * ```ts
 * registerLowrank();
 * const compressor = getCompressor('hosvd').create(geometry, { epsilon: 0.8 });
 * ```
 */
export const hosvdPlugin: CompressorPlugin<HosvdOptions> = {
  name: METHOD,
  apiVersion: COMPRESSOR_API_VERSION,
  description: 'HOSVD_eps: per-mode truncated HOSVD at explained variance eps, recomputed every step',
  supports: SUPPORTS,
  create(geometry: LayerGeometry, options: HosvdOptions = {}): LayerCompressor {
    checkKnownKeys(METHOD, options, ['epsilon', 'path']);
    const epsilon = checkEpsilon(METHOD, options.epsilon, DEFAULT_EPSILON);
    const path = checkPath(METHOD, options.path);
    checkKind(METHOD, geometry, SUPPORTS);
    return new HosvdCompressor(geometry, epsilon, path);
  },
};
