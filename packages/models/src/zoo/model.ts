import { ArgumentError, SeededRandom, ShapeError, tf } from '@odl/backend';
import { denseGeometry } from '@odl/core';
import type { Block, Head } from './blocks';
import { checkBatchNormEpsilon, makeDense } from './init';
import { layerParamName } from './names';
import type { RunContext } from './ops';
import type {
  ArchitectureName,
  BatchNormMode,
  ConvLayer,
  DenseLayer,
  ForwardOptions,
  LayerRole,
  LayerRuntime,
  ModelLayerSpec,
  ModelParam,
  ParamLayer,
  SwinConfig,
  VitConfig,
} from './types';

/** Construction record of a model: enough to rebuild the same architecture. */
export interface ModelConfig {
  /** Architecture name. */
  architecture: ArchitectureName;
  /** Input channels. */
  inputChannels: number;
  /** Classifier outputs. */
  numClasses: number;
  /** MobileNetV2 width multiplier (1 for the others). */
  widthMultiplier: number;
  /** Initialisation seed. */
  seed: number;
  /** ε of every BatchNorm (1e-5, PyTorch's default, unless the model was built or imported with another). */
  batchNormEpsilon: number;
  /** Vision transformers only: their sizes (what rebuilds the architecture); absent for CNNs. */
  vit?: VitConfig;
  /** Swin Transformers only: their sizes (what rebuilds the architecture). */
  swin?: SwinConfig;
}

/** Roles whose layers "the last N layers" counts (docs/method.md §7): CNN convolutions and transformer MLP linears. */
const COMPRESSIBLE_ROLES: ReadonlySet<LayerRole> = new Set(['conv', 'mlp']);

const PLAIN: LayerRuntime = { mode: 'plain' };

/**
 * A classification network of the zoo: a stack of blocks and a head ending in a dense classifier
 * (a CNN: global average pooling then the classifier; a ViT: the class token after the encoder's
 * final LayerNorm, then the classifier). Features between blocks may have any rank (NHWC for a
 * CNN, tokens `[B, N, D]` for a transformer). Weights are `tf.Variable`s, named by
 * torchvision-style module paths.
 *
 * @example
 * ```ts
 * const model = createModel('mcunet-in1', { inputChannels: 1, numClasses: 5 });
 * const logits = model.forward(tf.zeros([2, 32, 32, 1]));      // [2, 5]
 * console.log(model.layerSpecs([2, 32, 32, 1]).length);          // 43 (42 convs + classifier)
 * ```
 */
export class ZooModel {
  /** Per-layer run-time modes (set by `prepareFineTune`); absent layers run `'plain'`. */
  readonly runtime = new Map<string, LayerRuntime>();
  /** How BatchNorm behaves in training passes (set by `prepareFineTune`); `'trained'` for a fresh model. */
  batchNorm: BatchNormMode = 'trained';
  /** The head: what turns the last block's features into logits, ending in `classifier`. */
  readonly head: Head;

  /**
   * @param config - how the model was built.
   * @param blocks - the feature extractor, in order.
   * @param head - the head (`new PoolDenseHead(classifier)` for a CNN).
   */
  constructor(
    readonly config: ModelConfig,
    readonly blocks: Block[],
    head: Head,
  ) {
    this.head = head;
    const seen = new Set<string>();
    for (const l of this.layers()) {
      if (seen.has(l.name)) throw new ArgumentError(`ZooModel: duplicate layer name '${l.name}'`);
      seen.add(l.name);
    }
    const names = new Set<string>();
    for (const name of this.namedWeightList().map(([n]) => n)) {
      if (names.has(name)) throw new ArgumentError(`ZooModel: duplicate weight name '${name}'`);
      names.add(name);
    }
  }

  /** The dense classifier. */
  get classifier(): DenseLayer {
    return this.head.dense;
  }

  /** Every conv/dense layer in model order (what "the last N layers" counts). */
  layers(): ParamLayer[] {
    return [...this.blocks.flatMap((b) => b.layers), this.head.dense];
  }

  /** Conv layers only, in model order. */
  convLayers(): ConvLayer[] {
    return this.blocks.flatMap((b) => b.layers).filter((l): l is ConvLayer => l.type === 'conv');
  }

  /**
   * Weights outside the conv/dense layers (LayerNorm γ/β, a ViT's class token and position
   * embedding), in model order, under their torchvision names; none for a CNN.
   */
  params(): ModelParam[] {
    return [...this.blocks.flatMap((b) => b.params?.() ?? []), ...(this.head.params?.() ?? [])];
  }

  private namedWeightList(): [string, tf.Variable][] {
    const out: [string, tf.Variable][] = [];
    const layer = (l: ParamLayer) => {
      out.push([layerParamName(l, 'weight'), l.weight]);
      if (l.bias) out.push([layerParamName(l, 'bias'), l.bias]);
      if (l.type === 'conv' && l.bn) {
        out.push([`${l.bn.name}.weight`, l.bn.gamma], [`${l.bn.name}.bias`, l.bn.beta]);
        out.push([`${l.bn.name}.running_mean`, l.bn.movingMean], [`${l.bn.name}.running_var`, l.bn.movingVariance]);
      }
    };
    for (const b of this.blocks) {
      for (const p of b.params?.() ?? []) out.push([p.name, p.variable]);
      b.layers.forEach(layer);
    }
    for (const p of this.head.params?.() ?? []) out.push([p.name, p.variable]);
    layer(this.head.dense);
    return out;
  }

  /**
   * Every weight of the model by name (torchvision names): `<layer>.weight`, `<layer>.bias` (or
   * the layer's `paramNames`, e.g. `<attention>.in_proj_weight`), for BatchNorm `<bn>.weight`,
   * `<bn>.bias`, `<bn>.running_mean`, `<bn>.running_var`, and the weights outside the layers
   * ({@link ZooModel.params}: `<ln>.weight`, `class_token`, `encoder.pos_embedding`, …). The
   * classifier's weight and bias come last.
   */
  namedWeights(): Map<string, tf.Variable> {
    return new Map(this.namedWeightList());
  }

  /**
   * The variables that gradients update, by name: the weight (or, for a layer whose weight a
   * method re-parameterises, that method's variables, `<layer>.<name>`) and bias of every layer
   * that trains (not `'frozen'` nor `'frozen-on-tape'`), and their BatchNorm γ and β unless
   * BatchNorm is `'frozen'`. The weights outside the layers ({@link ZooModel.params}) train only
   * while the model is not prepared for fine-tuning (no layer has a run-time mode: training from
   * scratch); fine-tuning keeps them frozen (docs/method.md §7).
   */
  trainableWeights(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    if (this.runtime.size === 0) for (const p of this.params()) m.set(p.name, p.variable);
    for (const l of this.layers()) {
      const mode = this.modeOf(l.name);
      if (mode === 'frozen' || mode === 'frozen-on-tape') continue;
      const weights = this.runtime.get(l.name)?.weights;
      if (weights != null) for (const [k, v] of Object.entries(weights.trainable)) m.set(`${l.name}.${k}`, v);
      else m.set(layerParamName(l, 'weight'), l.weight);
      if (l.bias) m.set(layerParamName(l, 'bias'), l.bias);
      if (l.type === 'conv' && l.bn && this.batchNorm !== 'frozen') {
        m.set(`${l.bn.name}.weight`, l.bn.gamma);
        m.set(`${l.bn.name}.bias`, l.bn.beta);
      }
    }
    return m;
  }

  /** Run-time mode of a layer. */
  modeOf(name: string): LayerRuntime['mode'] {
    return (this.runtime.get(name) ?? PLAIN).mode;
  }

  /**
   * Logits `[B, numClasses]` of an NHWC batch `[B, H, W, inputChannels]` (or, with `fromBlock`,
   * of the features that block takes: NHWC for a CNN, tokens `[B, N, D]` for a transformer).
   * Frozen layers run off the gradient tape; compressed layers through their compressors.
   */
  forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor2D {
    const from = options.fromBlock ?? 0;
    if (!Number.isInteger(from) || from < 0 || from > this.blocks.length) {
      throw new ArgumentError(`${this.config.architecture}.forward: fromBlock must be an integer in [0, ${this.blocks.length}], got ${String(options.fromBlock)}`);
    }
    if (from > 0) {
      const rank = this.featureRank(from);
      if (x.rank !== rank) throw new ShapeError(`${this.config.architecture}.forward: features for fromBlock must have rank ${rank} (the output of model.frozenFeatures), got [${x.shape.join(', ')}]`);
      return this.runBlocks(x, from, this.blocks.length, options.training ?? false);
    }
    if (x.rank !== 4 || x.shape[3] !== this.config.inputChannels) {
      throw new ShapeError(
        `${this.config.architecture}.forward: expected an NHWC batch [B, H, W, ${this.config.inputChannels}], got [${x.shape.join(', ')}]; ` +
          'convert images to NHWC float32 with the model\'s input channels',
      );
    }
    return this.runBlocks(x, 0, this.blocks.length, options.training ?? false);
  }

  /**
   * Number of leading blocks whose output does not depend on anything trained: every layer in
   * them is frozen and BatchNorm uses its running statistics (so each image's features depend on
   * that image only). Their output can be computed once per image and reused across epochs
   * ({@link ZooModel.frozenFeatures}, `forward(features, { fromBlock })`). 0 when BatchNorm is
   * `'trained'`.
   *
   * @example
   * ```ts
   * prepareFineTune(model, { lastN: 4, inputShape: [32, 32, 32, 1], method: 'asi' });
   * model.frozenPrefixBlocks(); // 14 for MCUNet-in1 (the last block and the classifier train)
   * ```
   */
  frozenPrefixBlocks(): number {
    if (this.batchNorm === 'trained') return 0;
    let n = 0;
    while (n < this.blocks.length && this.blocks[n]!.layers.every((l) => this.modeOf(l.name) === 'frozen')) n++;
    return n;
  }

  /**
   * Output of the first `blocks` blocks for an input batch, off the gradient tape (the features
   * that `forward(features, { fromBlock: blocks })` continues from). Use with
   * `blocks ≤ frozenPrefixBlocks()`; inference mode.
   *
   * @example
   * ```ts
   * const k = model.frozenPrefixBlocks();
   * const features = model.frozenFeatures(x, k);
   * const logits = model.forward(features, { fromBlock: k, training: true });
   * ```
   */
  frozenFeatures(x: tf.Tensor4D, blocks: number): tf.Tensor {
    if (!Number.isInteger(blocks) || blocks < 0 || blocks > this.frozenPrefixBlocks()) {
      throw new ArgumentError(`${this.config.architecture}.frozenFeatures: blocks must be an integer in [0, ${this.frozenPrefixBlocks()}] (the frozen prefix), got ${blocks}`);
    }
    if (x.rank !== 4 || x.shape[3] !== this.config.inputChannels) {
      throw new ShapeError(`${this.config.architecture}.frozenFeatures: expected an NHWC batch [B, H, W, ${this.config.inputChannels}], got [${x.shape.join(', ')}]`);
    }
    const ctx: RunContext = { training: false, batchNorm: this.batchNorm, runtime: (name) => this.runtime.get(name) ?? PLAIN };
    if (blocks === 0) return tf.clone(x);
    // One block's tensors at a time, as in runBlocks: a tidy around the whole prefix would hold
    // every block's intermediates until the end (1.6 GiB for MCUNet-in1 at 224×224, batch 64).
    let y: tf.Tensor = x;
    try {
      for (let i = 0; i < blocks; i++) {
        const prev = y;
        y = tf.tidy(() => this.blocks[i]!.run(prev, ctx));
        if (prev !== x) prev.dispose();
      }
    } catch (e) {
      if (y !== x) y.dispose();
      throw e;
    }
    return y;
  }

  /**
   * Rank of the features block `from` takes (4: NHWC; 3: transformer tokens), from a shape trace
   * of a nominal input (a transformer's own image size, else 224×224).
   */
  private featureRank(from: number): number {
    const size = this.config.vit?.imageSize ?? 224;
    let shape = [1, size, size, this.config.inputChannels];
    for (let i = 0; i < from; i++) shape = this.blocks[i]!.trace(shape, () => {});
    return shape.length;
  }

  private runBlocks(x: tf.Tensor, from: number, to: number, training: boolean): tf.Tensor2D {
    const ctx: RunContext = {
      training,
      batchNorm: this.batchNorm,
      runtime: (name) => this.runtime.get(name) ?? PLAIN,
    };
    let y: tf.Tensor = x;
    for (let i = from; i < to; i++) {
      const block = this.blocks[i]!;
      if (!block.layers.every((l) => this.modeOf(l.name) === 'frozen')) {
        y = block.run(y, ctx);
        continue;
      }
      // A frozen block records nothing on the tape, so its intermediates, and the previous frozen
      // block's output once consumed, are released here: the forward holds one block's tensors,
      // not the whole frozen prefix's (224×224 at batch 128 then fits wasm's 4 GiB heap).
      const prev = y;
      y = tf.tidy(() => block.run(prev, ctx));
      if (prev !== x && prev !== y) prev.dispose();
    }
    const frozenBefore = this.blocks.every((b) => b.layers.every((l) => this.modeOf(l.name) === 'frozen'));
    return this.head.run(y, ctx, frozenBefore);
  }

  /**
   * Every conv/dense layer in model order with its geometry for an input of shape
   * `[B, H, W, C]` (computed analytically, no tensor is created), its role and whether "the last
   * N layers" counts it (a CNN's convolutions, a transformer's MLP linears; docs/method.md §7).
   */
  layerSpecs(inputShape: number[]): ModelLayerSpec[] {
    if (inputShape.length !== 4 || inputShape[3] !== this.config.inputChannels) {
      throw new ShapeError(
        `layerSpecs: expected [B, H, W, ${this.config.inputChannels}], got [${inputShape.join(', ')}]`,
      );
    }
    const specs: ModelLayerSpec[] = [];
    let shape = inputShape;
    for (const b of this.blocks) {
      shape = b.trace(shape, (layer, geometry, role = 'conv') => specs.push({ name: layer.name, index: specs.length, geometry, role, compressible: COMPRESSIBLE_ROLES.has(role) }));
      if (shape.some((d) => !(d >= 1))) {
        throw new ShapeError(`layerSpecs: input ${inputShape[1]}×${inputShape[2]} is too small for ${this.config.architecture}; use a larger resolution`);
      }
    }
    const geometry = denseGeometry(this.head.classifierInputShape(shape), [this.classifier.inFeatures, this.classifier.outFeatures]);
    specs.push({ name: this.classifier.name, index: specs.length, geometry, role: 'classifier', compressible: false });
    return specs;
  }

  /**
   * Replaces the classifier by a freshly initialised one with `numClasses` outputs (seeded).
   * The old classifier's variables are disposed.
   */
  resetClassifier(numClasses: number, seed: number): void {
    const old = this.head.dense;
    const rng = new SeededRandom(seed);
    this.head.dense = makeDense(old.name, old.inFeatures, numClasses, rng);
    this.config.numClasses = numClasses;
    this.runtime.delete(old.name);
    old.weight.dispose();
    old.bias?.dispose();
  }

  /**
   * Sets the ε of every BatchNorm of the model, and `config.batchNormEpsilon` (so checkpoints keep
   * it): what PyTorch weights trained with another ε than the model's need (the MCUNet zoo's 1e-3).
   * Throws an ArgumentError unless `epsilon` is a finite number > 0.
   *
   * @example
   * ```ts
   * model.setBatchNormEpsilon(1e-3);
   * ```
   */
  setBatchNormEpsilon(epsilon: number): void {
    const eps = checkBatchNormEpsilon(`${this.config.architecture}.setBatchNormEpsilon`, epsilon ?? Number.NaN);
    for (const l of this.convLayers()) if (l.bn) l.bn.epsilon = eps;
    this.config.batchNormEpsilon = eps;
  }

  /** Number of scalar parameters (weights, biases, BatchNorm and LayerNorm γ/β, embeddings; running statistics excluded). */
  parameterCount(): number {
    let n = 0;
    for (const [name, v] of this.namedWeights()) if (!/running_(mean|var)$/.test(name)) n += v.size;
    return n;
  }

  /** Disposes every variable, every compressor and every weight parameterisation. */
  dispose(): void {
    for (const rt of this.runtime.values()) {
      rt.compressor?.dispose();
      rt.weights?.dispose();
    }
    this.runtime.clear();
    for (const v of this.namedWeights().values()) v.dispose();
  }
}
