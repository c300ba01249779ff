/**
 * HOSVD_ε's cost model (docs/method.md §4, §6), beside the method: the Gram matrix and
 * eigendecomposition of every mode (exact) or an SVD per mode unfolding (paper), the core's
 * formation, and the Tucker backward terms of `@odl/core` (shared with ASI). The ranks are an
 * input: HOSVD_ε picks them per batch, `hosvdPlugin.costOptionsFor` measures them.
 *
 * @packageDocumentation
 */
import { tuckerElements } from '@odl/backend';
import {
  bw,
  clampRanks,
  coreFormationFlops,
  denseDims,
  exactLayerTerms,
  exactTuckerBackward,
  fromTerms,
  fw,
  paperLayerTerms,
  paperTuckerBackward,
  prod,
  requireRanks,
  symEigFlops,
  type CostMode,
  type CostTerm,
  type DetailedLayerCost,
  type LayerGeometry,
} from '@odl/core';
import { paperSvdFlops } from './internal/options';

/**
 * The reference code's HOSVD_ε backward for a 4-D dense input `[B, H, W, C]` (its own contraction
 * order; ASI's reference contracts it differently), ranks `[K1, K2, K3, K4]`.
 */
function paperDense4dBackward(g: LayerGeometry, ks: readonly number[]): CostTerm[] {
  const d = denseDims(g);
  const [B, H, W, C] = d.shape;
  const O = d.O;
  const [K1, K2, K3, K4] = ks;
  return [
    bw('z1', B * H * K3 * O * W),
    bw('z2', K1 * H * K3 * K4 * K2),
    bw('z3', B * H * K3 * K4 * K1),
    bw('z4', B * H * K3 * C * K4),
    bw('weight-gradient', B * H * C * O * K3),
  ];
}

/**
 * Paper-mode cost of HOSVD_ε with given (measured) ranks: the vanilla forward, an SVD per mode
 * unfolding d×m costed max²·min (conv) or max·min² (dense), and the reference's Tucker backward.
 *
 * @param g - the layer
 * @param options - `{ ranks }`, per mode (NHWC for convolutions)
 * @example
 * ```ts
 * paperHosvd(geometry, { ranks: [4, 4, 4, 13] }).forwardFlops;
 * ```
 */
export function paperHosvd(g: LayerGeometry, options: { ranks?: number[] }): DetailedLayerCost {
  const ks = clampRanks(g.inputShape, requireRanks('hosvd', options));
  const N = prod(g.inputShape);
  const svd = fw('mode-svds', g.inputShape.reduce((a, dn) => a + paperSvdFlops(g.kind, dn, N / dn), 0));
  const backward = g.kind === 'dense' && g.inputShape.length === 4 ? paperDense4dBackward(g, ks) : paperTuckerBackward(g, ks);
  return fromTerms(tuckerElements(g.inputShape, ks), [paperLayerTerms(g).forward, svd, ...backward]);
}

/**
 * Exact-mode cost of HOSVD_ε with given ranks: per mode the Gram matrix of the short side
 * (2·N·min(d, m)) and its eigendecomposition (9·min(d, m)³), the left vectors when the Gram is
 * of the right side, the core's formation, and the exact Tucker backward (input gradient
 * included).
 *
 * @param g - the layer
 * @param options - `{ ranks }`, per mode (NHWC for convolutions)
 * @example
 * ```ts
 * exactHosvd(geometry, { ranks: [4, 4, 4, 13] }).forwardFlops;
 * ```
 */
export function exactHosvd(g: LayerGeometry, options: { ranks?: number[] }): DetailedLayerCost {
  const shape = g.inputShape;
  const ks = clampRanks(shape, requireRanks('hosvd', options));
  const N = prod(shape);
  let gram = 0;
  let eig = 0;
  let lift = 0;
  shape.forEach((dn, i) => {
    const m = N / dn;
    const s = Math.min(dn, m);
    gram += 2 * N * s;
    eig += symEigFlops(s);
    // Gram of the short side: when d_n > m_n, U_n = A_(n) V Σ⁻¹ (2·N·k products + d·k scalings)
    if (dn > m) lift += 2 * N * ks[i]! + dn * ks[i]!;
  });
  const terms = [exactLayerTerms(g).forward, fw('gram', gram), fw('eigendecomposition', eig)];
  if (lift > 0) terms.push(fw('left-vectors', lift));
  terms.push(fw('core-formation', coreFormationFlops(shape, ks)), ...exactTuckerBackward(g, ks));
  return fromTerms(tuckerElements(shape, ks), terms);
}

/**
 * The cost model of `'hosvd'`: {@link paperHosvd} or {@link exactHosvd}.
 *
 * @example
 * ```ts
 * hosvdCost(geometry, { ranks: [4, 4, 4, 13] }, 'exact').activationElements;
 * ```
 */
export function hosvdCost(g: LayerGeometry, options: { ranks?: number[] }, mode: CostMode): DetailedLayerCost {
  return mode === 'paper' ? paperHosvd(g, options) : exactHosvd(g, options);
}
