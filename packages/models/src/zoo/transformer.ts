// The vision transformer's blocks (torchvision's `VisionTransformer` layout): patch embedding with
// class token and position embedding, pre-norm encoder blocks, class-token head. LayerNorm, GELU
// and attention are @odl/core's ops (their backward keeps what docs/method.md states).
import { ShapeError, tf } from '@odl/backend';
import { attention, denseGeometry, gelu, layerNorm } from '@odl/core';
import { allFrozen, type Block, type Head, type SpecSink } from './blocks';
import { convGeometry } from './geometry';
import { maybeWithoutTape, needsInputGradient, residualAdd, runConv, runDense, type RunContext } from './ops';
import type { ConvLayer, DenseLayer, LayerNormParams, ModelParam } from './types';

/** A LayerNorm's γ and β under their torchvision names (`<ln>.weight`, `<ln>.bias`), for a block's `params()`. */
export const lnParams = (ln: LayerNormParams): ModelParam[] => [
  { name: `${ln.name}.weight`, variable: ln.gamma },
  { name: `${ln.name}.bias`, variable: ln.beta },
];

/** LayerNorm over the last axis of `x` (tokens or NHWC features) with a model's parameters (@odl/core's op). */
export const norm = (x: tf.Tensor, ln: LayerNormParams): tf.Tensor => layerNorm(x, ln.gamma as tf.Tensor1D, ln.beta as tf.Tensor1D, ln.epsilon);

/**
 * A transformer block's MLP half on tokens `[B, N, D]` (torchvision's ViT and Swin alike):
 * `x + mlp.3(GELU(mlp.0(LayerNorm(x))))`. What feeds only a layer that needs no input gradient
 * runs off the gradient tape; the residual add keeps nothing.
 */
export function mlpResidual(x: tf.Tensor, ln: LayerNormParams, mlp0: DenseLayer, mlp3: DenseLayer, ctx: RunContext): tf.Tensor {
  const off = (l: DenseLayer) => !needsInputGradient(l, ctx);
  const h = maybeWithoutTape(off(mlp0), () => norm(x, ln));
  const m0 = runDense(mlp0, h, ctx);
  const g = maybeWithoutTape(off(mlp3), () => gelu(m0));
  const m3 = runDense(mlp3, g, ctx);
  return maybeWithoutTape(allFrozen([mlp0, mlp3], ctx), () => residualAdd(x, m3));
}

const denseTrace = (layer: DenseLayer, shape: number[]) => denseGeometry(shape, [layer.inFeatures, layer.outFeatures]);

/**
 * Patch embedding (`conv_proj`, a convolution with kernel = stride = patch size) of an NHWC image
 * `[B, S, S, C]`, flattened row by row to `[B, (S/p)², D]`, the class token prepended and the
 * position embedding added: tokens `[B, (S/p)² + 1, D]`.
 */
export class PatchEmbedding implements Block {
  readonly layers: readonly ConvLayer[];
  constructor(
    readonly conv: ConvLayer,
    /** `class_token`, `[1, 1, D]`. */
    readonly classToken: tf.Variable,
    /** `encoder.pos_embedding`, `[1, (S/p)² + 1, D]`. */
    readonly posEmbedding: tf.Variable,
    /** Image size S the position embedding is laid out for. */
    readonly imageSize: number,
  ) {
    this.layers = [conv];
  }
  private checkShape(shape: readonly number[]): void {
    const s = this.imageSize;
    if (shape.length !== 4 || shape[1] !== s || shape[2] !== s) {
      throw new ShapeError(`vit: expected NHWC images [B, ${s}, ${s}, C] (the position embedding's grid), got [${shape.join(', ')}]; resize the images to ${s}×${s}`);
    }
  }
  run(x: tf.Tensor, ctx: RunContext): tf.Tensor {
    this.checkShape(x.shape);
    const y = runConv(this.conv, x as tf.Tensor4D, ctx);
    return maybeWithoutTape(allFrozen(this.layers, ctx), () => {
      const [b, h, w, d] = y.shape;
      const tokens = tf.reshape(y, [b, h * w, d]);
      const cls = tf.tile(this.classToken, [b, 1, 1]);
      return tf.add(tf.concat([cls, tokens], 1), this.posEmbedding);
    });
  }
  trace(shape: number[], sink: SpecSink): number[] {
    this.checkShape(shape);
    const g = convGeometry(this.conv, shape);
    sink(this.conv, g, 'patch-embedding');
    const [b, h, w, d] = g.outputShape;
    return [b!, h! * w! + 1, d!];
  }
  params(): ModelParam[] {
    return [
      { name: 'class_token', variable: this.classToken },
      { name: 'encoder.pos_embedding', variable: this.posEmbedding },
    ];
  }
}

/**
 * torchvision's ViT `EncoderBlock` on tokens `[B, N, D]` (pre-norm):
 * `x₁ = x + out_proj(MHA(in_proj(ln_1(x))))`, `y = x₁ + mlp.3(GELU(mlp.0(ln_2(x₁))))`.
 * What feeds only layers that need no input gradient (frozen ones, the first trained one) runs
 * off the gradient tape, so nothing is kept for it.
 */
export class EncoderBlock implements Block {
  readonly layers: readonly DenseLayer[];
  constructor(
    readonly ln1: LayerNormParams,
    /** Attention input projection `[D, 3D]` (q, k, v side by side). */
    readonly inProj: DenseLayer,
    readonly outProj: DenseLayer,
    readonly ln2: LayerNormParams,
    readonly mlp0: DenseLayer,
    readonly mlp3: DenseLayer,
    readonly numHeads: number,
  ) {
    this.layers = [inProj, outProj, mlp0, mlp3];
  }
  private selfAttention(qkv: tf.Tensor): tf.Tensor {
    const [b, n, d3] = qkv.shape as [number, number, number];
    const d = d3 / 3;
    const h = this.numHeads;
    // [B, N, 3D] → three [B, heads, N, d] (torchvision's head split of each of q, k, v).
    const [q, k, v] = tf.split(qkv, 3, 2).map((t) => tf.transpose(tf.reshape(t, [b, n, h, d / h]), [0, 2, 1, 3]) as tf.Tensor4D) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    return tf.reshape(tf.transpose(attention(q, k, v), [0, 2, 1, 3]), [b, n, d]);
  }
  run(x: tf.Tensor, ctx: RunContext): tf.Tensor {
    const off = (l: DenseLayer) => !needsInputGradient(l, ctx);
    const h = maybeWithoutTape(off(this.inProj), () => norm(x, this.ln1));
    const qkv = runDense(this.inProj, h, ctx);
    const a = maybeWithoutTape(off(this.outProj), () => this.selfAttention(qkv));
    const o = runDense(this.outProj, a, ctx);
    const x1 = maybeWithoutTape(allFrozen([this.inProj, this.outProj], ctx), () => residualAdd(x, o));
    return mlpResidual(x1, this.ln2, this.mlp0, this.mlp3, ctx);
  }
  trace(shape: number[], sink: SpecSink): number[] {
    sink(this.inProj, denseTrace(this.inProj, shape), 'attention');
    sink(this.outProj, denseTrace(this.outProj, shape), 'attention');
    const g0 = denseTrace(this.mlp0, shape);
    sink(this.mlp0, g0, 'mlp');
    sink(this.mlp3, denseTrace(this.mlp3, g0.outputShape), 'mlp');
    return [...shape];
  }
  params(): ModelParam[] {
    return [...lnParams(this.ln1), ...lnParams(this.ln2)];
  }
}

/** ViT head: the class token (token 0) after the encoder's final LayerNorm (`encoder.ln`), then the classifier (`heads.head`). */
export class ClassTokenHead implements Head {
  constructor(
    readonly ln: LayerNormParams,
    public dense: DenseLayer,
  ) {}
  run(x: tf.Tensor, ctx: RunContext, frozenBefore: boolean): tf.Tensor2D {
    const [b, , d] = x.shape as [number, number, number];
    // LayerNorm is per token, so normalising the class token alone equals torchvision's ln-then-slice.
    const cls = maybeWithoutTape(frozenBefore, () => norm(tf.reshape(tf.slice(x, [0, 0, 0], [b, 1, d]), [b, d]), this.ln));
    return runDense(this.dense, cls, ctx) as tf.Tensor2D;
  }
  classifierInputShape(shape: number[]): number[] {
    return [shape[0]!, shape[2]!];
  }
  params(): ModelParam[] {
    return lnParams(this.ln);
  }
}
