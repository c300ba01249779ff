import { ArgumentError, SeededRandom, tf, type SeededRandomState } from '@odl/backend';
import type { CompressorState } from '@odl/core';
import type { ZooModel } from '../zoo/model';
import { clipByGlobalNorm } from './clip';
import { checkData, makeBatch, type AugmentSpec, type InputSpec, type LabeledImages } from './data';
import { evaluate, type EvalResult } from './evaluate';
import { FrozenFeatureCache } from './feature-cache';
import { crossEntropy } from './loss';
import { Optimizer, type OptimizerConfig, type OptimizerState } from './optimizers';
import { learningRateAt, type ScheduleConfig } from './schedule';


/** Outcome of one {@link Trainer.trainStep}. */
export interface StepResult {
  /** Mean cross-entropy of the batch (nats). */
  loss: number;
  /** Global gradient L2 norm before clipping. */
  gradNorm: number;
}

/** Progress after one training step. */
export interface StepProgress {
  /** Global step just completed (1-based). */
  step: number;
  /** Epoch of the step (0-based). */
  epoch: number;
  /** Step within the epoch (1-based). */
  stepInEpoch: number;
  /** Steps per epoch. */
  stepsPerEpoch: number;
  /** Total steps of the run. */
  totalSteps: number;
  /** Mean cross-entropy of the batch (nats). */
  loss: number;
  /** Learning rate used by the step. */
  learningRate: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Wall time of the step in milliseconds (batch preparation, forward, backward, update). */
  msPerStep: number;
}

/** Summary of one epoch. */
export interface EpochRecord {
  /** Epoch (0-based). */
  epoch: number;
  /** Mean training loss over the epoch's steps (nats). */
  loss: number;
  /** Mean wall time per step in milliseconds. */
  msPerStep: number;
  /** Learning rate of the epoch's last step. */
  learningRate: number;
  /** Evaluation after the epoch, when evaluation data was given. */
  eval?: EvalResult;
}

/** Configuration of a {@link Trainer}. */
export interface TrainerConfig {
  /** Optimizer and peak learning rate. */
  optimizer: OptimizerConfig;
  /** Learning-rate schedule over all steps (default cosine, no warm-up). */
  schedule?: ScheduleConfig;
  /** Number of epochs. */
  epochs: number;
  /** Images per step. */
  batchSize: number;
  /** Seed of data order and augmentation. Default 0. */
  seed?: number;
  /** Clip gradients to this global L2 norm; `null`/absent = no clipping. */
  clipNorm?: number | null;
  /** How images become inputs. */
  input: InputSpec;
  /** Training augmentation. Default none. */
  augment?: AugmentSpec;
  /**
   * Compute the output of the model's frozen leading blocks once per image and train (and
   * evaluate) from it, instead of re-running the frozen network every step (see
   * `FrozenFeatureCache`). Used only when it cannot change results: BatchNorm frozen and no
   * augmentation; skipped when the features would exceed 1 GiB. Default true.
   */
  cacheFrozenFeatures?: boolean;
  /** Drop the last incomplete batch of each epoch (default true: every step has the same shape). */
  dropLast?: boolean;
  /** Called after every step. */
  onStep?: (p: StepProgress) => void;
  /** Called after every epoch. */
  onEpoch?: (r: EpochRecord) => void;
  /**
   * Called inside the gradient scope of every step, after the loss is computed and before the
   * backward pass (the moment to read what the tape keeps, e.g. with @odl/profiler's
   * `savedOnActiveTape`). `step` is the 1-based global step being taken.
   */
  onTape?: (step: number) => void;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Evaluated after every epoch when given. */
  evalData?: LabeledImages;
  /** Stop (resumably) once this many global steps are done. */
  stopAtStep?: number;
}

/** Everything needed to resume a run exactly (besides the model's weights). */
export interface TrainerState {
  /** Global steps done. */
  step: number;
  /** Current epoch (0-based). */
  epoch: number;
  /** Steps done in the current epoch. */
  stepInEpoch: number;
  /** Seed of the current epoch's data order. */
  epochSeed: number;
  /** Sum of the current epoch's step losses so far. */
  epochLossSum: number;
  /** Sum of the current epoch's step times so far (ms). */
  epochMsSum: number;
  /** Generator of per-epoch seeds. */
  orderRng: SeededRandomState;
  /** Generator of augmentation. */
  augmentRng: SeededRandomState;
  /** Optimizer slots and update count (tensors owned by the caller). */
  optimizer: OptimizerState;
  /** Compressor state of each compressed layer, by layer name (`null` when stateless). */
  compressors: Record<string, CompressorState | null>;
  /** Epochs completed so far. */
  history: EpochRecord[];
}

/**
 * Trains the trainable layers of a model (after `prepareFineTune`, or every layer of a fresh
 * model) with SGD or Adam, a warm-up + cosine schedule and optional global-norm clipping.
 * Seeded and deterministic for a given backend; resumable from {@link Trainer.getState}.
 *
 * @example
 * ```ts
 * const trainer = new Trainer(model, {
 *   optimizer: { type: 'sgd', learningRate: 0.05 }, epochs: 2, batchSize: 32, seed: 1,
 *   input: { height: 32, width: 32, channels: 1 }, clipNorm: 2,
 * });
 * const history = await trainer.fit(trainSet, { evalData: testSet });
 * ```
 */
export class Trainer {
  private readonly optimizer: Optimizer;
  private readonly orderRng: SeededRandom;
  private readonly augmentRng: SeededRandom;
  private step = 0;
  private epoch = 0;
  private stepInEpoch = 0;
  private epochSeed = -1;
  private epochLossSum = 0;
  private epochMsSum = 0;
  private lastLr = 0;
  private history: EpochRecord[] = [];

  /**
   * @param model - the model to train (its trainable weights are `model.trainableWeights()`).
   * @param config - optimisation settings.
   */
  constructor(
    readonly model: ZooModel,
    readonly config: TrainerConfig,
  ) {
    if (!Number.isInteger(config.epochs) || config.epochs < 0) throw new ArgumentError(`Trainer: epochs must be a non-negative integer, got ${config.epochs}`);
    if (!Number.isInteger(config.batchSize) || config.batchSize < 1) throw new ArgumentError(`Trainer: batchSize must be a positive integer, got ${config.batchSize}`);
    if (config.clipNorm != null && !(config.clipNorm > 0)) throw new ArgumentError(`Trainer: clipNorm must be > 0, got ${config.clipNorm}`);
    this.optimizer = new Optimizer(config.optimizer);
    const seed = config.seed ?? 0;
    this.orderRng = new SeededRandom(seed).fork('order');
    this.augmentRng = new SeededRandom(seed).fork('augment');
  }

  /** Global steps done so far. */
  get globalStep(): number {
    return this.step;
  }

  /** Steps per epoch for `n` training images. */
  stepsPerEpoch(n: number): number {
    const b = this.config.batchSize;
    return (this.config.dropLast ?? true) ? Math.floor(n / b) : Math.ceil(n / b);
  }

  /**
   * One optimisation step on a prepared batch; returns the batch loss and the gradient norm.
   * Inputs are not disposed. With `fromBlock > 0`, `x` holds the features that block takes
   * (`model.frozenFeatures`), not images.
   */
  trainStep(x: tf.Tensor, y: tf.Tensor1D, learningRate: number, fromBlock = 0): StepResult {
    const weights = this.model.trainableWeights();
    if (weights.size === 0) throw new ArgumentError('Trainer: the model has no trainable weights; call prepareFineTune with lastN >= 1');
    const byVarName = new Map<string, string>();
    for (const [name, v] of weights) byVarName.set(v.name, name);
    const { value, grads } = tf.variableGrads(() => {
      const loss = crossEntropy(this.model.forward(x, { training: true, fromBlock }), y);
      this.config.onTape?.(this.step + 1);
      return loss;
    }, [...weights.values()]);
    const named = new Map<string, tf.Tensor>();
    for (const [vn, g] of Object.entries(grads)) named.set(byVarName.get(vn)!, g);
    let gradNorm: number;
    let toApply = named;
    if (this.config.clipNorm != null) {
      const clipped = clipByGlobalNorm(named, this.config.clipNorm);
      gradNorm = clipped.norm;
      toApply = clipped.grads;
    } else {
      gradNorm = tf.tidy(() => Math.sqrt(tf.addN([...named.values()].map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
    }
    this.optimizer.apply(weights, toApply, learningRate);
    for (const layer of this.model.layers()) this.model.runtime.get(layer.name)?.weights?.afterUpdate?.(layer.weight);
    const loss = value.dataSync()[0];
    tf.dispose([value, ...named.values()]);
    if (toApply !== named) tf.dispose([...toApply.values()]);
    return { loss, gradNorm };
  }

  /**
   * Trains until all epochs are done (or `stopAtStep`), continuing from the current state.
   * Returns the per-epoch history (all epochs so far).
   */
  async fit(data: LabeledImages, options: FitOptions = {}): Promise<EpochRecord[]> {
    const run = this.begin(data, { evalData: options.evalData });
    try {
      while (!run.done && (options.stopAtStep == null || this.step < options.stopAtStep)) await run.next();
      return this.history;
    } finally {
      run.dispose();
    }
  }

  /**
   * Starts (or continues) training on `data` one step at a time: the returned run builds the
   * frozen-feature caches once and takes a step per {@link TrainingRun.next}. Dispose it when done.
   *
   * @example
   * ```ts
   * const run = trainer.begin(trainSet, { evalData: testSet });
   * while (!run.done) { const { progress } = await run.next(); console.log(progress.loss); }
   * run.dispose();
   * ```
   */
  begin(data: LabeledImages, options: { evalData?: LabeledImages } = {}): TrainingRun {
    return new TrainingRun(this, data, options.evalData);
  }

  /** Steps taken, epoch position and losses so far (used by {@link TrainingRun}). @internal */
  advance(data: LabeledImages, perEpoch: number, total: number, cache: FrozenFeatureCache | null): StepProgress {
    const c = this.config;
    const n = data.shape[0];
    if (this.stepInEpoch === 0) {
      this.epochSeed = this.orderRng.nextUint32();
      this.epochLossSum = 0;
      this.epochMsSum = 0;
    }
    const t0 = performance.now();
    const order = new SeededRandom(this.epochSeed).permutation(n);
    const start = this.stepInEpoch * c.batchSize;
    const idx = Array.from(order.subarray(start, Math.min(n, start + c.batchSize)));
    const lr = learningRateAt(this.step, total, c.optimizer.learningRate, c.schedule, perEpoch);
    const { x, y } = cache ? cache.batch(idx) : makeBatch(data, idx, c.input, c.augment, this.augmentRng);
    let res: StepResult;
    try {
      res = this.trainStep(x, y, lr, cache?.blocks ?? 0);
    } finally {
      tf.dispose([x, y]);
    }
    const ms = performance.now() - t0;
    this.step++;
    this.stepInEpoch++;
    this.epochLossSum += res.loss;
    this.epochMsSum += ms;
    this.lastLr = lr;
    const progress: StepProgress = {
      step: this.step, epoch: this.epoch, stepInEpoch: this.stepInEpoch, stepsPerEpoch: perEpoch, totalSteps: total,
      loss: res.loss, learningRate: lr, gradNorm: res.gradNorm, msPerStep: ms,
    };
    c.onStep?.(progress);
    return progress;
  }

  /** Closes the current epoch (after its last step): records it, with evaluation. @internal */
  async closeEpoch(perEpoch: number, evalData: LabeledImages | undefined, evalCache: FrozenFeatureCache | null): Promise<EpochRecord> {
    const record: EpochRecord = {
      epoch: this.epoch, loss: this.epochLossSum / perEpoch, msPerStep: this.epochMsSum / perEpoch, learningRate: this.lastLr,
    };
    if (evalData) record.eval = await evaluate(this.model, evalData, this.config.input, 256, evalCache);
    this.history.push(record);
    this.config.onEpoch?.(record);
    this.epoch++;
    this.stepInEpoch = 0;
    return record;
  }

  /** Epochs completed, with their records (a copy). */
  get epochs(): EpochRecord[] {
    return this.history.map((h) => ({ ...h }));
  }

  /** True once every configured epoch is done. */
  get finished(): boolean {
    return this.epoch >= this.config.epochs;
  }

  /** Evaluates the model on `data` with this trainer's input spec. */
  evaluate(data: LabeledImages, batchSize = 256): Promise<EvalResult> {
    return evaluate(this.model, data, this.config.input, batchSize);
  }

  /** Everything needed to resume (tensors are copies owned by the caller). */
  getState(): TrainerState {
    const compressors: Record<string, CompressorState | null> = {};
    for (const [name, rt] of this.model.runtime) if (rt.compressor) compressors[name] = rt.compressor.getState();
    return {
      step: this.step, epoch: this.epoch, stepInEpoch: this.stepInEpoch, epochSeed: this.epochSeed,
      epochLossSum: this.epochLossSum, epochMsSum: this.epochMsSum,
      orderRng: this.orderRng.getState(), augmentRng: this.augmentRng.getState(),
      optimizer: this.optimizer.getState(), compressors, history: this.history.map((h) => ({ ...h })),
    };
  }

  /** Restores a state from {@link Trainer.getState} (tensors are copied). */
  setState(state: TrainerState): void {
    this.step = state.step;
    this.epoch = state.epoch;
    this.stepInEpoch = state.stepInEpoch;
    this.epochSeed = state.epochSeed;
    this.epochLossSum = state.epochLossSum;
    this.epochMsSum = state.epochMsSum;
    this.orderRng.setState(state.orderRng);
    this.augmentRng.setState(state.augmentRng);
    this.optimizer.setState(state.optimizer);
    this.history = state.history.map((h) => ({ ...h }));
    for (const [name, cs] of Object.entries(state.compressors)) {
      const rt = this.model.runtime.get(name);
      if (!rt?.compressor) throw new ArgumentError(`Trainer.setState: the state has compressor state for '${name}', which is not a compressed layer of this model; prepare the model the same way before resuming`);
      if (cs) rt.compressor.setState(cs);
    }
  }

  /** Releases the tensors of a state from {@link Trainer.getState} or a loaded checkpoint. */
  static disposeState(state: TrainerState): void {
    tf.dispose(Object.values(state.optimizer.slots));
    for (const cs of Object.values(state.compressors)) if (cs) tf.dispose(Object.values(cs.tensors));
  }

  /** Releases the optimizer's slots. */
  dispose(): void {
    this.optimizer.dispose();
  }
}

/** What {@link TrainingRun.next} did. */
export interface StepOutcome {
  /** The step just taken. */
  progress: StepProgress;
  /** The epoch that step closed (with its evaluation), if it was the epoch's last step. */
  epoch?: EpochRecord;
}

/**
 * A trainer's run over one dataset, one step at a time ({@link Trainer.begin}): the output of the
 * model's frozen leading blocks is computed once per image (when BatchNorm uses running
 * statistics and there is no augmentation, see `FrozenFeatureCache`) and reused by every step and
 * evaluation. Holds tensors until {@link TrainingRun.dispose}.
 *
 * @example
 * ```ts
 * const run = trainer.begin(trainSet, { evalData: testSet });
 * while (!run.done) await run.next();
 * run.dispose();
 * ```
 */
export class TrainingRun {
  /** Steps per epoch. */
  readonly stepsPerEpoch: number;
  /** Steps of the whole run (all epochs). */
  readonly totalSteps: number;
  private readonly trainCache: FrozenFeatureCache | null;
  private readonly evalCache: FrozenFeatureCache | null;

  /** @internal use {@link Trainer.begin} */
  constructor(
    private readonly trainer: Trainer,
    private readonly data: LabeledImages,
    private readonly evalData: LabeledImages | undefined,
  ) {
    const c = trainer.config;
    checkData(data, c.input, 'Trainer.fit');
    if (evalData) checkData(evalData, c.input, 'Trainer.fit (evalData)');
    const n = data.shape[0];
    this.stepsPerEpoch = trainer.stepsPerEpoch(n);
    if (this.stepsPerEpoch === 0) throw new ArgumentError(`Trainer.fit: ${n} images give no full batch of ${c.batchSize}; lower batchSize or set dropLast: false`);
    this.totalSteps = this.stepsPerEpoch * c.epochs;
    const blocks = (c.cacheFrozenFeatures ?? true) && c.augment == null && !trainer.finished ? trainer.model.frozenPrefixBlocks() : 0;
    this.trainCache = blocks > 0 ? FrozenFeatureCache.build(trainer.model, data, c.input, blocks) : null;
    try {
      this.evalCache = this.trainCache && evalData ? FrozenFeatureCache.build(trainer.model, evalData, c.input, blocks) : null;
    } catch (e) {
      this.trainCache?.dispose();
      throw e;
    }
  }

  /** True once every epoch is done. */
  get done(): boolean {
    return this.trainer.finished;
  }

  /** Takes one step; when it ends an epoch, records the epoch (evaluating `evalData`). */
  async next(): Promise<StepOutcome> {
    if (this.done) throw new ArgumentError('TrainingRun.next: every epoch is done');
    const progress = this.trainer.advance(this.data, this.stepsPerEpoch, this.totalSteps, this.trainCache);
    if (progress.step % 8 === 0) await new Promise((r) => setTimeout(r, 0));
    if (progress.stepInEpoch < this.stepsPerEpoch) return { progress };
    return { progress, epoch: await this.trainer.closeEpoch(this.stepsPerEpoch, this.evalData, this.evalCache) };
  }

  /**
   * Evaluates the model now (inference mode) on `data`, default the run's evaluation data
   * (through its feature cache when it has one).
   */
  evaluate(data?: LabeledImages, batchSize = 256): Promise<EvalResult> {
    const d = data ?? this.evalData;
    if (d == null) throw new ArgumentError('TrainingRun.evaluate: no data given and the run has no evaluation data');
    return evaluate(this.trainer.model, d, this.trainer.config.input, batchSize, d === this.evalData ? this.evalCache : null);
  }

  /** Releases the feature caches. */
  dispose(): void {
    this.trainCache?.dispose();
    this.evalCache?.dispose();
  }
}
