export type { LayerSpec, SpecOptions } from './layer-spec';
export { SpecBuilder, lastLayers } from './layer-spec';
export { mcunetIn1Specs, MCUNET_IN1_BLOCKS } from './mcunet';
export { mobilenetV2Specs, MOBILENETV2_STAGES } from './mobilenetv2';
export { basicResNetSpecs, resnet18Specs, resnet34Specs } from './resnet';
import type { LayerSpec, SpecOptions } from './layer-spec';
import { mcunetIn1Specs } from './mcunet';
import { mobilenetV2Specs } from './mobilenetv2';
import { resnet18Specs, resnet34Specs } from './resnet';

/** Names of the models with a built-in spec generator. */
export type SpecModelName = 'mcunet-in1' | 'mobilenetv2' | 'resnet18' | 'resnet34';

/**
 * The spec generators by model name.
 *
 * @example
 * ```ts
 * const specs = MODEL_SPECS['resnet34']({ resolution: 224, batch: 128 });
 * ```
 */
export const MODEL_SPECS: Readonly<Record<SpecModelName, (opts?: SpecOptions) => LayerSpec[]>> = Object.freeze({
  'mcunet-in1': mcunetIn1Specs,
  mobilenetv2: mobilenetV2Specs,
  resnet18: resnet18Specs,
  resnet34: resnet34Specs,
});
