/**
 * SVD_ε's cost model (docs/method.md §4, §6), beside the method. The reference code has no FLOP
 * formula for SVD_ε; paper mode extends its conventions (an SVD of the B×(N/B) unfolding costed
 * max²·min for conv and max·min² for dense, reconstruction B·k·(N/B) multiply-adds, the vanilla
 * weight gradient). The rank is an input: SVD_ε picks it per batch, `svdPlugin.costOptionsFor`
 * measures it.
 *
 * @packageDocumentation
 */
import { ArgumentError } from '@odl/backend';
import { bw, exactLayerTerms, fromTerms, fw, paperLayerTerms, prod, symEigFlops, type CostMode, type DetailedLayerCost, type LayerGeometry } from '@odl/core';
import { paperSvdFlops } from './internal/options';

/** Storage of SVD_ε's batch-mode factors. */
export interface SvdStorage {
  /** Batch size (rows of the unfolding). */
  B: number;
  /** Columns of the unfolding (elements per sample). */
  M: number;
  /** Rank kept, min(rank, B, M). */
  k: number;
  /** Elements kept: B·k + M·k. */
  elements: number;
}

/**
 * Batch-mode SVD storage: U (B×k) and P = UᵀA_(0) (k×M), k clamped to min(B, M).
 *
 * @param inputShape - the activation's shape (batch first)
 * @param rank - the rank of the batch-mode unfolding
 * @example
 * ```ts
 * svdShape([4, 2, 2, 3], 2); // { B: 4, M: 12, k: 2, elements: 32 }
 * ```
 */
export function svdShape(inputShape: readonly number[], rank: number): SvdStorage {
  const B = inputShape[0]!;
  const M = prod(inputShape) / B;
  const k = Math.min(rank, B, M);
  return { B, M, k, elements: B * k + M * k };
}

/** Reads the SVD rank option, with a typed error naming the fix. */
function requireRank(options: { rank?: unknown } | undefined): number {
  const r = options?.rank;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) {
    throw new ArgumentError(
      `svd cost needs options.rank, a positive integer (rank of the batch-mode unfolding), got ${String(r)}; measure it on a batch with svdPlugin.costOptionsFor`,
    );
  }
  return r;
}

/**
 * Paper-mode cost of SVD_ε (the reference conventions extended, see the module notes).
 *
 * @param g - the layer
 * @param options - `{ rank }`
 * @example
 * ```ts
 * paperSvd(geometry, { rank: 4 }).activationElements;
 * ```
 */
export function paperSvd(g: LayerGeometry, options: { rank?: number }): DetailedLayerCost {
  const s = svdShape(g.inputShape, requireRank(options));
  const v = paperLayerTerms(g);
  return fromTerms(s.elements, [v.forward, fw('batch-svd', paperSvdFlops(g.kind, s.B, s.M)), bw('reconstruction', s.B * s.k * s.M), v.weightGradient]);
}

/**
 * Exact-mode cost of SVD_ε: Gram-based truncated SVD of the B×(N/B) unfolding (Gram of the short
 * side, its eigendecomposition, the other side's vectors), rebuilt in backward, then the exact
 * weight and input gradients.
 *
 * @param g - the layer
 * @param options - `{ rank }`
 * @example
 * ```ts
 * exactSvd(geometry, { rank: 4 }).backwardFlops;
 * ```
 */
export function exactSvd(g: LayerGeometry, options: { rank?: number }): DetailedLayerCost {
  const s = svdShape(g.inputShape, requireRank(options));
  const t = exactLayerTerms(g);
  const small = Math.min(s.B, s.M);
  return fromTerms(s.elements, [
    t.forward,
    fw('gram', 2 * s.B * s.M * small),
    fw('eigendecomposition', symEigFlops(small)),
    // the other side's vectors: 2·B·M·k products, plus the Σ scaling of the stored factor
    fw('second-factor', 2 * s.B * s.M * s.k + (s.B <= s.M ? s.M : s.B) * s.k),
    bw('reconstruction', 2 * s.B * s.k * s.M),
    t.weightGradient,
    t.inputGradient,
  ]);
}

/**
 * The cost model of `'svd'`: {@link paperSvd} or {@link exactSvd}.
 *
 * @example
 * ```ts
 * svdCost(geometry, { rank: 4 }, 'paper').forwardFlops;
 * ```
 */
export function svdCost(g: LayerGeometry, options: { rank?: number }, mode: CostMode): DetailedLayerCost {
  return mode === 'paper' ? paperSvd(g, options) : exactSvd(g, options);
}
