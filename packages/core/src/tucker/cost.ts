import type { CostTerm, LayerGeometry } from '../contract';
import { exactTuckerConvBackward, paperTuckerConvBackward } from './conv-cost';
import { exactTuckerDenseBackward, paperTuckerDenseBackward } from './dense-cost';

/**
 * Exact backward terms of a Tucker-compressed layer of any kind ({@link exactTuckerConvBackward}
 * for conv2d and depthwise, {@link exactTuckerDenseBackward} for dense).
 *
 * @param g - the layer
 * @param ks - effective ranks in the activation's axis order (NHWC for convolutions)
 * @example
 * ```ts
 * const terms = exactTuckerBackward(geometry, clampRanks(geometry.inputShape, [4, 4, 4, 16]));
 * ```
 */
export function exactTuckerBackward(g: LayerGeometry, ks: readonly number[]): CostTerm[] {
  return g.kind === 'dense' ? exactTuckerDenseBackward(g, ks) : exactTuckerConvBackward(g, ks);
}

/**
 * Paper-mode backward terms of a Tucker-compressed layer ({@link paperTuckerConvBackward},
 * {@link paperTuckerDenseBackward}: 2-D and 3-D dense only, a 4-D dense input is method-specific).
 *
 * @param g - the layer
 * @param ks - effective ranks in the activation's axis order (NHWC for convolutions)
 * @example
 * ```ts
 * paperTuckerBackward(geometry, [4, 4, 4, 13]);
 * ```
 */
export function paperTuckerBackward(g: LayerGeometry, ks: readonly number[]): CostTerm[] {
  return g.kind === 'dense' ? paperTuckerDenseBackward(g, ks) : paperTuckerConvBackward(g, ks);
}
