import { ArgumentError } from '@odl/backend';
import { tuckerStorageCount, type LayerGeometry, type TuckerStorage } from '@odl/core';
import type { CostTerm, DetailedLayerCost } from './types';
import { convDims, prod } from './dims';

/**
 * Sums terms into a {@link DetailedLayerCost}.
 *
 * @example
 * ```ts
 * fromTerms(10, [fw('conv', 5), bw('weight-gradient', 5)]).backwardFlops; // 5
 * ```
 */
export function fromTerms(activationElements: number, terms: CostTerm[]): DetailedLayerCost {
  let forwardFlops = 0;
  let backwardFlops = 0;
  for (const t of terms) {
    if (t.phase === 'forward') forwardFlops += t.flops;
    else backwardFlops += t.flops;
  }
  return { activationElements, forwardFlops, backwardFlops, terms };
}

/**
 * Forward term.
 *
 * @example
 * ```ts
 * fw('conv', 100); // { phase: 'forward', name: 'conv', flops: 100 }
 * ```
 */
export const fw = (name: string, flops: number): CostTerm => ({ phase: 'forward', name, flops });
/**
 * Backward term.
 *
 * @example
 * ```ts
 * bw('input-gradient', 100);
 * ```
 */
export const bw = (name: string, flops: number): CostTerm => ({ phase: 'backward', name, flops });

/**
 * Reads a required option, with a typed error naming the fix.
 *
 * @example
 * ```ts
 * requireRanks('asi', { ranks: [4, 4, 4, 13] }); // [4, 4, 4, 13]
 * ```
 */
export function requireRanks(method: string, options: unknown): number[] {
  const r = (options as { ranks?: unknown } | undefined)?.ranks;
  if (!Array.isArray(r)) {
    throw new ArgumentError(
      `${method} cost needs options.ranks (one rank per activation axis, NHWC for convolutions); analytic tables take ranks as inputs — measure them with HOSVD_ε on a calibration batch`,
    );
  }
  return r as number[];
}

/**
 * Reads the SVD rank option.
 *
 * @example
 * ```ts
 * requireRank({ rank: 4 }); // 4
 * ```
 */
export function requireRank(options: unknown): number {
  const r = (options as { rank?: unknown } | undefined)?.rank;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) {
    throw new ArgumentError(`svd cost needs options.rank, a positive integer (rank of the batch-mode unfolding), got ${String(r)}`);
  }
  return r;
}

/**
 * Reads the gradient filter radius option.
 *
 * @example
 * ```ts
 * requireRadius({ radius: 2 }); // 2
 * ```
 */
export function requireRadius(options: unknown): number {
  const r = (options as { radius?: unknown } | undefined)?.radius;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) {
    throw new ArgumentError(`gradient-filter cost needs options.radius, a positive integer patch radius, got ${String(r)}`);
  }
  return r;
}

/** The block grid of the gradient filter and the size of its pooled activation. */
export interface GradientFilterPooled {
  /** Output blocks along the height, ⌈Ho/r⌉. */
  ph: number;
  /** Output blocks along the width, ⌈Wo/r⌉. */
  pw: number;
  /** Rows of the sum-pooled input. */
  xh: number;
  /** Columns of the sum-pooled input. */
  xw: number;
  /** Elements kept: B·C·xh·xw. */
  elements: number;
}

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
 * Size of the sum-pooled activation the gradient filter keeps, following the reference
 * implementation: the output is split into ⌈Ho/r⌉×⌈Wo/r⌉ blocks, each covering (r·s)×(r·s)
 * input pixels of a symmetrically padded input.
 *
 * @example
 * ```ts
 * gradientFilterPooled(geometry, 2).elements; // B·C·⌈H/2⌉·⌈W/2⌉ for a stride-1 'same' conv with even H, W
 * ```
 */
export function gradientFilterPooled(g: LayerGeometry, radius: number): GradientFilterPooled {
  const d = convDims(g);
  const ph = Math.ceil(d.Ho / radius);
  const pw = Math.ceil(d.Wo / radius);
  const oh = radius * d.strides[0];
  const ow = radius * d.strides[1];
  const padH = Math.ceil((ph * oh - d.H) / 2);
  const padW = Math.ceil((pw * ow - d.W) / 2);
  const xh = Math.floor((d.H + 2 * padH - oh) / oh) + 1;
  const xw = Math.floor((d.W + 2 * padW - ow) / ow) + 1;
  return { ph, pw, xh, xw, elements: d.B * d.C * xh * xw };
}

/**
 * Batch-mode SVD storage: U·Σ (B×k) and V (M×k), k clamped to min(B, M).
 *
 * @example
 * ```ts
 * svdShape([4, 2, 2, 3], 2); // { B: 4, M: 12, k: 2, elements: 32 }
 * ```
 */
export function svdShape(inputShape: readonly number[], rank: number): SvdStorage {
  const B = inputShape[0];
  const M = prod(inputShape) / B;
  const k = Math.min(rank, B, M);
  return { B, M, k, elements: B * k + M * k };
}

/**
 * Applies a Tucker method's `storage` option to its cost: float32 leaves it as it is; int8
 * (ASI's `storage: 'int8'`) sets the exact stored elements and bytes ({@link tuckerStorageCount}:
 * 1 byte per value plus a float32 scale per column) and adds the encoding (2 FLOPs per value:
 * the column maximum and the division; rounding not counted) and decoding (1 per value in
 * backward, 1 per factor value for the next step's warm start) terms unless `countFlops` is
 * false (paper mode counts the reference code's MACs only).
 *
 * @example
 * ```ts
 * withTuckerStorage(exactCost, [128, 1, 1, 576], [8, 1, 1, 8], 'int8').activationBytes;
 * ```
 */
export function withTuckerStorage(cost: DetailedLayerCost, shape: readonly number[], ks: readonly number[], storage: unknown, countFlops = true): DetailedLayerCost {
  if (storage == null || storage === 'float32') return cost;
  if (storage !== 'int8') throw new ArgumentError(`storage must be 'float32' or 'int8', got '${String(storage)}'`);
  const count = tuckerStorageCount(shape, ks, storage as TuckerStorage);
  if (!countFlops) return { ...cost, activationElements: count.elements, activationBytes: count.bytes };
  const coreValues = prod(ks);
  const factorValues = shape.reduce((a, d, i) => a + d * ks[i]!, 0);
  const withTerms = fromTerms(count.elements, [
    ...cost.terms,
    fw('int8-encode', 2 * (coreValues + factorValues)),
    fw('int8-decode-warm-start', factorValues),
    bw('int8-decode', coreValues + factorValues),
  ]);
  return { ...withTerms, activationBytes: count.bytes };
}
