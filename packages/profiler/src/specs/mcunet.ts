import type { LayerSpec, SpecOptions } from './layer-spec';
import { SpecBuilder } from './layer-spec';

/** MCUNet-in1 inverted-residual blocks: (expand ratio, out channels, stride, kernel) (docs/method.md §7). */
export const MCUNET_IN1_BLOCKS: readonly (readonly [number, number, number, number])[] = [
  [1, 8, 1, 3], [4, 16, 2, 3], [3, 16, 1, 3], [3, 24, 2, 7], [5, 24, 1, 3], [5, 40, 2, 3], [4, 40, 1, 7],
  [4, 48, 1, 5], [3, 48, 1, 3], [4, 48, 1, 3], [5, 96, 2, 7], [4, 96, 1, 5], [4, 96, 1, 5], [6, 160, 1, 3],
];

/**
 * Conv layers of MCUNet-in1 in model order: stem 3×3/2 (16 ch), then per block a 1×1 expand
 * (when the ratio is > 1), a k×k depthwise (stride s) and a 1×1 project; then pooled 160
 * features to the classifier (emitted only with `includeClassifier`).
 *
 * @example
 * ```ts
 * const specs = mcunetIn1Specs({ resolution: 224, batch: 128 });
 * specs.at(-3)!.geometry.inputShape; // [128, 7, 7, 96]
 * ```
 */
export function mcunetIn1Specs(opts: SpecOptions = {}): LayerSpec[] {
  const b = new SpecBuilder(opts.batch ?? 128, opts.resolution ?? 224);
  b.conv('first_conv', 16, 3, 2);
  MCUNET_IN1_BLOCKS.forEach(([t, c, s, k], i) => {
    const cin = b.shape[3];
    if (t !== 1) b.conv(`blocks.${i}.expand`, cin * t, 1);
    b.depthwise(`blocks.${i}.depthwise`, k, s);
    b.conv(`blocks.${i}.project`, c, 1);
  });
  if (opts.includeClassifier) b.classifier('classifier', opts.numClasses ?? 1000);
  return b.layers;
}
