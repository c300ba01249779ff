import { tf } from '@odl/backend';
import { convOutputSize, type LayerGeometry } from '@odl/core';
import { convGeometry } from './geometry';
import { activate, globalAvgPool, maybeWithoutTape, residualAdd, runConv, runDense, type RunContext } from './ops';
import type { ConvLayer, DenseLayer, ParamLayer } from './types';

/** Receives each conv/dense layer with its geometry during shape tracing. */
export type SpecSink = (layer: ParamLayer, geometry: LayerGeometry) => void;

/** A unit of a model: some conv layers and how they connect. */
export interface Block {
  /** The block's conv layers in model order. */
  readonly layers: ConvLayer[];
  /** Forward pass. */
  run(x: tf.Tensor4D, ctx: RunContext): tf.Tensor4D;
  /** Shape tracing: reports each layer's geometry and returns the output shape. */
  trace(shape: number[], sink: SpecSink): number[];
}

const allFrozen = (layers: ConvLayer[], ctx: RunContext) => layers.every((l) => ctx.runtime(l.name).mode === 'frozen');

function traceConv(layer: ConvLayer, shape: number[], sink: SpecSink): number[] {
  const g = convGeometry(layer, shape);
  sink(layer, g);
  return g.outputShape;
}

/** A single conv (+BN+activation), optionally followed by a 3×3 stride-2 max-pool (ResNet stem). */
export class ConvBlock implements Block {
  readonly layers: ConvLayer[];
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
  readonly layers: ConvLayer[];
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
  readonly layers: ConvLayer[];
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

/** Classifier head: global average pooling then a dense layer. */
export class PoolDenseHead {
  constructor(public dense: DenseLayer) {}
  run(x: tf.Tensor4D, ctx: RunContext, frozenBefore: boolean): tf.Tensor2D {
    const pooled = maybeWithoutTape(frozenBefore, () => globalAvgPool(x));
    return runDense(this.dense, pooled, ctx);
  }
}
