/**
 * The cost terms of {@link tuckerDenseWeightGradient} (docs/method.md §3, §6), beside the
 * contraction (docs/architecture.md §5).
 *
 * @packageDocumentation
 */
import { ArgumentError } from '@odl/backend';
import type { CostTerm, LayerGeometry } from '../contract';
import { denseDims } from '../cost/dims';
import { expansionFlops } from '../cost/linalg';
import { bw } from '../cost/terms';

/**
 * Exact backward terms (FLOPs) of a Tucker-compressed dense layer (2-D, 3-D or 4-D input): the
 * batch projection of dy, the expansion of the core over the other modes, the weight gradient
 * on K0 rows, and the exact input gradient.
 *
 * @param g - the dense layer
 * @param ks - effective ranks, one per input axis (batch first, features last)
 * @example
 * ```ts
 * exactTuckerDenseBackward(denseGeometry([2, 3, 4], [4, 5]), [1, 2, 2]).map((t) => t.flops); // [60, 72, 120, 240]
 * ```
 */
export function exactTuckerDenseBackward(g: LayerGeometry, ks: readonly number[]): CostTerm[] {
  const d = denseDims(g);
  const modes = d.shape.map((_, i) => i).slice(1);
  return [
    bw('z1-batch-projection', 2 * d.B * d.M * d.O * ks[0]!),
    bw('z3-expansion', expansionFlops(d.shape, ks, modes)),
    bw('weight-gradient', 2 * ks[0]! * d.M * d.I * d.O),
    bw('input-gradient', 2 * d.R * d.I * d.O),
  ];
}

/**
 * Backward terms of a Tucker-compressed dense layer with a 2-D `[B, I]` or 3-D `[B, N, I]` input
 * in the reference code's accounting ("paper" mode, docs/method.md §6), shared by ASI and
 * HOSVD_ε. A 4-D `[B, H, W, I]` input has no shared formula: each method's reference code
 * contracts it in its own order, so each method's cost model counts it itself (this function
 * throws for it).
 *
 * @param g - the dense layer
 * @param ks - effective ranks, one per input axis
 * @example
 * ```ts
 * paperTuckerDenseBackward(denseGeometry([2, 3, 4], [4, 5]), [1, 2, 2]).map((t) => t.flops); // [30, 12, 24, 60]
 * ```
 */
export function paperTuckerDenseBackward(g: LayerGeometry, ks: readonly number[]): CostTerm[] {
  const d = denseDims(g);
  const O = d.O;
  if (d.shape.length === 2) {
    const [B, I] = d.shape;
    const [K0, K1] = ks;
    return [bw('z1-batch-projection', B * O * K0), bw('z3-expansion', K0 * K1 * I), bw('weight-gradient', I * O * K0)];
  }
  if (d.shape.length === 3) {
    const [B, N, I] = d.shape;
    const [K1, K2, K3] = ks;
    return [
      bw('z1-batch-projection', B * N * O * K1),
      bw('z2-token-expansion', K1 * K2 * K3 * N),
      bw('z3-feature-expansion', K1 * K3 * I * N),
      bw('weight-gradient', I * O * N * K1),
    ];
  }
  throw new ArgumentError(
    `paperTuckerDenseBackward: a 4-D dense input [${d.shape}] has no shared paper formula (each method's reference code contracts it in its own order); count it in the method's cost model`,
  );
}
