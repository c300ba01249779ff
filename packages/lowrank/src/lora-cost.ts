/**
 * LoRA's cost model (docs/method.md §6, §8), beside the method.
 *
 * Exact mode counts what odl runs: the effective weight W + (α/r)·A·B is formed once per step
 * and the layer runs on it, so the layer input is kept exactly as vanilla keeps it (the weight
 * gradient G comes from it) and A's and B's gradients follow from G: (α/r)·G·Bᵀ and (α/r)·Aᵀ·G.
 *
 * Paper mode counts LoRA's usual branch formulation y = x·W + (α/r)·(x·A)·B, as the LoRA baselines
 * are measured in the papers odl reproduces: the input and x·A (`[rows of the product, r]`) are
 * kept for backward, the frozen weight gets no gradient, the input gradient is not counted (the
 * paper convention of every method). A convolution counts as its im2col product (rows B·H′·W′,
 * KH·KW·C/groups inputs).
 *
 * @packageDocumentation
 */
import {
  bw,
  convDims,
  denseDims,
  exactLayerTerms,
  fromTerms,
  fw,
  paperLayerTerms,
  prod,
  vanillaCost,
  weightMatrixShape,
  type CostMode,
  type DetailedLayerCost,
  type LayerGeometry,
} from '@odl/core';
import type { LoraOptions } from './lora';

/**
 * The rank LoRA uses on a layer: `options.rank` (default 8) clamped to the weight matrix's smaller side.
 *
 * @example
 * ```ts
 * loraRank(denseGeometry([4, 10], [10, 3]), { rank: 8 }); // 3
 * ```
 */
export function loraRank(g: LayerGeometry, options: LoraOptions): number {
  const [rows, cols] = weightMatrixShape(g);
  return Math.min(options?.rank ?? 8, rows, cols);
}

/** Rows of the layer's matrix product (B·N for dense, B·H′·W′ for a convolution). */
function productRows(g: LayerGeometry): number {
  if (g.kind === 'dense') return denseDims(g).R;
  const d = convDims(g);
  return d.B * d.Ho * d.Wo;
}

/** Weight-side element counts: W, A and B kept; A and B trained. */
function weightCounts(g: LayerGeometry, r: number): { weightElements: number; trainableElements: number } {
  const [rows, cols] = weightMatrixShape(g);
  return { weightElements: rows * cols + r * (rows + cols), trainableElements: r * (rows + cols) };
}

/**
 * Exact-mode cost of LoRA (see the module notes): the layer's forward, weight and input gradient
 * as vanilla, plus forming A·B (2·rows·r·cols) and W + (α/r)·A·B (2·rows·cols), plus A's and B's
 * gradients (rows·cols for the scale, 2·rows·cols·r each).
 *
 * @example
 * ```ts
 * exactLora(denseGeometry([4, 10], [10, 6]), { rank: 2 }).activationElements; // 40: the input
 * ```
 */
export function exactLora(g: LayerGeometry, options: LoraOptions): DetailedLayerCost {
  const [rows, cols] = weightMatrixShape(g);
  const r = loraRank(g, options);
  const t = exactLayerTerms(g);
  const cost = fromTerms(prod(g.inputShape), [
    fw('adapter-product', 2 * rows * r * cols),
    fw('effective-weight', 2 * rows * cols),
    t.forward,
    t.weightGradient,
    bw('adapter-gradient', rows * cols + 4 * rows * cols * r),
    t.inputGradient,
  ]);
  return { ...cost, ...weightCounts(g, r) };
}

/**
 * Paper-mode cost of LoRA (the branch formulation, see the module notes), with R rows, I inputs
 * per row and O outputs: forward the frozen layer plus x·A (R·r·(2I−1)) and (x·A)·B (R·O·(2r−1));
 * backward B's gradient (x·A)ᵀ·dy (r·O·(2R−1)) and A's, xᵀ·(dy·Bᵀ) (R·r·(2O−1) + I·r·(2R−1));
 * kept: the input and x·A.
 *
 * @example
 * ```ts
 * paperLora(denseGeometry([4, 10], [10, 6]), { rank: 2 }).activationElements; // 40 + 4·2 = 48
 * ```
 */
export function paperLora(g: LayerGeometry, options: LoraOptions): DetailedLayerCost {
  const [I, O] = weightMatrixShape(g);
  const r = loraRank(g, options);
  const R = productRows(g);
  const cost = fromTerms(prod(g.inputShape) + R * r, [
    paperLayerTerms(g).forward,
    fw('lora-down', R * r * (2 * I - 1)),
    fw('lora-up', R * O * (2 * r - 1)),
    bw('lora-up-gradient', r * O * (2 * R - 1)),
    bw('lora-down-gradient', R * r * (2 * O - 1) + I * r * (2 * R - 1)),
  ]);
  return { ...cost, ...weightCounts(g, r) };
}

/**
 * The cost model of `'lora'`: {@link paperLora} or {@link exactLora}; a depthwise layer, which
 * LoRA leaves to exact training, costs what vanilla costs.
 *
 * @example
 * ```ts
 * loraCost(geometry, { rank: 8 }, 'exact').trainableElements;
 * ```
 */
export function loraCost(g: LayerGeometry, options: LoraOptions, mode: CostMode): DetailedLayerCost {
  if (g.kind === 'depthwise') return vanillaCost(g, {}, mode);
  return mode === 'paper' ? paperLora(g, options) : exactLora(g, options);
}
