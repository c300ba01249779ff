// MCUNet-in1 and MobileNetV2 (inverted-residual networks), torchvision-style module names.
import { ArgumentError, SeededRandom } from '@odl/backend';
import { ConvBlock, InvertedResidual, PoolDenseHead, type Block } from './blocks';
import { checkBatchNormEpsilon, makeConv, makeDense } from './init';
import { ZooModel } from './model';
import type { ZooOptions } from './types';

/** One inverted-residual stage setting: expand ratio, output channels, stride, kernel size. */
export interface InvertedResidualSetting {
  /** Expansion ratio (1 = no expansion conv). */
  expand: number;
  /** Output channels. */
  out: number;
  /** Stride of the depthwise conv. */
  stride: number;
  /** Depthwise kernel size. */
  kernel: number;
}

/** MCUNet-in1's blocks after the stem (docs/method.md §7), in order. */
export const MCUNET_IN1_BLOCKS: readonly InvertedResidualSetting[] = (
  [
    [1, 8, 1, 3], [4, 16, 2, 3], [3, 16, 1, 3], [3, 24, 2, 7], [5, 24, 1, 3], [5, 40, 2, 3], [4, 40, 1, 7],
    [4, 48, 1, 5], [3, 48, 1, 3], [4, 48, 1, 3], [5, 96, 2, 7], [4, 96, 1, 5], [4, 96, 1, 5], [6, 160, 1, 3],
  ] as const
).map(([expand, out, stride, kernel]) => ({ expand, out, stride, kernel }));

function invertedResidual(prefix: string, inC: number, s: InvertedResidualSetting, rng: SeededRandom | null, eps: number): InvertedResidual {
  const hidden = Math.round(inC * s.expand);
  let i = 0;
  const expand =
    s.expand === 1
      ? null
      : makeConv({ name: `${prefix}.${i}.0`, bnName: `${prefix}.${i++}.1`, inChannels: inC, outChannels: hidden, kernel: 1, stride: 1, activation: 'relu6' }, rng, eps);
  const dw = makeConv(
    { name: `${prefix}.${i}.0`, bnName: `${prefix}.${i++}.1`, inChannels: hidden, outChannels: hidden, kernel: s.kernel, stride: s.stride, depthwise: true, activation: 'relu6' },
    rng,
    eps,
  );
  const project = makeConv({ name: `${prefix}.${i++}`, bnName: `${prefix}.${i}`, inChannels: hidden, outChannels: s.out, kernel: 1, stride: 1, activation: 'none' }, rng, eps);
  return new InvertedResidual(expand, dw, project, s.stride === 1 && inC === s.out);
}

function checkCommon(name: string, inputChannels: number, numClasses: number): void {
  if (!Number.isInteger(inputChannels) || inputChannels < 1) throw new ArgumentError(`${name}: inputChannels must be a positive integer, got ${inputChannels}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ArgumentError(`${name}: numClasses must be a positive integer, got ${numClasses}`);
}

/**
 * MCUNet-in1 (docs/method.md §7): 3×3 stride-2 stem with 16 channels, 14 inverted-residual blocks,
 * ReLU6, BatchNorm after every conv, 160 pooled features into a linear classifier. 42 convs + 1
 * dense layer. Module names: `features.0.{0,1}` (stem conv, BN), `features.<b>.conv.<i>...`
 * (blocks, torchvision MobileNetV2 layout), `classifier`.
 *
 * @example
 * ```ts
 * const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 1 });
 * ```
 */
export function mcunetIn1(options: ZooOptions = {}): ZooModel {
  const inputChannels = options.inputChannels ?? 3;
  const numClasses = options.numClasses ?? 10;
  const seed = options.seed ?? 0;
  checkCommon('mcunetIn1', inputChannels, numClasses);
  const eps = checkBatchNormEpsilon('mcunetIn1', options.batchNormEpsilon);
  const rng = options.init === 'zeros' ? null : new SeededRandom(seed);
  const blocks: Block[] = [
    new ConvBlock(makeConv({ name: 'features.0.0', bnName: 'features.0.1', inChannels: inputChannels, outChannels: 16, kernel: 3, stride: 2, activation: 'relu6' }, rng, eps)),
  ];
  let c = 16;
  MCUNET_IN1_BLOCKS.forEach((s, i) => {
    blocks.push(invertedResidual(`features.${i + 1}.conv`, c, s, rng, eps));
    c = s.out;
  });
  const classifier = makeDense('classifier', c, numClasses, rng);
  return new ZooModel({ architecture: 'mcunet-in1', inputChannels, numClasses, widthMultiplier: 1, seed, batchNormEpsilon: eps }, blocks, new PoolDenseHead(classifier));
}

/** torchvision's `_make_divisible`: rounds channels to a multiple of `divisor`, at most 10% down. */
export function makeDivisible(v: number, divisor = 8): number {
  let n = Math.max(divisor, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  if (n < 0.9 * v) n += divisor;
  return n;
}

const MOBILENETV2_SETTINGS: readonly [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

/**
 * MobileNetV2 (torchvision layout and names, so torchvision weights load by name): stem 3×3/2
 * conv, 17 inverted residuals, a 1×1 conv to 1280·max(1, width) channels, pooling, `classifier.1`.
 * `widthMultiplier` scales channels (rounded to multiples of 8). 52 convs + 1 dense layer.
 *
 * @example
 * ```ts
 * const model = mobileNetV2({ widthMultiplier: 0.35, numClasses: 10 });
 * ```
 */
export function mobileNetV2(options: ZooOptions = {}): ZooModel {
  const inputChannels = options.inputChannels ?? 3;
  const numClasses = options.numClasses ?? 10;
  const width = options.widthMultiplier ?? 1;
  const seed = options.seed ?? 0;
  checkCommon('mobileNetV2', inputChannels, numClasses);
  const eps = checkBatchNormEpsilon('mobileNetV2', options.batchNormEpsilon);
  if (!(width > 0)) throw new ArgumentError(`mobileNetV2: widthMultiplier must be > 0, got ${width}`);
  const rng = options.init === 'zeros' ? null : new SeededRandom(seed);
  let c = makeDivisible(32 * width);
  const last = makeDivisible(1280 * Math.max(1, width));
  const blocks: Block[] = [
    new ConvBlock(makeConv({ name: 'features.0.0', bnName: 'features.0.1', inChannels: inputChannels, outChannels: c, kernel: 3, stride: 2, activation: 'relu6' }, rng, eps)),
  ];
  let f = 1;
  for (const [t, ch, n, s] of MOBILENETV2_SETTINGS) {
    const out = makeDivisible(ch * width);
    for (let i = 0; i < n; i++) {
      blocks.push(invertedResidual(`features.${f++}.conv`, c, { expand: t, out, stride: i === 0 ? s : 1, kernel: 3 }, rng, eps));
      c = out;
    }
  }
  blocks.push(new ConvBlock(makeConv({ name: `features.${f}.0`, bnName: `features.${f}.1`, inChannels: c, outChannels: last, kernel: 1, stride: 1, activation: 'relu6' }, rng, eps)));
  const classifier = makeDense('classifier.1', last, numClasses, rng);
  return new ZooModel({ architecture: 'mobilenetv2', inputChannels, numClasses, widthMultiplier: width, seed, batchNormEpsilon: eps }, blocks, new PoolDenseHead(classifier));
}
