import { SPECIFICATION_VERSION, type ActivationMethodPlugin, type LayerGeometry, type MethodPlanner } from '@odl/core';
import { AsiCompressor } from './compressor';
import { asiCost } from './cost';
import { ASI_OPTIONS, type AsiOptions } from './options';
import { asiLayerOptions, asiPlanner } from './planner';

/**
 * The `'asi'` method plugin (Activation Subspace Iteration, docs/method.md §3; contract version 2,
 * docs/architecture.md §3): stores each layer input as a Tucker core and factors tracked across
 * steps by one subspace-iteration step, and forms the weight gradient from them without
 * rebuilding the activation. It declares its options ({@link ASI_OPTIONS}), its cost model
 * (paper and exact), its planner (ranks under a budget, docs/method.md §5) and its per-layer
 * seeds.
 *
 * @example
 * ```ts
 * import { registerShortcut } from '@odl/shortcut';
 * registerShortcut(); // now getMethod('asi') === asiPlugin
 * ```
 */
export const asiPlugin: ActivationMethodPlugin<AsiOptions> & {
  /** ASI's planner: the ranks of every layer under a budget (docs/method.md §5). */
  readonly planner: MethodPlanner<AsiOptions>;
} = {
  specificationVersion: SPECIFICATION_VERSION,
  name: 'asi',
  description: 'Activation Subspace Iteration: warm-started Tucker compression with fixed per-mode ranks',
  supports: ['conv2d', 'depthwise', 'dense'],
  options: ASI_OPTIONS,
  create(geometry: LayerGeometry, options: AsiOptions): AsiCompressor {
    return new AsiCompressor(geometry, options);
  },
  cost: asiCost,
  layerOptions: asiLayerOptions,
  planner: asiPlanner,
};
