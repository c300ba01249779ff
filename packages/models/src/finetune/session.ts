import { ArgumentError, savedOnActiveTape, tf } from '@odl/backend';
import { getMethod, resolveOptions, type CalibrationLayer, type MethodPlugin, type PlanResult } from '@odl/core';
import { loadEmbeddedFashionMnist } from '@odl/datasets';
import { activationBytesOf, layerCost } from '@odl/profiler';
import { loadCheckpoint, saveCheckpoint } from '../io/checkpoint';
import { loadPretrainedMcunet } from '../pretrained';
import type { AugmentSpec, InputSpec, LabeledImages } from '../train/data';
import type { EvalResult } from '../train/evaluate';
import type { OptimizerConfig } from '../train/optimizers';
import type { ScheduleConfig } from '../train/schedule';
import { Trainer, type EpochRecord, type StepOutcome, type StepProgress, type TrainingRun } from '../train/trainer';
import type { ZooModel } from '../zoo/model';
import type { BatchNormMode } from '../zoo/types';
import { captureLayerTensors } from './capture';
import type { ClassifierTraining } from './layers';
import { registerBuiltinMethods } from './methods';
import { mergeWeights, prepareFineTune, resetFineTune, type TrainedLayer } from './prepare';
import { resolveProtocol, type ProtocolName } from './protocol';

/**
 * Configuration of a fine-tuning run ({@link FineTuneSession.create}, `finetune()`). Every field
 * has a default: the `protocol`'s settings (default `'odl'`), the bundled pretrained MCUNet-in1
 * and the embedded Fashion-MNIST split. A field given here overrides the protocol's value.
 */
export interface FinetuneConfig {
  /** Preset of training settings: `'odl'` (default) or `'paper'` (the paper's setup A, docs/reproduction.md). */
  protocol?: ProtocolName;
  /** Name of the run in reports and tables (default: the method's name). */
  label?: string;
  /**
   * The model: a zoo model (used as is; `input` required), a checkpoint location (folder,
   * `file://`, `indexeddb://`), or absent for the bundled pretrained MCUNet-in1.
   */
  model?: ZooModel | string;
  /** Input preparation; default the checkpoint's. */
  input?: InputSpec;
  /** Training images; default the embedded Fashion-MNIST `'finetune-train'` split (classes 5–9). */
  train?: LabeledImages;
  /** Evaluation images; default the embedded `'finetune-test'` split. */
  test?: LabeledImages;
  /**
   * Calibration images for a method's planner (e.g. ASI's rank selection, docs/method.md §5);
   * default the training images (the first batch of a seeded shuffle).
   */
  calibration?: LabeledImages;
  /** Training method (registry name). Default `'vanilla'`. */
  method?: string;
  /**
   * Options of the method, validated against the options it declares: an option the method does
   * not declare throws `MethodOptionError` (nothing is silently ignored).
   */
  methodOptions?: Record<string, unknown>;
  /** Complete options per layer name; these layers skip the planner. */
  perLayerOptions?: Record<string, Record<string, unknown>>;
  /**
   * Activation-memory budget of the fine-tuned layers in bytes, for a method with a planner (ASI):
   * its options are then chosen on calibration data within the budget. A method without a planner
   * throws.
   */
  budgetBytes?: number;
  /** N: the last N compressible layers train through the method (docs/method.md §7). Default 4. */
  lastN?: number | 'all';
  /** How the classifier trains (default: the protocol's, `'exact'`). */
  classifier?: ClassifierTraining;
  /** Epochs. */
  epochs?: number;
  /** Batch size. */
  batchSize?: number;
  /** Peak learning rate. */
  learningRate?: number;
  /** Optimizer. */
  optimizer?: 'sgd' | 'adam';
  /** SGD momentum. */
  momentum?: number;
  /** L2 weight decay. */
  weightDecay?: number;
  /** Global gradient-norm clip; `null` disables. */
  clipNorm?: number | null;
  /** Learning-rate schedule (replaces the protocol's; `minLearningRate` absolute). */
  schedule?: ScheduleConfig;
  /** Warm-up steps (kept for convenience; same as `schedule.warmupSteps`). */
  warmupSteps?: number;
  /** BatchNorm while training (default: the protocol's). */
  batchNorm?: BatchNormMode;
  /** Training augmentation. Default none. */
  augment?: AugmentSpec;
  /** Seed of the head, data order, augmentation and per-layer method seeds. Default 0. */
  seed?: number;
  /** Replace the classifier by a fresh one for the training classes. Default true. */
  freshHead?: boolean;
  /** Evaluate on `test` after every epoch (default true; the final evaluation always runs). */
  evaluateEveryEpoch?: boolean;
  /** Called after every step. */
  onStep?: (p: StepProgress) => void;
  /** Called after every epoch. */
  onEpoch?: (r: EpochRecord) => void;
  /** Called with short status lines (loading, planning). */
  onLog?: (line: string) => void;
  /** Keep the trained model in `finetune()`'s result (the caller disposes it). Default false. */
  keepModel?: boolean;
}

/** The settings a session runs with: its protocol with the config's overrides applied. */
export interface SessionSettings {
  /** Protocol the defaults came from. */
  protocol: ProtocolName;
  /** Epochs. */
  epochs: number;
  /** Batch size. */
  batchSize: number;
  /** Optimizer with its hyper-parameters. */
  optimizer: OptimizerConfig;
  /** Schedule (absolute floor). */
  schedule: ScheduleConfig;
  /** Clip norm, or null. */
  clipNorm: number | null;
  /** BatchNorm mode. */
  batchNorm: BatchNormMode;
  /** Classifier training. */
  classifier: ClassifierTraining;
  /** N. */
  lastN: number | 'all';
  /** Method-wide options after validation and the protocol's method options. */
  methodOptions: Record<string, unknown>;
}

/** Analytic and measured cost of one training step of the fine-tuned layers. */
export interface SessionCost {
  /** Analytic activation bytes of the compressed layers (their methods' exact cost models). */
  analyticBytes: number;
  /** Analytic training FLOPs of the compressed layers (exact mode, forward + backward). */
  trainingFlops: number;
  /** The same in the paper's accounting (the reference code's MACs, docs/method.md §6). */
  trainingFlopsPaper: number;
  /** Unique bytes saved on the gradient tape during the first step (everything trained), or `null` before it. */
  measuredBytes: number | null;
  /** The analytic count per compressed layer, in model order. */
  perLayer: LayerCostSummary[];
}

/** One compressed layer's analytic cost per training step. */
export interface LayerCostSummary {
  /** Layer name. */
  name: string;
  /** Activation bytes kept for backward. */
  activationBytes: number;
  /** Forward + backward FLOPs (exact mode). */
  trainingFlops: number;
  /** Forward + backward in the paper's accounting. */
  trainingFlopsPaper: number;
}

/** What a finished run reached and cost (`finetune()`'s result, `session.report()`). */
export interface FinetuneResult {
  /** The method used. */
  method: string;
  /** The run's name in tables. */
  label: string;
  /** The protocol the run's defaults came from. */
  protocol: ProtocolName;
  /** N, as configured. */
  lastN: number | 'all';
  /** Final top-1 accuracy on the test images, in [0, 1]. */
  top1: number;
  /** Final mean test cross-entropy (nats). */
  loss: number;
  /** Activation memory of one training step, bytes. */
  activationBytes: {
    /**
     * Analytic count of the compressed layers' stored activations (their methods' cost models). For
     * methods whose storage depends on the batch (HOSVD_ε, SVD_ε), at the first training batch.
     */
    analytic: number;
    /** Unique bytes actually saved on the gradient tape during the first step (measured, everything trained). */
    measured: number;
  };
  /** Analytic FLOPs of one training step of the compressed layers (forward + backward, exact mode). */
  trainingFlops: number;
  /** The same in the paper's accounting (the reference code's MACs, docs/method.md §6). */
  trainingFlopsPaper: number;
  /** The analytic counts per compressed layer. */
  layerCosts: LayerCostSummary[];
  /** Mean wall time per training step over all steps, milliseconds. */
  msPerStep: number;
  /**
   * Wall time of inference on a training batch's worth of test images, milliseconds: the last
   * evaluation's time per image × the batch size (the frozen prefix excluded when the evaluation
   * reads cached features, as a training step does).
   */
  inferenceMsPerStep: number;
  /** Per-epoch history (training loss, ms/step, test accuracy when evaluated). */
  history: EpochRecord[];
  /** The trained layers with their methods and options. */
  layers: TrainedLayer[];
  /** What the method's planner chose, when it ran. */
  plan?: PlanResult<Record<string, unknown>>;
  /** Training steps taken. */
  steps: number;
  /** The trained model, when `keepModel` was set. */
  model?: ZooModel;
}

/** Events of a {@link FineTuneSession}, with their payloads. */
export interface SessionEvents {
  /** A status line. */
  log: string;
  /** The planner's choice. */
  plan: PlanResult<Record<string, unknown>>;
  /** A step was taken. */
  step: StepProgress;
  /** An epoch ended (with its evaluation when enabled). */
  epoch: EpochRecord;
  /** An evaluation ran. */
  evaluate: SessionEvaluation;
  /** A checkpoint was written. */
  checkpoint: SessionCheckpoint;
}

/** An evaluation of a session, with the step it ran after. */
export interface SessionEvaluation extends EvalResult {
  /** Global steps taken when it ran. */
  step: number;
}

/** A checkpoint a session wrote. */
export interface SessionCheckpoint {
  /** Where it was written (folder, `file://` or `indexeddb://` URL). */
  destination: string;
  /** Global steps taken when it was written. */
  step: number;
}

type Listener<T> = (payload: T) => void;

function settingsFrom(config: FinetuneConfig, plugin: MethodPlugin): SessionSettings {
  const p = resolveProtocol(config.protocol ?? 'odl');
  const learningRate = config.learningRate ?? p.learningRate;
  const optimizer = config.optimizer ?? p.optimizer;
  const weightDecay = config.weightDecay ?? p.weightDecay;
  const schedule: ScheduleConfig = config.schedule ?? {
    kind: p.schedule.kind,
    unit: p.schedule.unit,
    warmupSteps: config.warmupSteps ?? p.schedule.warmupSteps,
    minLearningRate: p.schedule.floorRatio * learningRate,
  };
  // The protocol's method options apply only to options this method declares.
  const declared = new Set(plugin.options.map((o) => o.name));
  const fromProtocol = Object.fromEntries(Object.entries(p.methodOptions).filter(([k]) => declared.has(k)));
  const methodOptions = resolveOptions(plugin, { ...fromProtocol, ...(config.methodOptions ?? {}) });
  return {
    protocol: config.protocol ?? 'odl',
    epochs: config.epochs ?? p.epochs,
    batchSize: config.batchSize ?? p.batchSize,
    optimizer:
      optimizer === 'adam'
        ? { type: 'adam', learningRate, weightDecay }
        : { type: 'sgd', learningRate, momentum: config.momentum ?? p.momentum, weightDecay },
    schedule,
    clipNorm: config.clipNorm === undefined ? p.clipNorm : config.clipNorm,
    batchNorm: config.batchNorm ?? p.batchNorm,
    classifier: config.classifier ?? p.classifier,
    lastN: config.lastN ?? 4,
    methodOptions,
  };
}

/**
 * One fine-tuning run, step by step: the one place where odl prepares a model, plans, trains,
 * evaluates, checkpoints and reports (docs/architecture.md §4). `finetune()` runs it to the end,
 * the CLI adds progress and files, the web demo's worker steps it with pause and stop; none of
 * them names a method: everything method-specific comes from the method's plugin.
 *
 * @example
 * ```ts
 * const session = await FineTuneSession.create({ method: 'asi', budgetBytes: 64 * 1024, protocol: 'paper', epochs: 2 });
 * session.on('epoch', (r) => console.log(r.epoch, r.eval?.top1));
 * await session.run();
 * console.log(session.report().activationBytes);
 * session.dispose();
 * ```
 */
export class FineTuneSession {
  /** The model being trained (owned by the session unless it was passed in). */
  readonly model: ZooModel;
  /** How images become inputs. */
  readonly input: InputSpec;
  /** The method's plugin. */
  readonly plugin: MethodPlugin;
  /** The resolved settings. */
  readonly settings: SessionSettings;
  /** The trained layers (compressed ones first in model order, then exact ones), as prepared. */
  readonly layers: TrainedLayer[];
  /** The planner's choice, when it ran. */
  readonly plan?: PlanResult<Record<string, unknown>>;
  /** Training images. */
  readonly train: LabeledImages;
  /** Evaluation images. */
  readonly test: LabeledImages;
  /** The run's name in reports. */
  readonly label: string;
  private readonly trainer: Trainer;
  private training: TrainingRun | null = null;
  private readonly listeners = new Map<keyof SessionEvents, Set<Listener<never>>>();
  private readonly cost: SessionCost;
  private lastEval: SessionEvaluation | null = null;
  private disposed = false;

  private constructor(init: {
    model: ZooModel;
    ownsModel: boolean;
    input: InputSpec;
    plugin: MethodPlugin;
    settings: SessionSettings;
    layers: TrainedLayer[];
    plan?: PlanResult<Record<string, unknown>>;
    train: LabeledImages;
    test: LabeledImages;
    label: string;
    cost: SessionCost;
    config: FinetuneConfig;
  }) {
    this.model = init.model;
    this.ownsModel = init.ownsModel;
    this.input = init.input;
    this.plugin = init.plugin;
    this.settings = init.settings;
    this.layers = init.layers;
    this.plan = init.plan;
    this.train = init.train;
    this.test = init.test;
    this.label = init.label;
    this.cost = init.cost;
    const c = init.config;
    const s = init.settings;
    this.trainer = new Trainer(this.model, {
      optimizer: s.optimizer,
      schedule: s.schedule,
      epochs: s.epochs,
      batchSize: s.batchSize,
      seed: c.seed ?? 0,
      clipNorm: s.clipNorm,
      input: this.input,
      augment: c.augment,
      onStep: (p) => this.emit('step', p),
      onEpoch: (r) => {
        if (r.eval) {
          this.lastEval = { ...r.eval, step: this.trainer.globalStep };
          this.emit('evaluate', this.lastEval);
        }
        this.emit('epoch', r);
      },
      onTape: (step) => {
        if (step === 1) this.cost.measuredBytes = savedOnActiveTape().bytes;
      },
    });
    this.evaluateEveryEpoch = c.evaluateEveryEpoch ?? true;
    if (c.onStep) this.on('step', c.onStep);
    if (c.onEpoch) this.on('epoch', c.onEpoch);
  }

  private readonly ownsModel: boolean;
  private readonly evaluateEveryEpoch: boolean;

  /**
   * Loads the model and data, validates the method and its options, runs the method's planner
   * on calibration data when it needs one, prepares the model (the last N layers through the
   * method, the rest frozen) and counts the analytic cost. The backend must be set up.
   */
  static async create(config: FinetuneConfig = {}): Promise<FineTuneSession> {
    registerBuiltinMethods();
    const log = config.onLog ?? (() => {});
    const method = config.method ?? 'vanilla';
    const plugin = getMethod(method);
    const settings = settingsFrom(config, plugin);
    if (config.budgetBytes != null && plugin.planner == null) {
      throw new ArgumentError(`method '${method}' has no planner, so it cannot choose its options under budgetBytes; drop the budget or use a method with a planner (e.g. 'asi')`);
    }
    if (config.budgetBytes != null && !(config.budgetBytes > 0)) throw new ArgumentError(`budgetBytes must be a positive number of bytes, got ${config.budgetBytes}`);
    let model: ZooModel;
    let input = config.input;
    if (config.model == null || typeof config.model === 'string') {
      const loaded = config.model == null ? await loadPretrainedMcunet() : await loadCheckpoint(config.model);
      model = loaded.model;
      // a new run starts from the weights: the checkpoint's own training state is not resumed
      if (loaded.trainerState != null) Trainer.disposeState(loaded.trainerState);
      input ??= (loaded.metadata.input as InputSpec | undefined) ?? { height: 32, width: 32, channels: model.config.inputChannels };
      log(`model ${model.config.architecture} from ${config.model ?? 'the bundled pretrained checkpoint'}, input ${input.height}×${input.width}×${input.channels}`);
    } else {
      model = config.model;
      if (!input) throw new ArgumentError('finetune: pass `input` (resolution, channels, normalisation) with a model object');
    }
    const ownsModel = typeof config.model !== 'object';
    try {
      const train = config.train ?? (await loadEmbeddedFashionMnist('finetune-train'));
      const test = config.test ?? (await loadEmbeddedFashionMnist('finetune-test'));
      log(`data: ${train.shape[0]} training and ${test.shape[0]} test images, ${train.numClasses} classes`);
      const seed = config.seed ?? 0;
      if (config.freshHead ?? true) model.resetClassifier(train.numClasses, seed);
      else if (train.numClasses !== model.config.numClasses) {
        throw new ArgumentError(`finetune: the data has ${train.numClasses} classes, the model ${model.config.numClasses}; keep freshHead (default true)`);
      }
      const b = settings.batchSize;
      const inputShape: [number, number, number, number] = [b, input.height, input.width, input.channels];
      const captureBatch = (images: LabeledImages) =>
        captureLayerTensors(model, { lastN: settings.lastN, classifier: settings.classifier, images, input, batchSize: Math.min(b, images.shape[0]) });
      // A method whose storage depends on the data is counted on the first training batch.
      const sample = plugin.costOptionsFor != null ? captureBatch(train) : null;
      try {
        let perLayerOptions = config.perLayerOptions;
        let plan: PlanResult<Record<string, unknown>> | undefined;
        if (perLayerOptions == null && plugin.planner != null && (config.budgetBytes != null || plugin.planner.needsPlan(settings.methodOptions))) {
          const calibration = config.calibration ?? train;
          log(`planning '${method}' on a calibration batch of ${b}${config.budgetBytes != null ? ` within ${config.budgetBytes} bytes` : ''}`);
          const layers = captureBatch(calibration);
          try {
            plan = plugin.planner.plan({ layers, options: settings.methodOptions, budgetBytes: config.budgetBytes, seed });
          } finally {
            tf.dispose(layers.flatMap((l) => [l.input, l.dy]));
          }
          perLayerOptions = plan.layerOptions;
          log(`plan: ${plan.summary}`);
        }
        const setup = prepareFineTune(model, {
          lastN: settings.lastN,
          inputShape,
          method,
          methodOptions: settings.methodOptions,
          perLayerOptions,
          classifier: settings.classifier,
          seed,
          batchNorm: settings.batchNorm,
        });
        for (const l of setup.trained) if (l.reason != null) log(`${l.name} trains exactly: ${l.reason}`);
        const cost = analyticCost(setup.trained, sample);
        const session = new FineTuneSession({
          model, ownsModel, input, plugin, settings, layers: setup.trained, plan, train, test,
          label: config.label ?? method, cost, config,
        });
        if (config.onLog) session.on('log', config.onLog);
        if (plan) session.emit('plan', plan);
        return session;
      } finally {
        if (sample) tf.dispose(sample.flatMap((l) => [l.input, l.dy]));
      }
    } catch (e) {
      if (ownsModel) model.dispose();
      throw e;
    }
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof SessionEvents>(event: K, listener: Listener<SessionEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (set == null) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => set!.delete(listener as Listener<never>);
  }

  private emit<K extends keyof SessionEvents>(event: K, payload: SessionEvents[K]): void {
    for (const l of this.listeners.get(event) ?? []) (l as Listener<SessionEvents[K]>)(payload);
  }

  /** Global steps taken. */
  get step(): number {
    return this.trainer.globalStep;
  }

  /** Steps of the whole run. */
  get totalSteps(): number {
    return this.trainer.stepsPerEpoch(this.train.shape[0]) * this.settings.epochs;
  }

  /** True once every epoch is done. */
  get done(): boolean {
    return this.trainer.finished;
  }

  private ensureRun(): TrainingRun {
    if (this.disposed) throw new ArgumentError('FineTuneSession: the session is disposed');
    this.training ??= this.trainer.begin(this.train, { evalData: this.evaluateEveryEpoch ? this.test : undefined });
    return this.training;
  }

  /** Takes one training step (closing the epoch, with its evaluation, when it is the last of one). */
  async next(): Promise<StepOutcome> {
    return this.ensureRun().next();
  }

  /**
   * Trains until every epoch is done, `until` steps are taken, or `signal` aborts (checked
   * between steps); returns the epochs completed so far.
   */
  async run(options: { until?: number; signal?: AbortSignal } = {}): Promise<EpochRecord[]> {
    const run = this.ensureRun();
    while (!run.done && (options.until == null || this.step < options.until) && !options.signal?.aborted) await run.next();
    return this.trainer.epochs;
  }

  /** Evaluates the model now on `data` (default the test images, through the feature cache when there is one). */
  async evaluate(data?: LabeledImages): Promise<EvalResult> {
    const r = await this.ensureRun().evaluate(data ?? this.test);
    if (data == null || data === this.test) {
      this.lastEval = { ...r, step: this.step };
      this.emit('evaluate', this.lastEval);
    }
    return r;
  }

  /** The analytic and measured cost counted so far. */
  get costs(): SessionCost {
    return { ...this.cost, perLayer: this.cost.perLayer.map((l) => ({ ...l })) };
  }

  /**
   * What the run reached and cost: the latest evaluation of the test images (evaluating now if
   * none ran since the last step), memory, FLOPs, time and history.
   */
  async report(): Promise<FinetuneResult> {
    if (this.lastEval == null || this.lastEval.step !== this.step) await this.evaluate();
    const history = this.trainer.epochs;
    const msPerStep = history.length ? history.reduce((s, h) => s + h.msPerStep, 0) / history.length : 0;
    return {
      method: this.plugin.name,
      label: this.label,
      protocol: this.settings.protocol,
      lastN: this.settings.lastN,
      top1: this.lastEval!.top1,
      loss: this.lastEval!.loss,
      activationBytes: { analytic: this.cost.analyticBytes, measured: this.cost.measuredBytes ?? 0 },
      trainingFlops: this.cost.trainingFlops,
      trainingFlopsPaper: this.cost.trainingFlopsPaper,
      layerCosts: this.cost.perLayer.map((l) => ({ ...l })),
      msPerStep,
      inferenceMsPerStep: this.lastEval!.count > 0 ? ((this.lastEval!.ms ?? 0) / this.lastEval!.count) * this.settings.batchSize : 0,
      history,
      layers: this.layers,
      plan: this.plan,
      steps: this.step,
    };
  }

  /**
   * Writes a checkpoint of the model (weight-side methods merged into plain weights, so the file
   * loads without them) with `metadata`; resumable training state is included when the run has
   * no weight-side method.
   */
  async checkpoint(destination: string, metadata: Record<string, unknown> = {}): Promise<void> {
    const weightSide = [...this.model.runtime.values()].some((rt) => rt.weights != null);
    const meta = { input: this.input, method: this.plugin.name, label: this.label, step: this.step, ...metadata };
    if (!weightSide) {
      const state = this.trainer.getState();
      try {
        await saveCheckpoint(this.model, destination, { metadata: meta, trainerState: state });
      } finally {
        Trainer.disposeState(state);
      }
    } else {
      await withMergedWeights(this.model, () => saveCheckpoint(this.model, destination, { metadata: meta }));
    }
    this.emit('checkpoint', { destination, step: this.step });
  }

  /**
   * Ends the run and hands the model over: weight-side methods are merged into the weights, the
   * compressors released, and the model returned (the caller disposes it). The session is
   * disposed.
   */
  release(): ZooModel {
    mergeWeights(this.model);
    resetFineTune(this.model);
    this.disposeRun();
    return this.model;
  }

  private disposeRun(): void {
    this.training?.dispose();
    this.training = null;
    this.trainer.dispose();
    this.disposed = true;
  }

  /** Releases everything (the model too, when the session loaded it). */
  dispose(): void {
    if (this.disposed) return;
    this.disposeRun();
    resetFineTune(this.model);
    if (this.ownsModel) this.model.dispose();
  }
}

/** Runs `fn` with weight-side methods' effective weights written into the layers, then restores them. */
async function withMergedWeights<T>(model: ZooModel, fn: () => Promise<T>): Promise<T> {
  const saved = new Map<string, tf.Tensor>();
  for (const layer of model.layers()) {
    const weights = model.runtime.get(layer.name)?.weights;
    if (weights == null) continue;
    saved.set(layer.name, tf.clone(layer.weight));
    const merged = weights.merge(layer.weight);
    layer.weight.assign(merged);
    merged.dispose();
  }
  try {
    return await fn();
  } finally {
    for (const layer of model.layers()) {
      const base = saved.get(layer.name);
      if (base == null) continue;
      layer.weight.assign(base);
      base.dispose();
    }
  }
}

/**
 * The analytic cost of the compressed layers (exact accounting). Methods whose storage depends on
 * the data (`costOptionsFor`) are counted on `sample`, the layers' inputs on the first training batch.
 */
function analyticCost(trained: TrainedLayer[], sample: CalibrationLayer[] | null): SessionCost {
  const perLayer = trained
    .filter((l) => l.role === 'compressed')
    .map((l): LayerCostSummary => {
      const plugin = getMethod(l.method);
      const activation = sample?.find((c) => c.name === l.name)?.input;
      const options = plugin.costOptionsFor != null && activation != null ? plugin.costOptionsFor(l.spec.geometry, l.options, activation) : l.options;
      const c = layerCost(l.spec.geometry, l.method, options, { mode: 'exact' });
      const paper = layerCost(l.spec.geometry, l.method, options, { mode: 'paper' });
      return { name: l.name, activationBytes: activationBytesOf(c), trainingFlops: c.forwardFlops + c.backwardFlops, trainingFlopsPaper: paper.forwardFlops + paper.backwardFlops };
    });
  return {
    analyticBytes: perLayer.reduce((s, l) => s + l.activationBytes, 0),
    trainingFlops: perLayer.reduce((s, l) => s + l.trainingFlops, 0),
    trainingFlopsPaper: perLayer.reduce((s, l) => s + l.trainingFlopsPaper, 0),
    measuredBytes: null,
    perLayer,
  };
}
