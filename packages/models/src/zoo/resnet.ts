import { ArgumentError, SeededRandom } from '@odl/backend';
import { BasicBlock, ConvBlock, PoolDenseHead, type Block } from './blocks';
import { checkBatchNormEpsilon, makeConv, makeDense } from './init';
import { ZooModel } from './model';
import type { ZooOptions } from './types';

function resnet(architecture: 'resnet18' | 'resnet34', depths: number[], options: ZooOptions): ZooModel {
  const inputChannels = options.inputChannels ?? 3;
  const numClasses = options.numClasses ?? 10;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(inputChannels) || inputChannels < 1) throw new ArgumentError(`${architecture}: inputChannels must be a positive integer, got ${inputChannels}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ArgumentError(`${architecture}: numClasses must be a positive integer, got ${numClasses}`);
  const eps = checkBatchNormEpsilon(architecture, options.batchNormEpsilon);
  const rng = options.init === 'zeros' ? null : new SeededRandom(seed);
  const stem = makeConv({ name: 'conv1', bnName: 'bn1', inChannels: inputChannels, outChannels: 64, kernel: 7, stride: 2, activation: 'relu' }, rng, eps);
  const blocks: Block[] = [new ConvBlock(stem, true)];
  let c = 64;
  depths.forEach((n, stage) => {
    const width = 64 << stage;
    for (let i = 0; i < n; i++) {
      const p = `layer${stage + 1}.${i}`;
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const conv1 = makeConv({ name: `${p}.conv1`, bnName: `${p}.bn1`, inChannels: c, outChannels: width, kernel: 3, stride, activation: 'relu' }, rng, eps);
      const conv2 = makeConv({ name: `${p}.conv2`, bnName: `${p}.bn2`, inChannels: width, outChannels: width, kernel: 3, stride: 1, activation: 'none' }, rng, eps);
      const down =
        stride !== 1 || c !== width
          ? makeConv({ name: `${p}.downsample.0`, bnName: `${p}.downsample.1`, inChannels: c, outChannels: width, kernel: 1, stride, activation: 'none' }, rng, eps)
          : null;
      blocks.push(new BasicBlock(conv1, conv2, down));
      c = width;
    }
  });
  const fc = makeDense('fc', c, numClasses, rng);
  return new ZooModel({ architecture, inputChannels, numClasses, widthMultiplier: 1, seed, batchNormEpsilon: eps }, blocks, new PoolDenseHead(fc));
}

/**
 * ResNet-18 (torchvision layout and names): 7×7/2 stem + max-pool, basic blocks [2, 2, 2, 2],
 * `fc`. 20 convs (3 of them 1×1 downsamples) + 1 dense layer.
 *
 * @example
 * ```ts
 * const model = resnet18({ numClasses: 100 });
 * ```
 */
export function resnet18(options: ZooOptions = {}): ZooModel {
  return resnet('resnet18', [2, 2, 2, 2], options);
}

/**
 * ResNet-34 (torchvision layout and names): basic blocks [3, 4, 6, 3]. 36 convs + 1 dense layer.
 *
 * @example
 * ```ts
 * const model = resnet34({ numClasses: 100 });
 * ```
 */
export function resnet34(options: ZooOptions = {}): ZooModel {
  return resnet('resnet34', [3, 4, 6, 3], options);
}
