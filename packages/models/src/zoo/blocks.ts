import { tf } from '@odl/backend';
import { convOutputSize, type LayerGeometry } from '@odl/core';
import { convGeometry } from './geometry';
import { activate, globalAvgPool, maybeWithoutTape, residualAdd, runConv, runDense, type RunContext } from './ops';
import type { ConvLayer, DenseLayer, LayerRole, ModelParam, ParamLayer } from './types';

/**
 * Receives each conv/dense layer with its geometry and role during shape tracing (role default
 * `'conv'`, a CNN's convolution).
 */
export type SpecSink = (layer: ParamLayer, geometry: LayerGeometry, role?: LayerRole) => void;

/**
 * A unit of a model: some conv/dense layers and how they connect. Features between blocks may
 * have any rank: NHWC `[B, H, W, C]` in a CNN, tokens `[B, N, D]` in a transformer.
 */
export interface Block {
  /** The block's conv/dense layers in model order. */
  readonly layers: readonly ParamLayer[];
  /** Forward pass. */
  run(x: tf.Tensor, ctx: RunContext): tf.Tensor;
  /** Shape tracing: reports each layer's geometry (and role) and returns the output shape. */
  trace(shape: number[], sink: SpecSink): number[];
  /** Weights of the block outside its layers (LayerNorm γ/β, embeddings), in torchvision names. */
  params?(): ModelParam[];
}

/**
 * The classifier end of a model: what turns the last block's features into logits, with the
 * dense classifier last (`resetClassifier` replaces `dense`).
 */
export interface Head {
  /** The dense classifier. */
  dense: DenseLayer;
  /**
   * Logits `[B, classes]` of the last block's features; `frozenBefore` when every layer before
   * the classifier is frozen (what comes before the classifier then runs off the tape).
   */
  run(x: tf.Tensor, ctx: RunContext, frozenBefore: boolean): tf.Tensor2D;
  /** Shape tracing: the classifier's input shape `[B, I]` for the last block's output shape. */
  classifierInputShape(shape: number[]): number[];
  /** Weights of the head outside the classifier (a final LayerNorm), in torchvision names. */
  params?(): ModelParam[];
}

/** Whether every layer of `layers` runs frozen off the tape (so the block may run off the tape). */
export const allFrozen = (layers: readonly ParamLayer[], ctx: RunContext) => layers.every((l) => ctx.runtime(l.name).mode === 'frozen');

function traceConv(layer: ConvLayer, shape: number[], sink: SpecSink): number[] {
  const g = convGeometry(layer, shape);
  sink(layer, g);
  return g.outputShape;
}

/** A single conv (+BN+activation), optionally followed by a 3×3 stride-2 max-pool (ResNet stem). */
export class ConvBlock implements Block {
  readonly layers: readonly ConvLayer[];
  constructor(readonly conv: ConvLayer, readonly maxPool = false) {
    this.layers = [conv];
  }
  run(x: tf.Tensor4D, ctx: RunContext): tf.Tensor4D {
    const y = runConv(this.conv, x, ctx);
    if (!this.maxPool) return y;
    // Inputs are post-ReLU (>= 0), so zero padding equals PyTorch's -inf padding.
    return maybeWithoutTape(allFrozen(this.layers, ctx), () =>
      tf.maxPool(tf.pad(y, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 2, 'valid'),
    );
  }
  trace(shape: number[], sink: SpecSink): number[] {
    const s = traceConv(this.conv, shape, sink);
    if (!this.maxPool) return s;
    return [s[0], ...convOutputSize([s[1], s[2]], [3, 3], [2, 2], [1, 1], [[1, 1], [1, 1]]), s[3]];
  }
}

/** MobileNetV2 inverted residual: [1×1 expand] → k×k depthwise → 1×1 project, identity add. */
export class InvertedResidual implements Block {
  readonly layers: readonly ConvLayer[];
  constructor(
    readonly expand: ConvLayer | null,
    readonly depthwise: ConvLayer,
    readonly project: ConvLayer,
    readonly residual: boolean,
  ) {
    this.layers = expand ? [expand, depthwise, project] : [depthwise, project];
  }
  run(x: tf.Tensor4D, ctx: RunContext): tf.Tensor4D {
    let y = this.expand ? runConv(this.expand, x, ctx) : x;
    y = runConv(this.depthwise, y, ctx);
    y = runConv(this.project, y, ctx);
    if (!this.residual) return y;
    const out = y;
    return maybeWithoutTape(allFrozen(this.layers, ctx), () => residualAdd(x, out));
  }
  trace(shape: number[], sink: SpecSink): number[] {
    let s = shape;
    for (const l of this.layers) s = traceConv(l, s, sink);
    return s;
  }
}

/** ResNet basic block: conv1 → conv2, plus identity or 1×1 downsample, then ReLU. */
export class BasicBlock implements Block {
  readonly layers: readonly ConvLayer[];
  constructor(
    readonly conv1: ConvLayer,
    readonly conv2: ConvLayer,
    readonly downsample: ConvLayer | null,
  ) {
    this.layers = downsample ? [conv1, conv2, downsample] : [conv1, conv2];
  }
  run(x: tf.Tensor4D, ctx: RunContext): tf.Tensor4D {
    const y = runConv(this.conv2, runConv(this.conv1, x, ctx), ctx);
    const identity = this.downsample ? runConv(this.downsample, x, ctx) : x;
    const frozen = allFrozen(this.layers, ctx);
    return maybeWithoutTape(frozen, () => {
      const sum = residualAdd(y, identity);
      return activate(sum, 'relu', !frozen && ctx.training);
    });
  }
  trace(shape: number[], sink: SpecSink): number[] {
    const s = traceConv(this.conv2, traceConv(this.conv1, shape, sink), sink);
    if (this.downsample) traceConv(this.downsample, shape, sink);
    return s;
  }
}

/** Classifier head of a CNN: global average pooling of NHWC features, then a dense layer. */
export class PoolDenseHead implements Head {
  constructor(public dense: DenseLayer) {}
  run(x: tf.Tensor, ctx: RunContext, frozenBefore: boolean): tf.Tensor2D {
    const pooled = maybeWithoutTape(frozenBefore, () => globalAvgPool(x as tf.Tensor4D));
    return runDense(this.dense, pooled, ctx) as tf.Tensor2D;
  }
  classifierInputShape(shape: number[]): number[] {
    return [shape[0]!, shape[3]!];
  }
}
