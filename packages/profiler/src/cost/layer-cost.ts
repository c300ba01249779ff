import { ArgumentError } from '@odl/backend';
import { getMethod, resolveOptions, unsupportedReason, UnsupportedLayerError, type CostMode, type DetailedLayerCost, type LayerCost, type LayerGeometry } from '@odl/core';

/** Options of {@link layerCost}. */
export interface LayerCostOptions {
  /** Accounting mode (docs/method.md §6); default `'exact'`. */
  mode?: CostMode;
}

/**
 * Analytic cost of one layer under one method for one training step: activation elements (and
 * bytes) kept for backward, forward and backward FLOPs, and the terms when the method lists them.
 * The profiler holds no formula: it asks the method registered under `method` (`getMethod` of
 * `@odl/core`; register the methods first, e.g. `registerShortcut()`, `registerLowrank()`), after
 * validating the options against the method's declarations (`resolveOptions`: defaults filled,
 * an undeclared option refused) and checking that the method serves the layer
 * (`UnsupportedLayerError` with its reason otherwise). Data-dependent methods (HOSVD_ε, SVD_ε)
 * count the ranks given in their cost-only options (their `costOptionsFor` measures them).
 *
 * @param geometry - the layer
 * @param method - the registry name of the method
 * @param options - the method's options for this layer
 * @param opts - the accounting mode
 * @example
 * ```ts
 * registerShortcut();
 * const g = { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576] } as const;
 * layerCost(g, 'asi', { ranks: [4, 4, 4, 13] }, { mode: 'paper' }).backwardFlops; // 16653200
 * ```
 */
export function layerCost(geometry: LayerGeometry, method: string, options: Record<string, unknown> = {}, opts: LayerCostOptions = {}): DetailedLayerCost {
  const mode = opts.mode ?? 'exact';
  if (mode !== 'exact' && mode !== 'paper') throw new ArgumentError(`cost mode must be 'exact' or 'paper', got '${String(mode)}'`);
  const plugin = getMethod(method);
  const reason = unsupportedReason(plugin, geometry);
  if (reason != null) throw new UnsupportedLayerError(method, geometry.kind, plugin.supports, reason);
  const c = plugin.cost(geometry, resolveOptions(plugin, options), mode);
  const out: DetailedLayerCost = { activationElements: c.activationElements, forwardFlops: c.forwardFlops, backwardFlops: c.backwardFlops, terms: c.terms ?? [] };
  if (c.activationBytes != null) out.activationBytes = c.activationBytes;
  return out;
}

/**
 * Bytes a layer cost's activation takes: the method's own count when it stores something other
 * than 4-byte floats (`activationBytes`, e.g. ASI with int8 storage), else elements × `bytesPerElement`.
 *
 * @param cost - a {@link layerCost} result (or a plugin's `LayerCost`)
 * @param bytesPerElement - bytes per element when the method gives no byte count (default 4)
 *
 * @example
 * ```ts
 * activationBytesOf(layerCost(geometry, 'asi', { ranks: [8, 1, 1, 8], storage: 'int8' })); // 1 per value + 4 per scale
 * ```
 */
export function activationBytesOf(cost: LayerCost, bytesPerElement = 4): number {
  return cost.activationBytes ?? cost.activationElements * bytesPerElement;
}
