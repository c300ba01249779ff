import { ArgumentError } from '@odl/backend';
import { mcunetIn1, mobileNetV2 } from './mobile';
import type { ZooModel } from './model';
import { resnet18, resnet34 } from './resnet';
import { swinT, swinTransformer } from './swin';
import type { ArchitectureName, ModelLayerSpec, ZooOptions } from './types';
import { vit, vitB32 } from './vit';

/** Names accepted by {@link createModel}. */
export const ARCHITECTURES: readonly ArchitectureName[] = ['mcunet-in1', 'mobilenetv2', 'resnet18', 'resnet34', 'vit', 'vit-b-32', 'swin-t', 'swin'];

/**
 * Builds a zoo model by architecture name, initialised from `options.seed` (He-normal; a ViT's
 * sizes from `options.vit`).
 *
 * @example
 * ```ts
 * const model = createModel('resnet18', { inputChannels: 3, numClasses: 10, seed: 7 });
 * ```
 */
export function createModel(architecture: ArchitectureName, options: ZooOptions = {}): ZooModel {
  switch (architecture) {
    case 'mcunet-in1':
      return mcunetIn1(options);
    case 'mobilenetv2':
      return mobileNetV2(options);
    case 'resnet18':
      return resnet18(options);
    case 'resnet34':
      return resnet34(options);
    case 'vit':
      return vit(options);
    case 'vit-b-32':
      return vitB32(options);
    case 'swin-t':
      return swinT(options);
    case 'swin':
      return swinTransformer(options);
    default:
      throw new ArgumentError(`createModel: unknown architecture '${String(architecture)}'; use one of ${ARCHITECTURES.join(', ')}`);
  }
}

/** What {@link describeModel} needs: the architecture's options and the input shape. */
export interface DescribeOptions extends Omit<ZooOptions, 'init' | 'seed'> {
  /** Input shape `[B, H, W, C]` (C must equal `inputChannels`, default 3). */
  inputShape: [number, number, number, number];
}

/**
 * The layers of an architecture (names, geometry, roles) for an input shape, without weights
 * worth keeping: the same description the zoo model gives (`model.layerSpecs`), for the profiler
 * and the CLI (`odl profile`) to count costs on. Builds the model with zero weights and disposes it.
 *
 * @example
 * ```ts
 * const specs = describeModel('resnet18', { inputShape: [128, 224, 224, 3], numClasses: 1000 });
 * specs.filter((s) => s.compressible).length; // 20 convolutions
 * ```
 */
export function describeModel(architecture: ArchitectureName, options: DescribeOptions): ModelLayerSpec[] {
  const model = createModel(architecture, { ...options, inputChannels: options.inputChannels ?? options.inputShape[3], init: 'zeros' });
  try {
    return model.layerSpecs(options.inputShape);
  } finally {
    model.dispose();
  }
}
