// Forward execution of one conv/dense layer in each of its modes. 'compressed' delegates to
// @odl/core's compressed ops; frozen and plain layers use stock tfjs ops.
import { tf, withoutTape } from '@odl/backend';
import { compressedConv2d, compressedDense, compressedDepthwiseConv2d, denseGeometry, frozenBatchNorm, frozenLinear, layerForward, relu6Masked, reluMasked } from '@odl/core';
import { convGeometry } from './geometry';
import type { BatchNormMode, BatchNormParams, ConvLayer, DenseLayer, LayerRuntime, ParamLayer } from './types';

/**
 * Convolution with stock ops (no BatchNorm, no activation), with `weight` (default the layer's):
 * @odl/core's `layerForward` (grouped convs per group).
 */
export function plainConv(layer: ConvLayer, x: tf.Tensor4D, weight: tf.Tensor = layer.weight): tf.Tensor4D {
  const y = layerForward(convGeometry(layer, x.shape), x, weight) as tf.Tensor4D;
  return layer.bias ? (tf.add(y, layer.bias) as tf.Tensor4D) : y;
}

/** BatchNorm with running statistics (inference / frozen statistics), stock ops. */
export function batchNormEval(x: tf.Tensor4D, bn: BatchNormParams): tf.Tensor4D {
  return tf.batchNorm(x, bn.movingMean, bn.movingVariance, bn.beta, bn.gamma, bn.epsilon) as tf.Tensor4D;
}

/**
 * BatchNorm with batch statistics (training from scratch), stock ops; updates the running
 * statistics off the tape (PyTorch semantics: unbiased variance in the running estimate).
 */
export function batchNormTrain(x: tf.Tensor4D, bn: BatchNormParams): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  withoutTape(() =>
    tf.tidy(() => {
      const n = x.shape[0] * x.shape[1] * x.shape[2];
      const unbiased = tf.mul(variance, n / Math.max(1, n - 1));
      const m = bn.momentum;
      bn.movingMean.assign(tf.add(tf.mul(bn.movingMean, 1 - m), tf.mul(mean, m)));
      bn.movingVariance.assign(tf.add(tf.mul(bn.movingVariance, 1 - m), tf.mul(unbiased, m)));
    }),
  );
  const inv = tf.rsqrt(tf.add(variance, bn.epsilon));
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), inv), bn.gamma), bn.beta);
}

/** Applies an activation; `masked` uses @odl/core's memory-light versions (a 1-byte mask kept). */
export function activate(x: tf.Tensor4D, act: ConvLayer['activation'], masked: boolean): tf.Tensor4D {
  if (act === 'none') return x;
  if (act === 'relu6') return (masked ? relu6Masked(x) : tf.relu6(x)) as tf.Tensor4D;
  return (masked ? reluMasked(x) : tf.relu(x)) as tf.Tensor4D;
}

/**
 * Eval-mode BatchNorm whose γ and β train (the paper's fine-tuning, docs/method.md §7):
 * `x·a + b` with `a = γ/√(σ²+ε)`, `b = β − μ·a`. The product keeps `x` for γ's gradient.
 */
function batchNormFrozenStatistics(x: tf.Tensor4D, bn: BatchNormParams): tf.Tensor4D {
  const a = tf.mul(tf.rsqrt(tf.add(bn.movingVariance, bn.epsilon)), bn.gamma);
  return tf.add(tf.mul(x, a), tf.sub(bn.beta, tf.mul(bn.movingMean, a))) as tf.Tensor4D;
}

/** BatchNorm of a trained layer in a training pass, in the model's mode. */
function batchNormTraining(x: tf.Tensor4D, bn: BatchNormParams, mode: BatchNormMode): tf.Tensor4D {
  if (mode === 'trained') return batchNormTrain(x, bn);
  return mode === 'frozen-statistics' ? batchNormFrozenStatistics(x, bn) : frozenBn(x, bn);
}

/** The weight a trained layer computes with: its own, or a weight-side method's effective one. */
function layerWeight(layer: ConvLayer | DenseLayer, rt: LayerRuntime): tf.Tensor {
  return rt.weights != null ? rt.weights.weight(layer.weight) : layer.weight;
}

/** Eval-mode BatchNorm of a trained layer with γ/β frozen: keeps only C floats for backward (@odl/core). */
function frozenBn(x: tf.Tensor4D, bn: BatchNormParams): tf.Tensor4D {
  return frozenBatchNorm(x, {
    mean: bn.movingMean as tf.Tensor1D,
    variance: bn.movingVariance as tf.Tensor1D,
    scale: bn.gamma as tf.Tensor1D,
    offset: bn.beta as tf.Tensor1D,
    epsilon: bn.epsilon,
  }) as tf.Tensor4D;
}

function compressedConv(layer: ConvLayer, x: tf.Tensor4D, rt: LayerRuntime): tf.Tensor4D {
  const opts = { strides: layer.strides, pad: layer.pad, dilations: layer.dilations, inputGradient: rt.inputGradient ?? true };
  const bias = layer.bias as tf.Tensor1D | null;
  const weight = layerWeight(layer, rt) as tf.Tensor4D;
  if (layer.kind === 'depthwise') return compressedDepthwiseConv2d(x, weight, bias, opts, rt.compressor!);
  return compressedConv2d(x, weight, bias, { ...opts, groups: layer.groups }, rt.compressor!);
}

/** Context of one forward pass. */
export interface RunContext {
  /** Training pass (see `ForwardOptions.training`). */
  training: boolean;
  /** How BatchNorm behaves in training passes. */
  batchNorm: BatchNormMode;
  /** Run-time mode of a layer by name. */
  runtime(name: string): LayerRuntime;
}

/** Runs a conv layer (+ BatchNorm + activation) in its run-time mode. */
export function runConv(layer: ConvLayer, x: tf.Tensor4D, ctx: RunContext): tf.Tensor4D {
  const rt = ctx.runtime(layer.name);
  if (rt.mode === 'frozen' || !ctx.training) {
    const f = () => {
      let y = plainConv(layer, x, rt.weights != null ? rt.weights.weight(layer.weight) : layer.weight);
      if (layer.bn) y = batchNormEval(y, layer.bn);
      return activate(y, layer.activation, false);
    };
    return rt.mode === 'frozen' ? withoutTape(f) : f();
  }
  if (rt.mode === 'plain' || rt.mode === 'frozen-on-tape') {
    // 'frozen-on-tape': stock ops on the tape (its weights are not among the trainable ones).
    let y = plainConv(layer, x, layerWeight(layer, rt));
    if (layer.bn) y = batchNormTraining(y, layer.bn, ctx.batchNorm);
    return activate(y, layer.activation, false);
  }
  let y = compressedConv(layer, x, rt);
  if (layer.bn) y = batchNormTraining(y, layer.bn, ctx.batchNorm);
  return activate(y, layer.activation, true);
}

/** Dense forward `x·W + b` with stock ops on an input of any rank ≥ 2 (@odl/core's `layerForward`). */
export function plainDense(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
  const y = layerForward(denseGeometry(x.shape, weight.shape), x, weight);
  return bias == null ? y : tf.add(y, bias);
}

/** Runs a dense layer in its run-time mode on `[B, I]` or `[B, N, I]` inputs (any rank ≥ 2). */
export function runDense(layer: DenseLayer, x: tf.Tensor, ctx: RunContext): tf.Tensor {
  const rt = ctx.runtime(layer.name);
  const plain = () => plainDense(x, layerWeight(layer, rt), layer.bias);
  if (rt.mode === 'frozen') return withoutTape(plain);
  // Frozen between fine-tuned layers: the gradient reaches x, nothing is kept for a weight gradient.
  if (rt.mode === 'frozen-on-tape' && ctx.training) return frozenLinear(x, layer.weight as tf.Tensor2D, layer.bias as tf.Tensor1D);
  if (rt.mode === 'compressed' && ctx.training) {
    return compressedDense(x, layerWeight(layer, rt) as tf.Tensor2D, layer.bias as tf.Tensor1D | null, rt.compressor!, {
      inputGradient: rt.inputGradient ?? true,
    });
  }
  return plain();
}

/**
 * Whether a training pass needs the gradient of a layer's input: not for a layer frozen off the
 * tape, nor for the first trained layer (its `inputGradient` is false), nor outside training.
 * What only feeds such a layer (a LayerNorm, a GELU) can then run off the tape.
 */
export function needsInputGradient(layer: ParamLayer, ctx: RunContext): boolean {
  const rt = ctx.runtime(layer.name);
  return ctx.training && rt.mode !== 'frozen' && !(rt.mode === 'compressed' && rt.inputGradient === false);
}

/** Runs `fn` off the tape when every layer it covers is frozen (residual adds, pooling). */
export function maybeWithoutTape<T>(frozen: boolean, fn: () => T): T {
  return frozen ? withoutTape(fn) : fn();
}

/**
 * `a + b` for equal shapes (NHWC features or tokens) that saves nothing for backward (stock `add` keeps copies of both
 * inputs for broadcasting, a physical copy on wasm).
 */
export const residualAdd = tf.customGrad(((a: tf.Tensor, b: tf.Tensor) => ({
  value: tf.add(a, b),
  gradFunc: (dy: tf.Tensor) => [dy, dy],
})) as never) as unknown as <T extends tf.Tensor>(a: T, b: T) => T;

/** Global average pooling `[B, H, W, C] -> [B, C]` that saves nothing for backward. */
export const globalAvgPool = tf.customGrad(((x: tf.Tensor) => {
  const [b, h, w, c] = x.shape;
  return {
    value: tf.mean(x, [1, 2]),
    gradFunc: (dy: tf.Tensor) => tf.tile(tf.reshape(tf.div(dy, h * w), [b, 1, 1, c]), [1, h, w, 1]),
  };
}) as never) as unknown as (x: tf.Tensor4D) => tf.Tensor2D;
