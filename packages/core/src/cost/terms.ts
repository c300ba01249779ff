import type { CostTerm, LayerCost } from '../contract';

/**
 * A {@link LayerCost} with its terms listed: what every built-in cost model returns, so a report
 * can show where the operations go (docs/method.md §6).
 */
export interface DetailedLayerCost extends LayerCost {
  /** The terms summed into `forwardFlops` and `backwardFlops`, in the order they run. */
  terms: CostTerm[];
}

/**
 * Sums terms into a {@link DetailedLayerCost}: forward terms into `forwardFlops`, backward ones
 * into `backwardFlops`.
 *
 * @param activationElements - elements kept between forward and backward
 * @param terms - the named terms (operations in the mode's units)
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
 * A forward term of a cost breakdown.
 *
 * @param name - what it counts, e.g. `'conv'`
 * @param flops - operations (FLOPs in exact mode, the reference code's units in paper mode)
 * @example
 * ```ts
 * fw('conv', 100); // { phase: 'forward', name: 'conv', flops: 100 }
 * ```
 */
export const fw = (name: string, flops: number): CostTerm => ({ phase: 'forward', name, flops });

/**
 * A backward term of a cost breakdown.
 *
 * @param name - what it counts, e.g. `'input-gradient'`
 * @param flops - operations (FLOPs in exact mode, the reference code's units in paper mode)
 * @example
 * ```ts
 * bw('input-gradient', 100); // { phase: 'backward', name: 'input-gradient', flops: 100 }
 * ```
 */
export const bw = (name: string, flops: number): CostTerm => ({ phase: 'backward', name, flops });
