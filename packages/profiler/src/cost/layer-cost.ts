import { ArgumentError } from '@odl/backend';
import type { CostMode, LayerCost, LayerGeometry } from '@odl/core';
import type { DetailedLayerCost } from './types';
import { BUILTIN_COST_MODELS } from './builtin';
import { registryLookup, type PluginLookup } from './plugins';

/** Where a cost comes from: a registered plugin's `cost()`, or the profiler's built-in formulas. */
export type CostSource = 'auto' | 'plugin' | 'builtin';

/** Options of {@link layerCost}. */
export interface LayerCostOptions {
  /** Accounting mode; default `'exact'`. */
  mode?: CostMode;
  /**
   * `'auto'` (default): the registered plugin's `cost()` when it declares one, else the built-in
   * model; `'plugin'`: the plugin's only; `'builtin'`: the built-in formulas only.
   */
  source?: CostSource;
  /** How plugins are found; default: @odl/core's registry. */
  lookup?: PluginLookup;
}

/**
 * Analytic cost of one layer under one method: activation elements kept for backward and
 * forward/backward FLOPs of one training step.
 *
 * @example
 * ```ts
 * const g = { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576] } as const;
 * layerCost(g, 'asi', { ranks: [4, 4, 4, 13] }, { mode: 'paper' }).backwardFlops; // 16653200
 * ```
 */
export function layerCost(geometry: LayerGeometry, method: string, options: unknown = {}, opts: LayerCostOptions = {}): DetailedLayerCost {
  const mode = opts.mode ?? 'exact';
  if (mode !== 'exact' && mode !== 'paper') throw new ArgumentError(`cost mode must be 'exact' or 'paper', got '${String(mode)}'`);
  const source = opts.source ?? 'auto';
  if (source !== 'builtin') {
    const plugin = (opts.lookup ?? registryLookup)(method);
    if (plugin?.cost) {
      const c = plugin.cost(geometry, options as Record<string, unknown>, mode);
      const out: DetailedLayerCost = { activationElements: c.activationElements, forwardFlops: c.forwardFlops, backwardFlops: c.backwardFlops, terms: [] };
      if (c.activationBytes != null) out.activationBytes = c.activationBytes;
      return out;
    }
    if (source === 'plugin') {
      throw new ArgumentError(
        plugin
          ? `plugin '${method}' declares no cost(); use source 'auto' or 'builtin', or add cost() to the plugin`
          : `no plugin named '${method}' is registered; register it or use source 'builtin'`,
      );
    }
  }
  const model = BUILTIN_COST_MODELS[method];
  if (!model) {
    throw new ArgumentError(
      `no cost model for method '${method}': built-in ones are ${Object.keys(BUILTIN_COST_MODELS).join(', ')}; a plugin can declare cost() to be profiled`,
    );
  }
  return model(geometry, options, mode);
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
