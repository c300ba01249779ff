import type { tf } from '@odl/backend';
import type { LayerCompressor, LayerGeometry, WeightParameterization } from '@odl/core';

/** Activation applied after a convolution's BatchNorm. */
export type Activation = 'relu6' | 'relu' | 'none';

/** BatchNorm parameters of one conv layer (PyTorch semantics: `momentum` weighs the new batch). */
export interface BatchNormParams {
  /** Name of the BatchNorm module (torchvision-style path), e.g. `'features.0.1'`. */
  name: string;
  /** Scale γ, shape `[C]`. */
  gamma: tf.Variable;
  /** Shift β, shape `[C]`. */
  beta: tf.Variable;
  /** Running mean, shape `[C]`. Never trained by gradients. */
  movingMean: tf.Variable;
  /** Running (unbiased) variance, shape `[C]`. Never trained by gradients. */
  movingVariance: tf.Variable;
  /** Added to the variance before the square root. */
  epsilon: number;
  /** Weight of the new batch in the running-statistics update (PyTorch default 0.1). */
  momentum: number;
}

/** A convolution (ordinary or depthwise) followed by an optional BatchNorm and activation. */
export interface ConvLayer {
  /** Discriminator. */
  type: 'conv';
  /** Module path of the convolution (torchvision-style), unique in the model. */
  name: string;
  /** Ordinary (`conv2d`, possibly grouped) or depthwise convolution. */
  kind: 'conv2d' | 'depthwise';
  /** Weight: conv2d `[KH, KW, C/groups, C']` (HWIO); depthwise `[KH, KW, C, 1]`. */
  weight: tf.Variable;
  /** Bias `[C']`, or `null` (convolutions followed by BatchNorm have none). */
  bias: tf.Variable | null;
  /** Input channels C. */
  inChannels: number;
  /** Output channels C'. */
  outChannels: number;
  /** Kernel size `[KH, KW]` in pixels. */
  kernelSize: [number, number];
  /** Strides `[sh, sw]` in pixels. */
  strides: [number, number];
  /** Dilations `[dh, dw]`. */
  dilations: [number, number];
  /** Explicit zero padding `[[top, bottom], [left, right]]` in pixels (PyTorch-style, symmetric). */
  pad: [[number, number], [number, number]];
  /** Groups of a conv2d (1 = ordinary); 1 for depthwise layers too (their grouping is implied). */
  groups: number;
  /** BatchNorm after the convolution, or `null`. */
  bn: BatchNormParams | null;
  /** Activation after the BatchNorm (`'none'` when the block applies it after a residual add). */
  activation: Activation;
}

/**
 * A fully connected layer `y = x W + b` on `[B, I]` inputs, or on `[B, N, I]` token features (a
 * transformer's linears), applied to the last axis.
 */
export interface DenseLayer {
  /** Discriminator. */
  type: 'dense';
  /** Module path (torchvision-style), e.g. `'classifier.1'` or `'fc'`. */
  name: string;
  /** Weight `[I, O]`. */
  weight: tf.Variable;
  /** Bias `[O]`, or `null` (Swin's patch-merging `reduction` has none). */
  bias: tf.Variable | null;
  /** Input features I. */
  inFeatures: number;
  /** Output features O. */
  outFeatures: number;
  /**
   * Names of the weight and bias in `namedWeights()` (and checkpoints, PyTorch files) when they
   * are not `<name>.weight` / `<name>.bias`: torchvision's attention input projection is
   * `<attention>.in_proj_weight` / `<attention>.in_proj_bias`. See `layerParamName`.
   */
  paramNames?: ParamNames;
}

/** The names of a layer's weight and bias when they are not `<layer>.weight` / `<layer>.bias`. */
export interface ParamNames {
  /** Name of the weight, e.g. `'encoder.layers.encoder_layer_0.self_attention.in_proj_weight'`. */
  weight: string;
  /** Name of the bias, e.g. `'encoder.layers.encoder_layer_0.self_attention.in_proj_bias'`. */
  bias: string;
}

/**
 * A weight of a model that belongs to no conv/dense layer, under its torchvision name: a
 * LayerNorm's γ (`<ln>.weight`) or β (`<ln>.bias`), a ViT's class token (`class_token`) or
 * position embedding (`encoder.pos_embedding`). It appears in `namedWeights()`, checkpoints and
 * PyTorch files; it trains only while the model is not prepared for fine-tuning (training from
 * scratch, docs/method.md §7).
 */
export interface ModelParam {
  /** torchvision state-dict name, e.g. `'encoder.ln.weight'`. */
  name: string;
  /** The weight. */
  variable: tf.Variable;
}

/** A LayerNorm over the last axis (PyTorch `nn.LayerNorm` semantics, biased variance). */
export interface LayerNormParams {
  /** Module path, e.g. `'encoder.layers.encoder_layer_0.ln_1'`. */
  name: string;
  /** Scale γ, shape `[D]`. */
  gamma: tf.Variable;
  /** Shift β, shape `[D]`. */
  beta: tf.Variable;
  /** Added to the variance before the square root (1e-6 in torchvision's ViT). */
  epsilon: number;
}

/** A layer with weights: what "the last N layers" counts (convolutions and dense layers). */
export type ParamLayer = ConvLayer | DenseLayer;

/**
 * How one layer runs in the forward pass.
 * - `'plain'`: stock tfjs ops on the gradient tape (default of a fresh model; its weights train).
 * - `'frozen'`: stock ops run off the gradient tape: no gradient, nothing saved for backward.
 * - `'frozen-on-tape'`: weights frozen, but the layer runs on the gradient tape so the gradient
 *   reaches its input (a transformer's attention linear between fine-tuned MLP linears): a dense
 *   layer through @odl/core's `frozenLinear`, which keeps nothing for a weight gradient.
 * - `'compressed'`: @odl/core's compressed op with this layer's `LayerCompressor`.
 */
export type LayerMode = 'plain' | 'frozen' | 'frozen-on-tape' | 'compressed';

/** Run-time configuration of one layer, set by `prepareFineTune`. */
export interface LayerRuntime {
  /** How the layer runs. */
  mode: LayerMode;
  /** The layer's compressor when `mode` is `'compressed'`. */
  compressor?: LayerCompressor;
  /**
   * Whether the layer's input needs a gradient (default true). `false` for the first trainable
   * layer: its input gradient is skipped.
   */
  inputGradient?: boolean;
  /**
   * The weight side of a method that re-parameterises the weight (docs/architecture.md §3): its
   * variables train instead of the layer's weight, and the forward uses its effective weight.
   */
  weights?: WeightParameterization;
}

/**
 * How BatchNorm behaves while training (docs/method.md §7):
 * - `'trained'`: batch statistics, running statistics updated, γ/β trained (training from scratch);
 * - `'frozen-statistics'`: running statistics (eval mode), γ/β of the fine-tuned layers trained (the paper's);
 * - `'frozen'`: running statistics and γ/β frozen (the lightest: a BatchNorm keeps C floats for backward).
 */
export type BatchNormMode = 'trained' | 'frozen-statistics' | 'frozen';

/** Options of a model's `forward`. */
export interface ForwardOptions {
  /**
   * Training pass. With `true`, BatchNorm follows the model's `batchNorm` mode (batch statistics
   * only in `'trained'` mode). Default `false` (inference).
   */
  training?: boolean;
  /**
   * Start at this block: the input is then the features that block takes (the output of
   * `model.frozenFeatures(x, fromBlock)`), not images. Default 0.
   */
  fromBlock?: number;
}

/**
 * What a layer is in its model: a convolution of a CNN's feature extractor, a transformer's patch
 * embedding (a strided convolution), attention projection (input `in_proj`, output `out_proj`) or
 * MLP linear (`mlp.0`, `mlp.3`), Swin's patch-merging `reduction`, or the classifier.
 */
export type LayerRole = 'conv' | 'patch-embedding' | 'attention' | 'mlp' | 'patch-merging' | 'classifier';

/**
 * One conv/dense layer of a model with its geometry, as listed by `layerSpecs`: the model
 * description that the zoo, the profiler and the fine-tuning session share (docs/architecture.md §4).
 */
export interface ModelLayerSpec {
  /** Layer name (module path). */
  name: string;
  /** Position among the model's conv/dense layers, 0-based, in model order. */
  index: number;
  /** Geometry of the layer for the given input shape (contract of @odl/core). */
  geometry: LayerGeometry;
  /** What the layer is. */
  role: LayerRole;
  /**
   * Counted by "the last N layers" (docs/method.md §7): the convolutions of a CNN, depthwise and
   * pointwise alike, and the MLP linears of a transformer (as in the paper); not the classifier,
   * which trains exactly unless asked otherwise, nor a transformer's attention projections or
   * patch embedding, which stay frozen.
   */
  compressible: boolean;
}

/**
 * Names of the architectures of the zoo: CNNs, and vision transformers in torchvision's
 * `VisionTransformer` layout (`'vit-b-32'`: ViT-B/32; `'vit'`: any size, from `ZooOptions.vit`),
 * and Swin Transformers in torchvision's `SwinTransformer` layout (`'swin-t'`: `swin_t`;
 * `'swin'`: any size, from `ZooOptions.swin`).
 */
export type ArchitectureName = 'mcunet-in1' | 'mobilenetv2' | 'resnet18' | 'resnet34' | 'vit' | 'vit-b-32' | 'swin-t' | 'swin';

/**
 * What builds a vision transformer (torchvision's `VisionTransformer` arguments): square images of
 * `imageSize` pixels cut into `patchSize`-pixel patches ((imageSize/patchSize)² tokens plus the
 * class token), `numLayers` encoder blocks of width `hiddenDim` with `numHeads` attention heads
 * and an MLP of `mlpDim` hidden units (exact GELU), LayerNorm ε `layerNormEpsilon`.
 *
 * @example
 * ```ts
 * const small: VitConfig = { imageSize: 32, patchSize: 8, hiddenDim: 32, numLayers: 2, numHeads: 2, mlpDim: 64, layerNormEpsilon: 1e-6 };
 * ```
 */
export interface VitConfig {
  /** Image height and width in pixels (a multiple of `patchSize`). */
  imageSize: number;
  /** Patch height and width in pixels (the patch embedding's kernel and stride). */
  patchSize: number;
  /** Token width D (a multiple of `numHeads`). */
  hiddenDim: number;
  /** Encoder blocks. */
  numLayers: number;
  /** Attention heads per block. */
  numHeads: number;
  /** Hidden units of each block's MLP. */
  mlpDim: number;
  /** LayerNorm ε (torchvision's ViT: 1e-6). */
  layerNormEpsilon: number;
}

/** Options shared by every zoo constructor. */
export interface ZooOptions {
  /** Input channels (1 for grayscale, 3 for RGB). Default 3. */
  inputChannels?: number;
  /** Output classes of the classifier. Default 10. */
  numClasses?: number;
  /** Seed of the He-normal weight initialisation. Default 0. */
  seed?: number;
  /** MobileNetV2 only: width multiplier (channels rounded to multiples of 8). Default 1. */
  widthMultiplier?: number;
  /**
   * Weight initialisation: `'he-normal'` (default, seeded) or `'zeros'` (fast; for describing an
   * architecture's shapes or loading weights right after).
   */
  init?: 'he-normal' | 'zeros';
  /**
   * ε of every BatchNorm of the model, added to the variance before the square root. Default
   * 1e-5 (PyTorch's and torchvision's); the MCUNet zoo (mit-han-lab/mcunet) trains with 1e-3, so
   * its weights predict as trained only with `1e-3`. Kept in `model.config` and checkpoints.
   *
   * @example
   * ```ts
   * const model = mcunetIn1({ numClasses: 1000, batchNormEpsilon: 1e-3 });
   * ```
   */
  batchNormEpsilon?: number;
  /**
   * Vision transformers only: the architecture's sizes (see {@link VitConfig}); for `'vit-b-32'`
   * each given field overrides ViT-B/32's (224, 32, 768, 12 layers, 12 heads, 3072, 1e-6), for
   * `'vit'` the defaults are a small ViT (32, 8, 64, 4 layers, 4 heads, 128, 1e-6).
   *
   * @example
   * ```ts
   * const model = createModel('vit', { inputChannels: 1, numClasses: 5, vit: { imageSize: 28, patchSize: 7, hiddenDim: 64 } });
   * ```
   */
  vit?: Partial<VitConfig>;
  /**
   * Swin Transformers only: the architecture's sizes (see {@link SwinConfig}); for `'swin-t'`
   * each given field overrides `swin_t`'s (patch 4, embedding 96, depths [2, 2, 6, 2], heads
   * [3, 6, 12, 24], window 7, MLP ratio 4, 1e-5), for `'swin'` the defaults are a small Swin
   * (patch 4, embedding 16, depths [2, 2], heads [2, 4], window 4, MLP ratio 4, 1e-5).
   *
   * @example
   * ```ts
   * const model = createModel('swin', { inputChannels: 1, numClasses: 5, swin: { embedDim: 24, numHeads: [3, 6] } });
   * ```
   */
  swin?: Partial<SwinConfig>;
}

/**
 * What builds a Swin Transformer (torchvision's `SwinTransformer` arguments, square patches and
 * windows): `patchSize`-pixel patches embedded in `embedDim` channels, then one stage per entry of
 * `depths` (that many blocks, `numHeads[s]` heads, `embedDim·2^s` channels; patch merging halves
 * the map and doubles the channels between stages), windows of `windowSize`×`windowSize` tokens
 * (every second block shifted by half a window), MLPs of `⌊dim·mlpRatio⌋` hidden units (exact
 * GELU), LayerNorm ε `layerNormEpsilon`. Images of any size of at least one patch are taken
 * (feature maps are padded to whole windows, as torchvision 0.14 does).
 *
 * @example
 * ```ts
 * const swinT: SwinConfig = { patchSize: 4, embedDim: 96, depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24], windowSize: 7, mlpRatio: 4, layerNormEpsilon: 1e-5 };
 * ```
 */
export interface SwinConfig {
  /** Patch height and width in pixels (the patch embedding's kernel and stride). */
  patchSize: number;
  /** Channels of the first stage C (stage s has C·2^s). */
  embedDim: number;
  /** Blocks per stage. */
  depths: number[];
  /** Attention heads per stage (each divides the stage's channels). */
  numHeads: number[];
  /** Window height and width in tokens. */
  windowSize: number;
  /** MLP hidden units per channel. */
  mlpRatio: number;
  /** LayerNorm ε (torchvision's Swin: 1e-5). */
  layerNormEpsilon: number;
}
