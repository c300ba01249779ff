import type { ParamLayer } from './types';

/**
 * The name of a layer's weight or bias in `namedWeights()`, checkpoints and PyTorch files:
 * `<layer>.weight` / `<layer>.bias`, unless the layer says otherwise (`DenseLayer.paramNames`,
 * e.g. torchvision's attention `in_proj_weight`).
 *
 * @example
 * ```ts
 * layerParamName(model.classifier, 'weight'); // 'classifier.weight' (MCUNet-in1)
 * ```
 */
export function layerParamName(layer: ParamLayer, which: 'weight' | 'bias'): string {
  if (layer.type === 'dense' && layer.paramNames) return layer.paramNames[which];
  return `${layer.name}.${which}`;
}
