/**
 * The cost terms of {@link tuckerConv2dWeightGradient} (docs/method.md §3, §6), beside the
 * contraction and sharing its branch condition ({@link depthwiseChannelsFirst}), so that changing
 * the contraction changes the count (docs/architecture.md §5).
 *
 * @packageDocumentation
 */
import type { CostTerm, LayerGeometry } from '../contract';
import { convDims } from '../cost/dims';
import { nhwcRanksToNchw } from '../cost/ranks';
import { bw } from '../cost/terms';
import { depthwiseChannelsFirst } from './conv';

/**
 * Exact backward terms (FLOPs, 2 per multiply-add) of a Tucker-compressed conv2d or depthwise
 * layer, in the order {@link tuckerConv2dWeightGradient} runs them: the batch projection of dy,
 * the spatial expansion of the core, the conv weight gradient on K0 batch and K3 channels, the
 * channel expansion (before the weight gradient on the depthwise branch that takes it first),
 * and the exact input gradient.
 *
 * @param g - the conv2d or depthwise layer
 * @param ks - effective ranks, NHWC `[k0, k1, k2, k3]`
 * @example
 * ```ts
 * exactTuckerConvBackward(conv2dGeometry([2, 4, 4, 3], [3, 3, 3, 5], { pad: 'same' }), [1, 2, 2, 2]).map((t) => t.flops);
 * // [320, 384, 2880, 540, 8640]
 * ```
 */
export function exactTuckerConvBackward(g: LayerGeometry, ks: readonly number[]): CostTerm[] {
  const d = convDims(g);
  const [k0, k1, k2, k3] = ks;
  const C = d.C;
  const inputGradient = bw('input-gradient', 2 * d.B * d.Ho * d.Wo * d.Cout * d.KH * d.KW * d.Cg);
  const z1 = bw('z1-batch-projection', 2 * d.B * d.Ho * d.Wo * d.Cout * k0);
  const z3 = bw('z3-spatial-expansion', 2 * k0 * k1 * k2 * k3 * d.Hp + 2 * k0 * d.Hp * k2 * k3 * d.Wp);
  if (d.depthwise && depthwiseChannelsFirst(g.weightShape[3], k0, [d.Hp, d.Wp], g.inputShape)) {
    return [
      z1,
      z3,
      bw('channel-expansion', 2 * k0 * d.Hp * d.Wp * k3 * C),
      bw('z4-conv-weight-gradient', 2 * k0 * d.Ho * d.Wo * d.Cout * d.KH * d.KW),
      inputGradient,
    ];
  }
  return [
    z1,
    z3,
    bw('z4-conv-weight-gradient', 2 * k0 * d.Ho * d.Wo * d.Cout * d.KH * d.KW * k3),
    bw('channel-expansion', 2 * d.KH * d.KW * d.Cg * d.Cout * k3),
    inputGradient,
  ];
}

/**
 * Backward terms of a Tucker-compressed convolution in the reference code's accounting ("paper"
 * mode, docs/method.md §6): its per-shape sums of contraction sizes (multiply-adds, groups
 * ignored, no input gradient), with the ranks in the reference's NCHW order (K0 batch,
 * K1 channels, K2 height, K3 width). ASI and HOSVD_ε share them.
 *
 * @param g - the conv2d or depthwise layer
 * @param ks - effective ranks, NHWC `[kB, kH, kW, kC]` (converted to NCHW inside)
 * @example
 * ```ts
 * paperTuckerConvBackward(mcunetExpand, [4, 4, 4, 13]).map((t) => t.flops); // [14450688, 5824, 10192, 1467648, 718848]
 * ```
 */
export function paperTuckerConvBackward(g: LayerGeometry, ks: readonly number[]): CostTerm[] {
  const d = convDims(g);
  const [K0, K1, K2, K3] = nhwcRanksToNchw(ks);
  return [
    bw('z1-batch-projection', K0 * d.Cout * d.Ho * d.Wo * d.B),
    bw('z2-height-expansion', d.H * K0 * K1 * K2 * K3),
    bw('z3-width-expansion', d.H * d.W * K0 * K1 * K3),
    bw('z4-conv-weight-gradient', d.Cout * K0 * K1 * d.KH * d.KW * d.Ho * d.Wo),
    bw('channel-expansion', d.Cout * d.C * d.KH * d.KW * K1),
  ];
}
