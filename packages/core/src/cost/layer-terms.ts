import type { CostTerm, LayerGeometry } from '../contract';
import { convDims, denseDims } from './dims';
import { bw, fw } from './terms';

/** The terms of a layer's own products in paper accounting (see {@link paperLayerTerms}). */
export interface PaperLayerTerms {
  /** The forward product (`'conv'` or `'matmul'`). */
  forward: CostTerm;
  /** The exact weight gradient (`'weight-gradient'`). */
  weightGradient: CostTerm;
}

/** The terms of a layer's own products in exact accounting (see {@link exactLayerTerms}). */
export interface LayerTerms extends PaperLayerTerms {
  /** The exact input gradient (`'input-gradient'`). */
  inputGradient: CostTerm;
}

/**
 * The layer's own products in exact accounting (docs/method.md §6): 2 FLOPs per multiply-add,
 * C/groups inputs per output of a grouped or depthwise convolution; the forward, the weight
 * gradient and the input gradient each cost the same.
 *
 * @example
 * ```ts
 * exactLayerTerms(conv2dGeometry([2, 8, 8, 4], [3, 3, 4, 6], { strides: 2, pad: 'same' })).forward.flops; // 2·2·4·4·6·9·4 = 13824
 * ```
 */
export function exactLayerTerms(g: LayerGeometry): LayerTerms {
  if (g.kind === 'dense') {
    const d = denseDims(g);
    const f = 2 * d.R * d.I * d.O;
    return { forward: fw('matmul', f), weightGradient: bw('weight-gradient', f), inputGradient: bw('input-gradient', f) };
  }
  const d = convDims(g);
  const f = 2 * d.B * d.Ho * d.Wo * d.Cout * d.KH * d.KW * d.Cg;
  return { forward: fw('conv', f), weightGradient: bw('weight-gradient', f), inputGradient: bw('input-gradient', f) };
}

/**
 * The layer's own products in the reference code's accounting ("paper" mode, docs/method.md §6):
 * a convolution counts multiply-adds with groups ignored, KH·KW·C·C′·H·W·B forward (with the
 * INPUT H, W even when strided) and KH·KW·C·C′·H′·W′·B for the weight gradient; a dense layer
 * counts R·O·(2I−1) forward and O·I·(2R−1) for the weight gradient (R rows = B·N or B·H·W); the
 * input gradient is not counted.
 *
 * @example
 * ```ts
 * paperLayerTerms(denseGeometry([4, 3], [3, 2])).forward.flops; // 4·2·(2·3−1) = 40
 * ```
 */
export function paperLayerTerms(g: LayerGeometry): PaperLayerTerms {
  if (g.kind === 'dense') {
    const d = denseDims(g);
    return { forward: fw('matmul', d.R * d.O * (2 * d.I - 1)), weightGradient: bw('weight-gradient', d.O * d.I * (2 * d.R - 1)) };
  }
  const d = convDims(g);
  return {
    forward: fw('conv', d.KH * d.KW * d.Cout * d.C * d.H * d.W * d.B),
    weightGradient: bw('weight-gradient', d.KH * d.KW * d.C * d.Cout * d.Ho * d.Wo * d.B),
  };
}
