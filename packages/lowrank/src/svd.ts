import { tf } from '@odl/backend';
import {
  exactWeightGradient,
  explainedSubspace,
  normalizeGeometry,
  SPECIFICATION_VERSION,
  type ActivationMethodPlugin,
  type CompressedActivation,
  type CompressorState,
  type LayerCompressor,
  type LayerGeometry,
  type OptionSpec,
  type SpectrumPath,
} from '@odl/core';
import { checkInput, FLOAT32_BYTES } from './internal/input-check';
import { checkEpsilon, checkKind, checkKnownKeys, checkPath } from './internal/options';
import { rejectNonEmptyState } from './internal/stateless';
import { svdCost } from './svd-cost';

/** Options of the `'svd'` method (SVD_ε). */
export interface SvdOptions {
  /** Fraction of explained variance Σσ² of the batch-mode unfolding to keep, in (0, 1]. Default 0.8. */
  epsilon?: number;
  /** `'gram'` (default: eigenvectors of the B × B Gram matrix) or `'svd'` (full SVD of the B × rest unfolding). */
  path?: SpectrumPath;
  /**
   * Cost only: the rank of the batch-mode unfolding to count when costing without data (e.g.
   * what {@link svdPlugin}'s `costOptionsFor` measured on a batch). Training never reads it:
   * SVD_ε chooses the rank from ε on every batch.
   */
  rank?: number;
}

const METHOD = 'svd';
const DEFAULT_EPSILON = 0.8;
const SUPPORTS = ['conv2d', 'depthwise', 'dense'] as const;

/**
 * The options `'svd'` declares (docs/architecture.md §3): `epsilon`, `path`, and the cost-only
 * `rank`.
 *
 * @example
 * ```ts
 * SVD_OPTIONS.map((o) => o.name); // ['epsilon', 'path', 'rank']
 * ```
 */
export const SVD_OPTIONS: readonly OptionSpec[] = [
  { name: 'epsilon', type: 'number', default: DEFAULT_EPSILON, min: 0, minExclusive: true, max: 1, doc: 'fraction of explained variance Σσ² of the batch-mode unfolding kept, recomputed every step (1: exact)' },
  { name: 'path', type: 'enum', values: ['gram', 'svd'], default: 'gram', doc: "how singular vectors are found: 'gram' (eigenvectors of the B×B Gram matrix, fast) or 'svd' (full SVD)" },
  { name: 'rank', type: 'integer', min: 1, costOnly: true, doc: 'cost only: rank of the batch-mode unfolding to count without data; training chooses it from epsilon' },
];

/**
 * The rank SVD_ε keeps for one activation: the explained-variance rank of its batch-mode
 * unfolding A_(0) (B × rest), the same rule and path as the compressor (`explainedSubspace` of
 * `@odl/core`, mode 0 of HOSVD_ε).
 *
 * @param activation - the layer input (not disposed)
 * @param epsilon - explained-variance fraction in (0, 1]
 * @param path - `'gram'` (default) or `'svd'`
 * @example
 * ```ts
 * svdRank(tf.randomNormal([16, 8, 8, 4]), 0.9); // between 1 and 16
 * ```
 */
export function svdRank(activation: tf.Tensor, epsilon: number, path: SpectrumPath = 'gram'): number {
  const unfolding = tf.reshape(activation, [activation.shape[0], -1]) as tf.Tensor2D;
  try {
    const { u, rank } = explainedSubspace(unfolding, epsilon, path);
    u.dispose();
    return rank;
  } finally {
    unfolding.dispose();
  }
}

/**
 * One layer's SVD_ε compressor. The activation is flattened to its batch-mode unfolding
 * A_(0) (B × m, m = numel / B) and truncated to rank k by the explained-variance rule:
 * A_(0) ≈ U_k Σ_k V_kᵀ. It stores U_k (B × k) and P = Σ_k V_kᵀ = U_kᵀ A_(0) (k × m): the same
 * k·(B + m) elements as keeping U_kΣ_k and V_k, without dividing by small singular values.
 * Backward rebuilds Ã = U_k P and takes the exact weight gradient of Ã.
 *
 * @example
 * ```ts
 * const c = svdPlugin.create(denseGeometry([8, 16], [16, 4]), { epsilon: 0.9 }) as SvdCompressor;
 * const saved = c.compress(tf.randomNormal([8, 16]));
 * console.log(c.lastRank);
 * ```
 */
export class SvdCompressor implements LayerCompressor {
  /** Always `'svd'`. */
  readonly method = METHOD;
  /** The layer this compressor serves. */
  readonly geometry: LayerGeometry;
  /** Explained-variance fraction ε in (0, 1]. */
  readonly epsilon: number;
  /** Spectrum path, `'gram'` or `'svd'`. */
  readonly path: SpectrumPath;
  private rank: number | null = null;

  /** Use {@link svdPlugin}.create, which validates the options. */
  constructor(geometry: LayerGeometry, epsilon: number, path: SpectrumPath) {
    this.geometry = normalizeGeometry(geometry);
    this.epsilon = epsilon;
    this.path = path;
  }

  /** The rank k chosen at the latest `compress` (`null` before the first). */
  get lastRank(): number | null {
    return this.rank;
  }

  /** Returns `[U_k, P]` with U_k: B × k, P = U_kᵀ A_(0): k × m; elements = k·(B + m). */
  compress(input: tf.Tensor): CompressedActivation {
    checkInput(METHOD, this.geometry, input);
    const batch = input.shape[0];
    const unfolding = tf.reshape(input, [batch, -1]) as tf.Tensor2D;
    const { u, rank } = explainedSubspace(unfolding, this.epsilon, this.path);
    const projected = tf.tidy(() => tf.matMul(tf.transpose(u), unfolding));
    unfolding.dispose();
    this.rank = rank;
    const elements = u.size + projected.size;
    return { tensors: [u, projected], meta: { rank, inputShape: [...input.shape], epsilon: this.epsilon }, elements, bytes: elements * FLOAT32_BYTES };
  }

  /** Exact weight gradient of the rebuilt Ã = U_k P. */
  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    const [u, projected] = saved.tensors;
    const shape = saved.meta.inputShape as number[];
    return tf.tidy(() => exactWeightGradient(this.geometry, tf.reshape(tf.matMul(u as tf.Tensor2D, projected as tf.Tensor2D), shape), dy));
  }

  /** Stateless: `null`. */
  getState(): CompressorState | null {
    return null;
  }

  /** Stateless: accepts only an empty state. */
  setState(state: CompressorState): void {
    rejectNonEmptyState(METHOD, state);
  }

  /** Nothing to release. */
  dispose(): void {
    this.rank = null;
  }
}

/**
 * SVD_ε: truncated SVD of the batch-mode unfolding (B × rest) at explained variance ε; backward
 * rebuilds the activation and uses the exact weight gradient. Options: {@link SvdOptions}
 * ({@link SVD_OPTIONS}). Its rank depends on the data, so its cost counts the `rank` given, and
 * `costOptionsFor` measures it on a batch.
 *
 * @example
 * ```ts
 * registerLowrank();
 * const compressor = createLayerCompressor('svd', geometry, { epsilon: 0.9 });
 * ```
 */
export const svdPlugin: ActivationMethodPlugin<SvdOptions> & Required<Pick<ActivationMethodPlugin<SvdOptions>, 'costOptionsFor'>> = {
  specificationVersion: SPECIFICATION_VERSION,
  name: METHOD,
  description: 'SVD_eps: truncated SVD of the batch-mode unfolding at explained variance eps; backward rebuilds the activation',
  supports: SUPPORTS,
  options: SVD_OPTIONS,
  create(geometry: LayerGeometry, options: SvdOptions = {}): LayerCompressor {
    checkKnownKeys(METHOD, options, SVD_OPTIONS);
    const epsilon = checkEpsilon(METHOD, options.epsilon, DEFAULT_EPSILON);
    const path = checkPath(METHOD, options.path);
    checkKind(METHOD, geometry, SUPPORTS);
    return new SvdCompressor(geometry, epsilon, path);
  },
  cost: svdCost,
  costOptionsFor(geometry: LayerGeometry, options: SvdOptions, activation: tf.Tensor): SvdOptions {
    checkKnownKeys(METHOD, options, SVD_OPTIONS);
    checkInput(METHOD, geometry, activation);
    const epsilon = checkEpsilon(METHOD, options.epsilon, DEFAULT_EPSILON);
    return { ...options, rank: svdRank(activation, epsilon, checkPath(METHOD, options.path)) };
  },
};
