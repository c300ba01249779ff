import { COMPRESSOR_API_VERSION, type CompressorPlugin, type LayerGeometry } from '@odl/core';
import { AsiCompressor } from './compressor';
import type { AsiOptions } from './options';

/**
 * The `'asi'` compressor plugin (Activation Subspace Iteration, docs/method.md §3): stores each layer input
 * as a Tucker core and factors tracked across steps by one subspace-iteration step, and forms the
 * weight gradient from them without rebuilding the activation.
 *
 * @example
 * ```ts
 * import { registerShortcut } from '@odl/shortcut';
 * registerShortcut(); // now getCompressor('asi') === asiPlugin
 * ```
 */
export const asiPlugin: CompressorPlugin<AsiOptions> = {
  name: 'asi',
  apiVersion: COMPRESSOR_API_VERSION,
  description: 'Activation Subspace Iteration: warm-started Tucker compression with fixed per-mode ranks',
  supports: ['conv2d', 'depthwise', 'dense'],
  create(geometry: LayerGeometry, options: AsiOptions): AsiCompressor {
    return new AsiCompressor(geometry, options);
  },
};
