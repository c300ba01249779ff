import { tf } from '@odl/backend';
import { SPECIFICATION_VERSION, type ActivationMethodPlugin, type CompressedActivation, type CostMode, type LayerCompressor, type LayerGeometry } from './contract';
import { prod } from './cost/dims';
import { exactLayerTerms, paperLayerTerms } from './cost/layer-terms';
import { fromTerms, type DetailedLayerCost } from './cost/terms';
import { convParams, normalizeGeometry } from './geometry';
import { exactWeightGradient } from './ops/exact';
import { rejectUnknownOptions } from './options';
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
 * Multiply-accumulates of one layer's forward pass, over its output positions. `ignoreGroups`
 * counts a grouped or depthwise conv as if it were dense over all input channels. (The paper
 * accounting of docs/method.md §6 is {@link paperVanilla}: it also costs a strided convolution's
 * forward on the input size.)
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
 * Paper-mode cost of vanilla training: the reference code's accounting (docs/method.md §6). A
 * convolution counts multiply-adds with groups ignored, KH·KW·C′·C·H·W·B forward (the INPUT H, W,
 * even when strided) and KH·KW·C·C′·H′·W′·B for the weight gradient; a dense layer counts
 * R·O·(2I−1) forward and O·I·(2R−1) backward (R = B·N or B·H·W rows); no input gradient.
 *
 * @example
 * ```ts
 * paperVanilla(conv2dGeometry([2, 8, 8, 4], [3, 3, 4, 6], { strides: 2, pad: [[1, 1], [1, 1]] })).forwardFlops; // 9·6·4·8·8·2 = 27648
 * ```
 */
export function paperVanilla(g: LayerGeometry): DetailedLayerCost {
  const t = paperLayerTerms(g);
  return fromTerms(prod(g.inputShape), [t.forward, t.weightGradient]);
}

/**
 * Exact-mode cost of vanilla training (docs/method.md §6): 2 FLOPs per multiply-add, groups
 * counted right; forward, weight gradient and input gradient cost the same.
 *
 * @example
 * ```ts
 * exactVanilla(denseGeometry([4, 3], [3, 2])).backwardFlops; // weight + input gradient: 2·(2·4·3·2) = 96
 * ```
 */
export function exactVanilla(g: LayerGeometry): DetailedLayerCost {
  const t = exactLayerTerms(g);
  return fromTerms(prod(g.inputShape), [t.forward, t.weightGradient, t.inputGradient]);
}

/**
 * The cost model of the `'vanilla'` method: {@link paperVanilla} or {@link exactVanilla}.
 *
 * @example
 * ```ts
 * vanillaCost(geometry, {}, 'paper').forwardFlops;
 * ```
 */
export function vanillaCost(geometry: LayerGeometry, _options: Record<string, unknown>, mode: CostMode): DetailedLayerCost {
  return mode === 'paper' ? paperVanilla(geometry) : exactVanilla(geometry);
}

/**
 * The `'vanilla'` plugin (registered by default): stores the activation, exact gradients.
 *
 * @example
 * ```ts
 * const c = vanillaPlugin.create(denseGeometry([4, 8], [8, 3]), {});
 * ```
 */
export const vanillaPlugin: ActivationMethodPlugin<Record<string, unknown>> = {
  specificationVersion: SPECIFICATION_VERSION,
  name: 'vanilla',
  description: 'Stores the layer input as is; exact weight gradient (the reference)',
  supports: ['conv2d', 'depthwise', 'dense'],
  options: [],
  create: (geometry, options) => {
    rejectUnknownOptions('vanilla', [], options);
    return new VanillaCompressor(geometry);
  },
  cost: vanillaCost,
};
