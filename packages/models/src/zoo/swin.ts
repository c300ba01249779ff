// Swin Transformer in torchvision 0.14's layout and state-dict names (`torchvision.models.swin_t`,
// `SwinTransformer`): patch embedding `features.0` (conv, permute, LayerNorm), stages
// `features.{1,3,5,…}` of blocks (norm1 → shifted window attention `attn.{qkv,proj}` with
// `attn.relative_position_bias_table` → residual; norm2 → MLP `mlp.{0,3}` with exact GELU →
// residual), patch merging `features.{2,4,…}` (`norm`, then `reduction` without bias) between
// stages, the final `norm`, average pooling over H and W, and `head`. Features stay NHWC
// `[B, H, W, C]` as in torchvision; the MLP runs on tokens `[B, H·W, C]` (what ASI compresses,
// docs/method.md §7). The window arithmetic (padding, shift, masks, relative positions) is in
// swin-windows.ts. Stochastic depth and dropout are off (inference and fine-tuning as in the paper).
import { ArgumentError, SeededRandom, ShapeError, tf, withoutTape } from '@odl/backend';
import { attention, denseGeometry } from '@odl/core';
import { allFrozen, type Block, type Head, type SpecSink } from './blocks';
import { convGeometry } from './geometry';
import { checkBatchNormEpsilon, makeConv, makeDense, makeLayerNorm, normalTensor, variableFrom } from './init';
import { ZooModel } from './model';
import { globalAvgPool, maybeWithoutTape, needsInputGradient, residualAdd, runConv, runDense, type RunContext } from './ops';
import {
  isShifted, patchMergingGather, relativePositionBias, relativePositionIndex, roll, shiftMask, windowPartition, windowPlan, windowReverse,
  type WindowPlan, type WindowSize,
} from './swin-windows';
import { lnParams, mlpResidual, norm } from './transformer';
import type { ConvLayer, DenseLayer, LayerNormParams, ModelParam, SwinConfig, ZooOptions } from './types';

/**
 * Swin's patch embedding (`features.0`): a `p×p` convolution with stride `p` and bias
 * (`features.0.0`), then LayerNorm over channels (`features.0.2`); NHWC in and out.
 */
export class SwinPatchEmbedding implements Block {
  readonly layers: readonly ConvLayer[];
  constructor(
    readonly conv: ConvLayer,
    readonly norm: LayerNormParams,
  ) {
    this.layers = [conv];
  }
  run(x: tf.Tensor, ctx: RunContext): tf.Tensor {
    const [, h, w] = x.shape;
    const [p] = this.conv.kernelSize;
    if (h! < p || w! < p) {
      throw new ShapeError(`swin: the input is ${h}×${w} pixels, smaller than one ${p}×${p} patch; use images of at least ${p}×${p} pixels`);
    }
    const y = runConv(this.conv, x as tf.Tensor4D, ctx);
    return maybeWithoutTape(allFrozen(this.layers, ctx), () => norm(y, this.norm));
  }
  trace(shape: number[], sink: SpecSink): number[] {
    const g = convGeometry(this.conv, shape);
    sink(this.conv, g, 'patch-embedding');
    return g.outputShape;
  }
  params(): ModelParam[] {
    return lnParams(this.norm);
  }
}

/** The attention part of a Swin block: its linears and relative position bias table. */
export interface SwinAttentionParams {
  /** `<block>.attn.qkv`: `[C, 3C]` with bias (q, k, v stacked along the outputs, heads inside each). */
  qkv: DenseLayer;
  /** `<block>.attn.proj`: `[C, C]` with bias. */
  proj: DenseLayer;
  /** `<block>.attn.relative_position_bias_table`: `[(2w−1)², heads]`. */
  table: tf.Variable;
  /** Attention heads. */
  heads: number;
}

/**
 * One Swin Transformer block (torchvision `SwinTransformerBlock`, `features.<stage>.<i>`):
 * `x + attn(norm1(x))` with (shifted) window attention, then `x + mlp(norm2(x))` with the MLP
 * `mlp.0` → GELU → `mlp.3` on tokens. "The last N layers" counts `mlp.0` and `mlp.3`.
 */
export class SwinBlock implements Block {
  readonly layers: readonly DenseLayer[];
  private readonly index: Int32Array;
  private readonly masks = new Map<string, Float32Array>();

  /**
   * @param name - module path, e.g. `'features.1.0'`.
   * @param window - the window `[wh, ww]` in tokens.
   * @param shift - the block's shift (`[0, 0]`, or half the window in odd blocks).
   */
  constructor(
    readonly name: string,
    readonly norm1: LayerNormParams,
    readonly attn: SwinAttentionParams,
    readonly norm2: LayerNormParams,
    readonly mlp0: DenseLayer,
    readonly mlp3: DenseLayer,
    readonly window: WindowSize,
    readonly shift: [number, number],
  ) {
    this.layers = [attn.qkv, attn.proj, mlp0, mlp3];
    this.index = relativePositionIndex(window);
  }

  run(x: tf.Tensor, ctx: RunContext): tf.Tensor {
    const [b, h, w, c] = x.shape as [number, number, number, number];
    const attended = this.attentionResidual(x as tf.Tensor4D, ctx);
    // The MLP on tokens [B, H·W, C] (the ViT's, see transformer.ts).
    const out = mlpResidual(tf.reshape(attended, [b, h * w, c]), this.norm2, this.mlp0, this.mlp3, ctx);
    return tf.reshape(out, [b, h, w, c]);
  }

  /**
   * `x + attn(norm1(x))`: shifted window multi-head self-attention on NHWC features (torchvision
   * 0.14's `shifted_window_attention`). What feeds only a layer that needs no input gradient runs
   * off the gradient tape.
   */
  private attentionResidual(x: tf.Tensor4D, ctx: RunContext): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    const plan = windowPlan(h, w, this.window, this.shift);
    const { heads, qkv, proj } = this.attn;
    const d = c / heads;
    const n = plan.tokens;
    const windows = maybeWithoutTape(!needsInputGradient(qkv, ctx), () => {
      let y = norm(x, this.norm1) as tf.Tensor4D;
      if (plan.padBottom || plan.padRight) y = tf.pad(y, [[0, 0], [0, plan.padBottom], [0, plan.padRight], [0, 0]]);
      if (isShifted(plan)) y = roll(y, -plan.shift[0], -plan.shift[1]);
      return windowPartition(y, this.window); // [B·nW, N, C]
    });
    const qkvOut = runDense(qkv, windows, ctx); // [B·nW, N, 3C]
    const merged = maybeWithoutTape(!needsInputGradient(proj, ctx), () => {
      // [B·nW, N, 3, heads, d] → q, k, v [B·nW, heads, N, d]; the relative position bias
      // [1, heads, N, N] is the same in every window, the shift mask [nW, N, N] the same in every image.
      const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(qkvOut, [b * plan.windows, n, 3, heads, d]), [2, 0, 3, 1, 4])) as tf.Tensor4D[];
      const windowMask = isShifted(plan) ? tf.tensor3d(this.maskOf(plan), [plan.windows, n, n]) : undefined;
      const o = attention(q!, k!, v!, { scale: 1 / Math.sqrt(d), bias: this.bias(n, ctx), windowMask });
      return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [b * plan.windows, n, c]);
    });
    const projected = runDense(proj, merged, ctx) as tf.Tensor3D;
    return maybeWithoutTape(allFrozen([qkv, proj], ctx), () => {
      let z = windowReverse(projected, this.window, b, plan.paddedHeight, plan.paddedWidth);
      if (isShifted(plan)) z = roll(z, plan.shift[0], plan.shift[1]);
      if (plan.padBottom || plan.padRight) z = tf.slice(z, [0, 0, 0, 0], [b, h, w, c]);
      return residualAdd(x, z);
    });
  }

  /**
   * The relative position bias of every head `[1, heads, N, N]`, gathered from the table. The
   * table trains only with the attention (training from scratch); otherwise the bias is a
   * constant, made off the tape.
   */
  private bias(tokens: number, ctx: RunContext): tf.Tensor4D {
    const make = () => tf.expandDims(relativePositionBias(this.attn.table as tf.Tensor2D, tf.tensor1d(this.index, 'int32'), tokens), 0) as tf.Tensor4D;
    return ctx.runtime(this.attn.qkv.name).mode === 'plain' ? tf.tidy(make) : withoutTape(() => tf.tidy(make));
  }

  private maskOf(plan: WindowPlan): Float32Array {
    const key = `${plan.paddedHeight}×${plan.paddedWidth}`;
    let mask = this.masks.get(key);
    if (mask == null) {
      mask = shiftMask(plan);
      this.masks.set(key, mask);
    }
    return mask;
  }

  trace(shape: number[], sink: SpecSink): number[] {
    const [b, h, w, c] = shape as [number, number, number, number];
    const plan = windowPlan(h, w, this.window, this.shift);
    const windows = [b * plan.windows, plan.tokens, c];
    sink(this.attn.qkv, denseGeometry(windows, this.attn.qkv.weight.shape), 'attention');
    sink(this.attn.proj, denseGeometry(windows, this.attn.proj.weight.shape), 'attention');
    sink(this.mlp0, denseGeometry([b, h * w, c], this.mlp0.weight.shape), 'mlp');
    sink(this.mlp3, denseGeometry([b, h * w, this.mlp0.outFeatures], this.mlp3.weight.shape), 'mlp');
    return shape;
  }

  params(): ModelParam[] {
    return [...lnParams(this.norm1), { name: `${this.name}.attn.relative_position_bias_table`, variable: this.attn.table }, ...lnParams(this.norm2)];
  }
}

/**
 * Swin's patch merging (torchvision 0.14 `PatchMerging`, `features.<2k>`): the 2×2 neighbours
 * concatenated along channels (x0, x1, x2, x3; odd sizes zero-padded), LayerNorm over the 4C
 * channels (`norm`), then `reduction` (4C → 2C, no bias). `[B, H, W, C]` → `[B, ⌈H/2⌉, ⌈W/2⌉, 2C]`.
 */
export class SwinPatchMerging implements Block {
  readonly layers: readonly DenseLayer[];
  constructor(
    readonly norm: LayerNormParams,
    readonly reduction: DenseLayer,
  ) {
    this.layers = [reduction];
  }
  run(x: tf.Tensor, ctx: RunContext): tf.Tensor {
    const gathered = maybeWithoutTape(!needsInputGradient(this.reduction, ctx), () => norm(patchMergingGather(x as tf.Tensor4D), this.norm));
    return runDense(this.reduction, gathered, ctx);
  }
  trace(shape: number[], sink: SpecSink): number[] {
    const [b, h, w, c] = shape as [number, number, number, number];
    const out = [b, Math.ceil(h / 2), Math.ceil(w / 2), 4 * c];
    sink(this.reduction, denseGeometry(out, this.reduction.weight.shape), 'patch-merging');
    return [...out.slice(0, 3), this.reduction.outFeatures];
  }
  params(): ModelParam[] {
    return lnParams(this.norm);
  }
}

/** Swin's head: the final LayerNorm (`norm`), average pooling over H and W, then `head`. */
export class SwinHead implements Head {
  constructor(
    readonly norm: LayerNormParams,
    public dense: DenseLayer,
  ) {}
  run(x: tf.Tensor, ctx: RunContext, frozenBefore: boolean): tf.Tensor2D {
    const pooled = maybeWithoutTape(frozenBefore, () => globalAvgPool(norm(x, this.norm) as tf.Tensor4D));
    return runDense(this.dense, pooled, ctx) as tf.Tensor2D;
  }
  classifierInputShape(shape: number[]): number[] {
    return [shape[0]!, shape[3]!];
  }
  params(): ModelParam[] {
    return lnParams(this.norm);
  }
}

/**
 * Number of scalar parameters of a Swin Transformer (what `model.parameterCount()` gives, from
 * the sizes alone; the checkpoint loader bounds a stored config with it). The relative position
 * index buffers are not parameters.
 *
 * @example
 * ```ts
 * swinParameterCount(SWIN_T, 3, 1000); // 28288354 (torchvision's swin_t)
 * ```
 */
export function swinParameterCount(config: SwinConfig, inputChannels: number, numClasses: number): number {
  const { patchSize: p, embedDim: e, windowSize: w } = config;
  let n = e * inputChannels * p * p + e + 2 * e;
  let dim = e;
  config.depths.forEach((depth, s) => {
    const hidden = Math.floor(dim * config.mlpRatio);
    const block = 4 * dim + (3 * dim * dim + 3 * dim) + (dim * dim + dim) + (2 * w - 1) ** 2 * config.numHeads[s]! + (dim * hidden + hidden) + (hidden * dim + dim);
    n += depth * block;
    if (s < config.depths.length - 1) {
      n += 8 * dim + 8 * dim * dim; // patch merging: LayerNorm over 4·dim, reduction 4·dim → 2·dim
      dim *= 2;
    }
  });
  return n + 2 * dim + dim * numClasses + numClasses;
}

/** A relative position bias table `[(2wh−1)(2ww−1), heads]`, normal with std 0.02 as torchvision's (zeros without a generator). */
export function makeBiasTable(window: WindowSize, heads: number, rng: SeededRandom | null): tf.Tensor {
  return normalTensor([(2 * window[0] - 1) * (2 * window[1] - 1), heads], 0.02, rng);
}

/** torchvision `swin_t`'s sizes: patch 4, embedding 96, depths [2, 2, 6, 2], heads [3, 6, 12, 24], window 7, MLP ratio 4, LayerNorm ε 1e-5. */
export const SWIN_T: Readonly<SwinConfig> = Object.freeze({ patchSize: 4, embedDim: 96, depths: [2, 2, 6, 2], numHeads: [3, 6, 12, 24], windowSize: 7, mlpRatio: 4, layerNormEpsilon: 1e-5 });

/** The default of `createModel('swin')`: a small Swin (embedding 16, depths [2, 2], heads [2, 4], window 4) for 32×32-pixel images. */
export const SWIN_SMALL: Readonly<SwinConfig> = Object.freeze({ patchSize: 4, embedDim: 16, depths: [2, 2], numHeads: [2, 4], windowSize: 4, mlpRatio: 4, layerNormEpsilon: 1e-5 });

const positiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** Checks a complete Swin configuration and returns a copy; throws an ArgumentError naming the field and the fix. */
export function checkSwinConfig(where: string, config: SwinConfig): SwinConfig {
  const fail = (what: string) => {
    throw new ArgumentError(`${where}: ${what}`);
  };
  for (const key of ['patchSize', 'embedDim', 'windowSize'] as const) if (!positiveInteger(config[key])) fail(`swin.${key} must be a positive integer, got ${String(config[key])}`);
  const { depths, numHeads } = config;
  if (!Array.isArray(depths) || depths.length < 1 || !depths.every(positiveInteger)) fail(`swin.depths must be a non-empty list of positive integers (blocks per stage), got ${JSON.stringify(depths)}`);
  if (!Array.isArray(numHeads) || numHeads.length !== depths.length || !numHeads.every(positiveInteger)) {
    fail(`swin.numHeads must list one positive integer per stage (${depths.length} stages), got ${JSON.stringify(numHeads)}`);
  }
  numHeads.forEach((heads, i) => {
    const dim = config.embedDim * 2 ** i;
    if (dim % heads !== 0) fail(`stage ${i} has ${dim} channels (embedDim·2^${i}), not a multiple of its ${heads} heads; change embedDim or numHeads`);
  });
  if (typeof config.mlpRatio !== 'number' || !(config.mlpRatio > 0) || !Number.isFinite(config.mlpRatio)) fail(`swin.mlpRatio must be a finite number > 0, got ${String(config.mlpRatio)}`);
  if (Math.floor(config.embedDim * config.mlpRatio) < 1) fail(`swin.mlpRatio ${config.mlpRatio} leaves the MLP without hidden units at embedDim ${config.embedDim}`);
  if (typeof config.layerNormEpsilon !== 'number' || !(config.layerNormEpsilon > 0) || !Number.isFinite(config.layerNormEpsilon)) {
    fail(`swin.layerNormEpsilon must be a finite number > 0 (torchvision's 1e-5), got ${String(config.layerNormEpsilon)}`);
  }
  return { ...config, depths: [...depths], numHeads: [...numHeads] };
}

function swin(architecture: 'swin-t' | 'swin', defaults: SwinConfig, options: ZooOptions): ZooModel {
  const inputChannels = options.inputChannels ?? 3;
  const numClasses = options.numClasses ?? 10;
  const seed = options.seed ?? 0;
  if (!positiveInteger(inputChannels)) throw new ArgumentError(`${architecture}: inputChannels must be a positive integer, got ${String(inputChannels)}`);
  if (!positiveInteger(numClasses)) throw new ArgumentError(`${architecture}: numClasses must be a positive integer, got ${String(numClasses)}`);
  if ((options.widthMultiplier ?? 1) !== 1) throw new ArgumentError(`${architecture}: widthMultiplier applies to mobilenetv2 only; size a Swin Transformer with options.swin`);
  const config = checkSwinConfig(architecture, { ...defaults, ...options.swin });
  // A Swin Transformer has no BatchNorm; the ε is kept in the config like every zoo model's.
  const batchNormEpsilon = checkBatchNormEpsilon(architecture, options.batchNormEpsilon);
  const rng = options.init === 'zeros' ? null : new SeededRandom(seed);
  const eps = config.layerNormEpsilon;
  const p = config.patchSize;
  const window: WindowSize = [config.windowSize, config.windowSize];
  const conv = { ...makeConv({ name: 'features.0.0', bnName: null, inChannels: inputChannels, outChannels: config.embedDim, kernel: p, stride: p, activation: 'none', bias: true }, rng, batchNormEpsilon), pad: [[0, 0], [0, 0]] as ConvLayer['pad'] };
  const blocks: Block[] = [new SwinPatchEmbedding(conv, makeLayerNorm('features.0.2', config.embedDim, eps))];
  let dim = config.embedDim;
  config.depths.forEach((depth, stage) => {
    const heads = config.numHeads[stage]!;
    const hidden = Math.floor(dim * config.mlpRatio);
    for (let i = 0; i < depth; i++) {
      const n = `features.${2 * stage + 1}.${i}`;
      const attn: SwinAttentionParams = {
        qkv: makeDense(`${n}.attn.qkv`, dim, 3 * dim, rng),
        proj: makeDense(`${n}.attn.proj`, dim, dim, rng),
        table: variableFrom(makeBiasTable(window, heads, rng), true),
        heads,
      };
      const shift: [number, number] = i % 2 === 0 ? [0, 0] : [Math.floor(window[0] / 2), Math.floor(window[1] / 2)];
      blocks.push(
        new SwinBlock(n, makeLayerNorm(`${n}.norm1`, dim, eps), attn, makeLayerNorm(`${n}.norm2`, dim, eps), makeDense(`${n}.mlp.0`, dim, hidden, rng), makeDense(`${n}.mlp.3`, hidden, dim, rng), window, shift),
      );
    }
    if (stage < config.depths.length - 1) {
      const m = `features.${2 * stage + 2}`;
      blocks.push(new SwinPatchMerging(makeLayerNorm(`${m}.norm`, 4 * dim, eps), makeDense(`${m}.reduction`, 4 * dim, 2 * dim, rng, false)));
      dim *= 2;
    }
  });
  const head = new SwinHead(makeLayerNorm('norm', dim, eps), makeDense('head', dim, numClasses, rng));
  return new ZooModel({ architecture, inputChannels, numClasses, widthMultiplier: 1, seed, batchNormEpsilon, swin: config }, blocks, head);
}

/**
 * Swin-T in torchvision's `swin_t` layout and state-dict names ({@link SWIN_T}'s sizes; fields
 * of `options.swin` override them), seeded initialisation. Takes NHWC images of any size of at
 * least one 4×4 patch (torchvision pads feature maps to whole windows); 224×224 as trained on
 * ImageNet. Its weights import by name with `loadTorchWeights` / `createModelFromTorch`.
 *
 * @example
 * ```ts
 * const model = swinT({ numClasses: 1000, init: 'zeros' });
 * await loadTorchWeights(model, './swin_t.pth'); // torchvision's Swin_T_Weights state dict
 * const logits = model.forward(images);          // images: [B, 224, 224, 3]
 * ```
 */
export function swinT(options: ZooOptions = {}): ZooModel {
  return swin('swin-t', SWIN_T, options);
}

/**
 * A Swin Transformer of any size in torchvision's `SwinTransformer` layout and names
 * ({@link SWIN_SMALL} unless `options.swin` says otherwise).
 *
 * @example
 * ```ts
 * const model = swinTransformer({ inputChannels: 1, numClasses: 5, swin: { embedDim: 24, depths: [2, 2], numHeads: [2, 4], windowSize: 4 } });
 * model.forward(tf.zeros([2, 32, 32, 1])); // [2, 5]
 * ```
 */
export function swinTransformer(options: ZooOptions = {}): ZooModel {
  return swin('swin', SWIN_SMALL, options);
}

/**
 * The Swin configuration of a torchvision `SwinTransformer` state dict, from its tensor shapes:
 * patch size and embedding from `features.0.0.weight`, blocks per stage from the
 * `features.<2s+1>.<i>.norm1.weight` present, heads and window from each stage's first
 * `relative_position_bias_table` (`[(2w−1)², heads]`), the MLP ratio from `features.1.0.mlp.0.weight`.
 * The LayerNorm ε, which a state dict does not store, is torchvision's 1e-5. Returns `null` for a
 * file without Swin's names; throws an ArgumentError for inconsistent shapes.
 *
 * @example
 * ```ts
 * const { tensors } = await readTorchStateDict('swin_t.pth');
 * swinConfigFromShapes(new Map([...tensors].map(([k, t]) => [k, t.shape]))); // SWIN_T
 * ```
 */
export function swinConfigFromShapes(shapes: ReadonlyMap<string, readonly number[]>): SwinConfig | null {
  const stem = shapes.get('features.0.0.weight');
  const firstTable = shapes.get('features.1.0.attn.relative_position_bias_table');
  const mlp = shapes.get('features.1.0.mlp.0.weight');
  if (stem?.length !== 4 || firstTable?.length !== 2 || mlp?.length !== 2) return null;
  const depths: number[] = [];
  const numHeads: number[] = [];
  for (let s = 0; shapes.has(`features.${2 * s + 1}.0.norm1.weight`); s++) {
    let n = 0;
    while (shapes.has(`features.${2 * s + 1}.${n}.norm1.weight`)) n++;
    depths.push(n);
    numHeads.push(shapes.get(`features.${2 * s + 1}.0.attn.relative_position_bias_table`)?.[1] ?? 0);
  }
  const windowSize = (Math.sqrt(firstTable[0]!) + 1) / 2;
  if (!Number.isInteger(windowSize)) throw new ArgumentError(`features.1.0.attn.relative_position_bias_table has ${firstTable[0]} rows, not (2w − 1)² for a window w; the file is not a torchvision Swin (v1)`);
  return checkSwinConfig('swinConfigFromShapes', {
    patchSize: stem[2]!,
    embedDim: stem[0]!,
    depths,
    numHeads,
    windowSize,
    mlpRatio: mlp[0]! / stem[0]!,
    layerNormEpsilon: 1e-5,
  });
}
