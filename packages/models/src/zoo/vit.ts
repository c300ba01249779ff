// Vision transformers in torchvision's `VisionTransformer` layout and names (vit_b_32 and any size).
import { ArgumentError, SeededRandom, tf } from '@odl/backend';
import { checkBatchNormEpsilon, makeConv, makeDense, makeLayerNorm, normalTensor, variableFrom } from './init';
import { ZooModel } from './model';
import { ClassTokenHead, EncoderBlock, PatchEmbedding } from './transformer';
import type { Block } from './blocks';
import type { DenseLayer, VitConfig, ZooOptions } from './types';

/** torchvision's `vit_b_32`: 224×224 images, 32-pixel patches, D 768, 12 layers, 12 heads, MLP 3072, LayerNorm ε 1e-6. */
export const VIT_B_32: Readonly<VitConfig> = { imageSize: 224, patchSize: 32, hiddenDim: 768, numLayers: 12, numHeads: 12, mlpDim: 3072, layerNormEpsilon: 1e-6 };

/** The defaults of the `'vit'` architecture (a small ViT): 32×32 images, 8-pixel patches, D 64, 4 layers, 4 heads, MLP 128, ε 1e-6. */
export const VIT_SMALL: Readonly<VitConfig> = { imageSize: 32, patchSize: 8, hiddenDim: 64, numLayers: 4, numHeads: 4, mlpDim: 128, layerNormEpsilon: 1e-6 };

/**
 * Checks a ViT config (positive integers, the image a whole number of patches, D a multiple of
 * the heads, ε > 0) and returns it; throws an ArgumentError naming the field and the fix.
 */
export function checkVitConfig(where: string, c: VitConfig): VitConfig {
  for (const k of ['imageSize', 'patchSize', 'hiddenDim', 'numLayers', 'numHeads', 'mlpDim'] as const) {
    if (!Number.isSafeInteger(c[k]) || c[k] < 1) throw new ArgumentError(`${where}: vit.${k} must be a positive integer, got ${String(c[k])}`);
  }
  if (c.imageSize % c.patchSize !== 0) throw new ArgumentError(`${where}: vit.imageSize ${c.imageSize} must be a multiple of vit.patchSize ${c.patchSize}`);
  if (c.hiddenDim % c.numHeads !== 0) throw new ArgumentError(`${where}: vit.hiddenDim ${c.hiddenDim} must be a multiple of vit.numHeads ${c.numHeads}`);
  if (typeof c.layerNormEpsilon !== 'number' || !Number.isFinite(c.layerNormEpsilon) || c.layerNormEpsilon <= 0) {
    throw new ArgumentError(`${where}: vit.layerNormEpsilon must be a finite number > 0 (torchvision's ViT: 1e-6), got ${String(c.layerNormEpsilon)}`);
  }
  return { imageSize: c.imageSize, patchSize: c.patchSize, hiddenDim: c.hiddenDim, numLayers: c.numLayers, numHeads: c.numHeads, mlpDim: c.mlpDim, layerNormEpsilon: c.layerNormEpsilon };
}

/**
 * Number of scalar parameters of a ViT (what `model.parameterCount()` gives, computed from the
 * sizes alone; the checkpoint loader bounds a stored config with it).
 *
 * @example
 * ```ts
 * vitParameterCount(VIT_B_32, 3, 1000); // 88224232 (torchvision's vit_b_32)
 * ```
 */
export function vitParameterCount(c: VitConfig, inputChannels: number, numClasses: number): number {
  const D = c.hiddenDim;
  const M = c.mlpDim;
  const tokens = (c.imageSize / c.patchSize) ** 2 + 1;
  const block = 4 * D + (3 * D * D + 3 * D) + (D * D + D) + (D * M + M) + (M * D + D);
  return D * inputChannels * c.patchSize ** 2 + D + D + tokens * D + c.numLayers * block + 2 * D + D * numClasses + numClasses;
}

function encoderBlock(i: number, c: VitConfig, rng: SeededRandom | null): EncoderBlock {
  const p = `encoder.layers.encoder_layer_${i}`;
  const D = c.hiddenDim;
  const inProj: DenseLayer = {
    ...makeDense(`${p}.self_attention.in_proj`, D, 3 * D, rng),
    paramNames: { weight: `${p}.self_attention.in_proj_weight`, bias: `${p}.self_attention.in_proj_bias` },
  };
  return new EncoderBlock(
    makeLayerNorm(`${p}.ln_1`, D, c.layerNormEpsilon),
    inProj,
    makeDense(`${p}.self_attention.out_proj`, D, D, rng),
    makeLayerNorm(`${p}.ln_2`, D, c.layerNormEpsilon),
    makeDense(`${p}.mlp.0`, D, c.mlpDim, rng),
    makeDense(`${p}.mlp.3`, c.mlpDim, D, rng),
    c.numHeads,
  );
}

function build(architecture: 'vit' | 'vit-b-32', defaults: VitConfig, options: ZooOptions): ZooModel {
  const inputChannels = options.inputChannels ?? 3;
  const numClasses = options.numClasses ?? 10;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(inputChannels) || inputChannels < 1) throw new ArgumentError(`${architecture}: inputChannels must be a positive integer, got ${inputChannels}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new ArgumentError(`${architecture}: numClasses must be a positive integer, got ${numClasses}`);
  if ((options.widthMultiplier ?? 1) !== 1) throw new ArgumentError(`${architecture}: widthMultiplier applies to mobilenetv2 only; size a ViT with options.vit`);
  const c = checkVitConfig(architecture, { ...defaults, ...options.vit });
  // A ViT has no BatchNorm; the ε is kept in the config like every zoo model's (setBatchNormEpsilon).
  const batchNormEpsilon = checkBatchNormEpsilon(architecture, options.batchNormEpsilon);
  const rng = options.init === 'zeros' ? null : new SeededRandom(seed);
  const D = c.hiddenDim;
  const tokens = (c.imageSize / c.patchSize) ** 2 + 1;
  // Seeded initialisation (He-normal patch embedding, LeCun-normal linears, position embedding
  // N(0, 0.02²) as torchvision's, zero class token); import weights for a pretrained model.
  const conv = {
    ...makeConv({ name: 'conv_proj', bnName: null, inChannels: inputChannels, outChannels: D, kernel: c.patchSize, stride: c.patchSize, activation: 'none', bias: true }, rng, batchNormEpsilon),
    pad: [[0, 0], [0, 0]] as [[number, number], [number, number]],
  };
  const blocks: Block[] = [new PatchEmbedding(conv, variableFrom(tf.zeros([1, 1, D])), variableFrom(normalTensor([1, tokens, D], 0.02, rng)), c.imageSize)];
  for (let i = 0; i < c.numLayers; i++) blocks.push(encoderBlock(i, c, rng));
  const head = new ClassTokenHead(makeLayerNorm('encoder.ln', D, c.layerNormEpsilon), makeDense('heads.head', D, numClasses, rng));
  return new ZooModel({ architecture, inputChannels, numClasses, widthMultiplier: 1, seed, batchNormEpsilon, vit: c }, blocks, head);
}

/**
 * A vision transformer in torchvision's `VisionTransformer` layout and names, any size (`'vit'`):
 * patch embedding `conv_proj`, `class_token`, `encoder.pos_embedding`, encoder blocks
 * `encoder.layers.encoder_layer_<i>` (`ln_1`, `self_attention.in_proj_weight/in_proj_bias`,
 * `self_attention.out_proj`, `ln_2`, `mlp.0`, `mlp.3`; exact GELU), `encoder.ln`, classifier
 * `heads.head`. Input NHWC `[B, imageSize, imageSize, inputChannels]`. Sizes from
 * `options.vit` over {@link VIT_SMALL}. "The last N layers" counts the MLP linears (2 per block).
 *
 * @example
 * ```ts
 * const model = vit({ inputChannels: 1, numClasses: 5, vit: { imageSize: 28, patchSize: 7, hiddenDim: 64, numLayers: 4, numHeads: 4, mlpDim: 128 } });
 * model.forward(tf.zeros([2, 28, 28, 1])); // [2, 5]
 * ```
 */
export function vit(options: ZooOptions = {}): ZooModel {
  return build('vit', VIT_SMALL, options);
}

/**
 * torchvision's ViT-B/32 (`vit_b_32`, {@link VIT_B_32}): 224×224 images, 49 patches + class
 * token, 12 blocks of width 768; 88.2 M parameters with 1000 classes. Same layout and names as
 * {@link vit}, so torchvision's weights load by name (`createModelFromTorch('vit-b-32', file)`).
 *
 * @example
 * ```ts
 * const model = vitB32({ numClasses: 1000, init: 'zeros' });
 * ```
 */
export function vitB32(options: ZooOptions = {}): ZooModel {
  return build('vit-b-32', VIT_B_32, options);
}
