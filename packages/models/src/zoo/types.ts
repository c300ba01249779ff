import type { tf } from '@odl/backend';
import type { LayerCompressor, LayerGeometry } from '@odl/core';

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

/** A fully connected layer `y = x W + b` on `[B, I]` inputs. */
export interface DenseLayer {
  /** Discriminator. */
  type: 'dense';
  /** Module path (torchvision-style), e.g. `'classifier.1'` or `'fc'`. */
  name: string;
  /** Weight `[I, O]`. */
  weight: tf.Variable;
  /** Bias `[O]`. */
  bias: tf.Variable;
  /** Input features I. */
  inFeatures: number;
  /** Output features O. */
  outFeatures: number;
}

/** A layer with weights: what "the last N layers" counts (convolutions and dense layers). */
export type ParamLayer = ConvLayer | DenseLayer;

/**
 * How one layer runs in the forward pass.
 * - `'plain'`: stock tfjs ops on the gradient tape (default of a fresh model; its weights train).
 * - `'frozen'`: stock ops run off the gradient tape: no gradient, nothing saved for backward.
 * - `'compressed'`: @odl/core's compressed op with this layer's `LayerCompressor`.
 */
export type LayerMode = 'plain' | 'frozen' | 'compressed';

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
}

/** Options of a model's `forward`. */
export interface ForwardOptions {
  /**
   * Training pass. With `true`, BatchNorm uses batch statistics and updates its running
   * statistics, unless the model's BatchNorm is frozen (`model.batchNormFrozen`, set by
   * `prepareFineTune`). Default `false` (inference).
   */
  training?: boolean;
  /**
   * Start at this block: the input is then the features that block takes (the output of
   * `model.frozenFeatures(x, fromBlock)`), not images. Default 0.
   */
  fromBlock?: number;
}

/** One conv/dense layer of a model with its geometry, as listed by `layerSpecs`. */
export interface ModelLayerSpec {
  /** Layer name (module path). */
  name: string;
  /** Position among the model's conv/dense layers, 0-based, in model order. */
  index: number;
  /** Geometry of the layer for the given input shape (contract of @odl/core). */
  geometry: LayerGeometry;
}

/** Names of the architectures of the zoo. */
export type ArchitectureName = 'mcunet-in1' | 'mobilenetv2' | 'resnet18' | 'resnet34';

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
}
