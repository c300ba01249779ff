import { tf } from '@odl/backend';
import { COMPRESSOR_API_VERSION, type CompressedActivation, type CompressorPlugin, type CostMode, type LayerCompressor, type LayerCost, type LayerGeometry } from './contract';
import { convParams, normalizeGeometry } from './geometry';
import { exactWeightGradient } from './ops/exact';
import { tensorBytes } from './tucker/activation';

/**
 * The vanilla compressor: keeps the layer input itself and computes the exact weight gradient.
 * The reference every other method is tested against.
 *
 * @example
 * ```ts
 * const c = new VanillaCompressor(conv2dGeometry([8, 16, 16, 4], [3, 3, 4, 8]));
 * ```
 */
export class VanillaCompressor implements LayerCompressor {
  /** Always `'vanilla'`. */
  readonly method = 'vanilla';
  /** The layer this compressor serves. */
  readonly geometry: LayerGeometry;

  /** @param geometry - the layer; validated and normalised */
  constructor(geometry: LayerGeometry) {
    this.geometry = normalizeGeometry(geometry);
  }

  /** Keeps a copy of the input (on cpu a clone shares the buffer; the op's save clones it again). */
  compress(input: tf.Tensor): CompressedActivation {
    const kept = tf.clone(input);
    return { tensors: [kept], meta: {}, elements: kept.size, bytes: tensorBytes([kept]) };
  }

  /** The exact weight gradient from the stored input. */
  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    return exactWeightGradient(this.geometry, saved.tensors[0], dy);
  }

  /** Stateless: `null`. */
  getState(): null {
    return null;
  }

  /** Stateless: nothing to restore. */
  setState(): void {}

  /** Stateless: nothing to release. */
  dispose(): void {}
}

/**
 * Multiply-accumulates of one layer's forward pass. `ignoreGroups` counts a grouped or depthwise
 * conv as if it were dense over all input channels (the reference code's "paper" accounting).
 *
 * @example
 * ```ts
 * layerMacs(conv2dGeometry([1, 8, 8, 4], [3, 3, 4, 8], { pad: 'same' })); // 1·8·8·8 · 3·3·4 = 18432
 * ```
 */
export function layerMacs(geometry: LayerGeometry, ignoreGroups = false): number {
  const g = normalizeGeometry(geometry);
  const outputs = g.outputShape.reduce((a, b) => a * b, 1);
  if (g.kind === 'dense') return outputs * g.weightShape[0];
  const { kernel, groups } = convParams(g);
  const C = g.inputShape[3];
  const inPerOut = ignoreGroups ? C : g.kind === 'depthwise' ? 1 : C / groups;
  return outputs * kernel[0] * kernel[1] * inPerOut;
}

/**
 * Cost of a vanilla step. `exact`: 2 FLOPs per MAC, forward + weight gradient + input gradient,
 * groups counted right. `paper`: MACs, groups ignored, no input gradient (docs/method.md §6).
 */
function vanillaCost(geometry: LayerGeometry, _options: Record<string, unknown>, mode: CostMode): LayerCost {
  const g = normalizeGeometry(geometry);
  const activationElements = g.inputShape.reduce((a, b) => a * b, 1);
  if (mode === 'paper') {
    const macs = layerMacs(g, true);
    return { activationElements, forwardFlops: macs, backwardFlops: macs };
  }
  const flops = 2 * layerMacs(g);
  return { activationElements, forwardFlops: flops, backwardFlops: 2 * flops };
}

/**
 * The `'vanilla'` plugin (registered by default): stores the activation, exact gradients.
 *
 * @example
 * ```ts
 * const c = vanillaPlugin.create(denseGeometry([4, 8], [8, 3]), {});
 * ```
 */
export const vanillaPlugin: CompressorPlugin<Record<string, unknown>> = {
  name: 'vanilla',
  apiVersion: COMPRESSOR_API_VERSION,
  description: 'Stores the layer input as is; exact weight gradient (the reference)',
  supports: ['conv2d', 'depthwise', 'dense'],
  create: (geometry) => new VanillaCompressor(geometry),
  cost: vanillaCost,
};
