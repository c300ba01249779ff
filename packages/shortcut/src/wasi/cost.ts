/**
 * WASI's cost model (docs/method.md §6, §9), beside the method: ASI's cost for the activations
 * (the same functions, {@link exactAsi} and {@link paperAsi}) plus the weight subspace's terms,
 * and what the weight side keeps.
 *
 * The basis rank r is `weightRank` (clamped to n, the weight matrix's smaller side) when given;
 * with `weightEpsilon` alone the rank depends on the weight's spectrum, which a cost model does
 * not see, so r = n is counted (the largest rank ε can choose).
 *
 * Exact mode counts what odl runs each step: forming M_eff = (M·L)·Lᵀ (4·rows·cols·r), the
 * gradient through it, G·L·Lᵀ (4·rows·cols·r), and the refresh L ← QR(Mᵀ·M·L) (4·rows·cols·r plus
 * a thin QR of n × r). Paper mode counts the factored forward y = (x·R)·Lᵀ of the paper's
 * training and inference (R·r·(2I−1) + R·O·(2r−1) in place of the layer's product) and the
 * refresh in the reference's units for one subspace-iteration step, 2·rows·cols·r + r³.
 *
 * Kept across steps (`weightElements`): the dense weight M (trained in place) and L, rows·cols +
 * n·r; trained (`trainableElements`): M, rows·cols.
 *
 * @packageDocumentation
 */
import {
  bw,
  convDims,
  denseDims,
  fromTerms,
  fw,
  paperLayerTerms,
  qrFlops,
  vanillaCost,
  weightMatrixShape,
  type CostMode,
  type DetailedLayerCost,
  type LayerGeometry,
} from '@odl/core';
import { exactAsi, paperAsi } from '../asi/cost';
import { asiOptionsOf, type WasiOptions } from './options';

/**
 * The basis rank WASI's cost counts on a layer (see the module notes).
 *
 * @example
 * ```ts
 * wasiCostRank(denseGeometry([4, 64], [64, 32]), { weightRank: 8 }); // 8
 * ```
 */
export function wasiCostRank(g: LayerGeometry, options: WasiOptions): number {
  const [rows, cols] = weightMatrixShape(g);
  const n = Math.min(rows, cols);
  return Math.min(options?.weightRank ?? n, n);
}

function weightCounts(g: LayerGeometry, r: number): { weightElements: number; trainableElements: number } {
  const [rows, cols] = weightMatrixShape(g);
  return { weightElements: rows * cols + Math.min(rows, cols) * r, trainableElements: rows * cols };
}

/** Keeps ASI's activation count (and its bytes, e.g. int8) with a new list of terms. */
function withTerms(asi: DetailedLayerCost, terms: DetailedLayerCost['terms']): DetailedLayerCost {
  const cost = fromTerms(asi.activationElements, terms);
  return asi.activationBytes !== undefined ? { ...cost, activationBytes: asi.activationBytes } : cost;
}

/**
 * Exact-mode cost of WASI: {@link exactAsi} plus the weight subspace's terms (module notes).
 *
 * @example
 * ```ts
 * exactWasi(denseGeometry([4, 10, 64], [64, 32]), { ranks: [4, 8, 16], weightRank: 8 }).weightElements; // 64·32 + 32·8
 * ```
 */
export function exactWasi(g: LayerGeometry, options: WasiOptions): DetailedLayerCost {
  const [rows, cols] = weightMatrixShape(g);
  const r = wasiCostRank(g, options);
  const asi = exactAsi(g, asiOptionsOf(options));
  const product = 2 * rows * cols * r;
  const cost = withTerms(asi, [
    fw('weight-projection', 2 * product),
    ...asi.terms,
    bw('weight-gradient-projection', 2 * product),
    bw('basis-refresh', 2 * product + qrFlops(Math.min(rows, cols), r)),
  ]);
  return { ...cost, ...weightCounts(g, r) };
}

/**
 * Paper-mode cost of WASI: {@link paperAsi} with the layer's product replaced by the factored
 * forward, plus the refresh (module notes).
 *
 * @example
 * ```ts
 * paperWasi(denseGeometry([4, 10, 64], [64, 32]), { ranks: [4, 8, 16], weightRank: 8 }).forwardFlops;
 * ```
 */
export function paperWasi(g: LayerGeometry, options: WasiOptions): DetailedLayerCost {
  const [I, O] = weightMatrixShape(g);
  const r = wasiCostRank(g, options);
  const asi = paperAsi(g, asiOptionsOf(options));
  const layerForward = paperLayerTerms(g).forward;
  const R = g.kind === 'dense' ? denseDims(g).R : ((d) => d.B * d.Ho * d.Wo)(convDims(g));
  const terms = asi.terms.filter((t) => !(t.phase === layerForward.phase && t.name === layerForward.name));
  const cost = withTerms(asi, [
    fw('factored-forward', R * r * (2 * I - 1) + R * O * (2 * r - 1)),
    ...terms,
    bw('basis-refresh', 2 * I * O * r + r ** 3),
  ]);
  return { ...cost, ...weightCounts(g, r) };
}

/**
 * The cost model of `'wasi'`: {@link paperWasi} or {@link exactWasi}; a depthwise layer, which
 * WASI leaves to exact training (`wasiUnsupportedReason`), costs what vanilla costs.
 *
 * @example
 * ```ts
 * wasiCost(geometry, { ranks: [4, 8, 16], weightEpsilon: 0.9 }, 'exact').weightElements;
 * ```
 */
export function wasiCost(g: LayerGeometry, options: WasiOptions, mode: CostMode): DetailedLayerCost {
  if (g.kind === 'depthwise') return vanillaCost(g, {}, mode);
  return mode === 'paper' ? paperWasi(g, options) : exactWasi(g, options);
}
