import { SPECIFICATION_VERSION, type LayerGeometry, type MethodPlanner, type MethodPlugin, type WeightAdapter } from '@odl/core';
import { asiPlugin } from '../asi/plugin';
import { asiLayerOptions, asiPlanner } from '../asi/planner';
import { wasiCost } from './cost';
import { asiOptionsOf, WASI_OPTIONS, weightOptionsOf, type WasiOptions } from './options';
import { WasiWeights, wasiUnsupportedReason } from './subspace';

/**
 * WASI's planner: ASI's (the activation ranks under a budget, docs/method.md §5) on ASI's part of
 * the options; every planned layer keeps the method-wide weight options.
 *
 * @example
 * ```ts
 * wasiPlanner.needsPlan({ weightEpsilon: 0.9 }); // true: no activation ranks given
 * ```
 */
export const wasiPlanner: MethodPlanner<WasiOptions> = {
  needsPlan: (options) => asiPlanner.needsPlan(asiOptionsOf(options)),
  plan(request) {
    const result = asiPlanner.plan({ ...request, options: asiOptionsOf(request.options) });
    const weight = weightOptionsOf(request.options);
    const layerOptions: Record<string, WasiOptions> = {};
    for (const [name, o] of Object.entries(result.layerOptions)) layerOptions[name] = { ...o, ...weight };
    return { ...result, layerOptions };
  },
};

/**
 * WASI's weight side: a {@link WasiWeights} per layer.
 *
 * @example
 * ```ts
 * const p = wasiWeightAdapter.create(layer.weight, geometry, { weightEpsilon: 0.9 });
 * ```
 */
export const wasiWeightAdapter: WeightAdapter<WasiOptions> = {
  create: (base, geometry, options) => new WasiWeights(base, geometry, options),
};

/**
 * The `'wasi'` method plugin (Weight-Activation Subspace Iteration, docs/method.md §10; contract
 * version 2, docs/architecture.md §3): both sides. Activations by ASI (its compressor, options,
 * cost, planner and per-layer seeds, reused); the weight by a subspace basis from a truncated SVD
 * at the first step, refreshed by one warm subspace-iteration step after every update
 * ({@link WasiWeights}: what it stores and why). Depthwise layers train exactly.
 *
 * @example
 * ```ts
 * import { registerShortcut } from '@odl/shortcut';
 * import { finetune } from '@odl/models';
 * registerShortcut();
 * await finetune({ method: 'wasi', methodOptions: { weightEpsilon: 0.9 }, lastN: 2 });
 * ```
 */
export const wasiPlugin: MethodPlugin<WasiOptions> & {
  /** WASI's planner: ASI's on ASI's part of the options ({@link wasiPlanner}). */
  readonly planner: MethodPlanner<WasiOptions>;
} = {
  specificationVersion: SPECIFICATION_VERSION,
  name: 'wasi',
  description: "WASI: ASI's activation compression plus a weight subspace (truncated SVD, refreshed by subspace iteration after each step)",
  supports: ['conv2d', 'depthwise', 'dense'],
  options: WASI_OPTIONS,
  create: (geometry: LayerGeometry, options: WasiOptions) => asiPlugin.create(geometry, asiOptionsOf(options)),
  weights: wasiWeightAdapter,
  cost: wasiCost,
  unsupportedReason: wasiUnsupportedReason,
  layerOptions: (options, layer) => ({ ...asiLayerOptions(asiOptionsOf(options), layer), ...weightOptionsOf(options) }),
  planner: wasiPlanner,
};
