/**
 * The paper's three headline ratios (docs/reproduction.md), computed on measured points: how much
 * less memory and how many fewer FLOPs a method needs than a reference at the same accuracy, and
 * how many fewer FLOPs than a baseline at similar memory and accuracy. Pure functions of the
 * points; the methods are named by the caller.
 *
 * @packageDocumentation
 */
import { ArgumentError } from '@odl/backend';

/** One fine-tuning run, as the comparisons need it. */
export interface ClaimPoint {
  /** The run's series (e.g. `'asi'`, `'vanilla'`). */
  series: string;
  /** A short name of the setting (budget, ε, radius). */
  label: string;
  /** Number of fine-tuned layers. */
  lastN: number;
  /** Top-1 accuracy in [0, 1]. */
  top1: number;
  /** Activation memory of one step, bytes. */
  activationBytes: number;
  /** Training FLOPs of one step. */
  trainingFlops: number;
}

/** The best pair found for one ratio. */
export interface ClaimComparison {
  /** `reference / ours` of the compared quantity. */
  ratio: number;
  /** The method's point. */
  ours: ClaimPoint;
  /** The point it is compared with. */
  reference: ClaimPoint;
}

/** What {@link claimRatios} compares. */
export interface ClaimRatiosOptions {
  /** The method's series (the paper: ASI). */
  method: string;
  /** The reference series of the first two ratios (the paper: vanilla). */
  reference: string;
  /** The baseline series of the third ratio (the paper: HOSVD_ε). */
  baseline: string;
  /** Accuracy the method may lose and still count as "the same", in [0, 1]. Default 0.01 (1 point). */
  tolerance?: number;
  /** Compare only points with the same number of fine-tuned layers. Default false (the Pareto view). */
  sameLayers?: boolean;
  /** "Similar memory" for the third ratio: within this factor either way. Default 2. */
  memoryFactor?: number;
}

/** The three ratios; `null` when no pair qualifies. */
export interface ClaimRatios {
  /** Largest `reference memory / method memory` with the method at most `tolerance` below the reference. */
  memoryVsReference: ClaimComparison | null;
  /** Largest `reference FLOPs / method FLOPs` under the same accuracy condition. */
  flopsVsReference: ClaimComparison | null;
  /** Largest `baseline FLOPs / method FLOPs` with memory within `memoryFactor` and the method at most `tolerance` below. */
  flopsVsBaseline: ClaimComparison | null;
}

function best(pairs: { ratio: number; ours: ClaimPoint; reference: ClaimPoint }[]): ClaimComparison | null {
  return pairs.reduce<ClaimComparison | null>((b, p) => (b == null || p.ratio > b.ratio ? p : b), null);
}

/**
 * The paper's headline ratios on measured points: "at the same accuracy level, ASI saves up to
 * 120.09× memory and 1.86× FLOPs compared to vanilla, and 252.65× FLOPs compared to HOSVD_ε at a
 * similar memory". A method point and a reference point are "at the same accuracy" when the
 * method's top-1 is at most `tolerance` below the reference's; with `sameLayers`, only points
 * with the same number of fine-tuned layers are compared.
 *
 * @example
 * ```ts
 * const r = claimRatios(points, { method: 'asi', reference: 'vanilla', baseline: 'hosvd' });
 * r.memoryVsReference?.ratio; // e.g. 12.4
 * ```
 */
export function claimRatios(points: readonly ClaimPoint[], options: ClaimRatiosOptions): ClaimRatios {
  const tol = options.tolerance ?? 0.01;
  const factor = options.memoryFactor ?? 2;
  if (!(tol >= 0 && tol < 1)) throw new ArgumentError(`claimRatios: tolerance must be in [0, 1), got ${tol}`);
  if (!(factor >= 1)) throw new ArgumentError(`claimRatios: memoryFactor must be ≥ 1, got ${factor}`);
  const ours = points.filter((p) => p.series === options.method);
  const comparable = (a: ClaimPoint, b: ClaimPoint) => (!options.sameLayers || a.lastN === b.lastN) && a.top1 >= b.top1 - tol;
  const pairs = (series: string, extra: (o: ClaimPoint, r: ClaimPoint) => boolean = () => true) =>
    ours.flatMap((o) => points.filter((r) => r.series === series && comparable(o, r) && extra(o, r)).map((r) => ({ o, r })));
  const vsReference = pairs(options.reference);
  const similarMemory = (o: ClaimPoint, r: ClaimPoint) => o.activationBytes <= factor * r.activationBytes && r.activationBytes <= factor * o.activationBytes;
  return {
    memoryVsReference: best(vsReference.map(({ o, r }) => ({ ratio: r.activationBytes / o.activationBytes, ours: o, reference: r }))),
    flopsVsReference: best(vsReference.map(({ o, r }) => ({ ratio: r.trainingFlops / o.trainingFlops, ours: o, reference: r }))),
    flopsVsBaseline: best(pairs(options.baseline, similarMemory).map(({ o, r }) => ({ ratio: r.trainingFlops / o.trainingFlops, ours: o, reference: r }))),
  };
}
