import { ArgumentError, savedOnActiveTape, tf } from '@odl/backend';
import type { TuckerStorage } from '@odl/core';
import { loadEmbeddedFashionMnist } from '@odl/datasets';
import { measuredHosvdRanks, profileModel } from '@odl/profiler';
import type { RankPlan } from '@odl/shortcut';
import { loadCheckpoint } from '../io/checkpoint';
import { loadPretrainedMcunet } from '../pretrained';
import type { AugmentSpec, InputSpec, LabeledImages } from '../train/data';
import { Trainer, type EpochRecord, type StepProgress } from '../train/trainer';
import type { ZooModel } from '../zoo/model';
import { captureLayerTensors, selectRanks } from './calibrate';
import { prepareFineTune, type TrainedLayer } from './prepare';

/** Configuration of {@link finetune}. Every field has a default that runs the offline demo. */
export interface FinetuneConfig {
  /**
   * The model: a zoo model (used as is; with `input` required), a checkpoint location (folder,
   * `file://`, `indexeddb://`), or absent for the bundled pretrained MCUNet-in1.
   */
  model?: ZooModel | string;
  /** Input preparation; default the pretrained checkpoint's (32×32×1, normalised). */
  input?: InputSpec;
  /** Training images; default the embedded Fashion-MNIST `'finetune-train'` split (classes 5–9). */
  train?: LabeledImages;
  /** Evaluation images; default the embedded `'finetune-test'` split. */
  test?: LabeledImages;
  /** Calibration images for rank selection; default the embedded `'calibration'` split (classes 0–4). */
  calibration?: LabeledImages;
  /** Compression method (registry name). Default `'vanilla'`. */
  method?: string;
  /**
   * Options of the method for every trained layer (e.g. `{ epsilon: 0.8 }` for HOSVD). For ASI
   * with rank selection, `{ storage: 'int8' }` chooses the ranks for 8-bit storage.
   */
  methodOptions?: Record<string, unknown>;
  /** Options per layer name (e.g. ASI ranks); overrides rank selection. */
  perLayerOptions?: Record<string, Record<string, unknown>>;
  /**
   * ASI only: activation-memory budget of the trained layers in bytes; ranks are then chosen
   * on a calibration batch (@odl/shortcut). Without a budget or explicit ranks, ASI uses the
   * HOSVD ε = 0.8 ranks of the calibration batch.
   */
  budgetBytes?: number;
  /** ε candidates of rank selection (default `RANK_SELECTION_EPSILONS`). */
  epsilons?: number[];
  /** Number of trained layers (last N conv/dense layers, classifier included). Default 4. */
  lastN?: number;
  /** Epochs. Default 5. */
  epochs?: number;
  /** Batch size. Default 32. */
  batchSize?: number;
  /** Peak learning rate. Default 0.05 (the paper's). */
  learningRate?: number;
  /** Optimizer. Default `'sgd'`. */
  optimizer?: 'sgd' | 'adam';
  /** SGD momentum. Default 0 (the paper's setting). */
  momentum?: number;
  /** L2 weight decay. Default 0. */
  weightDecay?: number;
  /** Global gradient-norm clip. Default 2.0 (the paper's); `null` disables. */
  clipNorm?: number | null;
  /** Warm-up steps of the cosine schedule. Default 0. */
  warmupSteps?: number;
  /** Training augmentation. Default none. */
  augment?: AugmentSpec;
  /** Seed of the head, data order, augmentation and compressor cold starts. Default 0. */
  seed?: number;
  /** Replace the classifier by a fresh one for the training classes. Default true. */
  freshHead?: boolean;
  /** Called after every step. */
  onStep?: (p: StepProgress) => void;
  /** Called after every epoch (with test accuracy). */
  onEpoch?: (r: EpochRecord) => void;
  /** Called with short status lines (loading, rank selection). */
  onLog?: (line: string) => void;
  /** Keep the trained model in the result (the caller disposes it). Default false (disposed). */
  keepModel?: boolean;
}

/** What {@link finetune} returns. */
export interface FinetuneResult {
  /** The method used. */
  method: string;
  /** Number of trained layers. */
  lastN: number;
  /** Final top-1 accuracy on the test images, in [0, 1]. */
  top1: number;
  /** Final mean test cross-entropy (nats). */
  loss: number;
  /** Activation memory kept for backward in one training step, bytes. */
  activationBytes: {
    /**
     * Analytic count of the trained layers' stored activations (@odl/profiler, exact mode). For
     * HOSVD_ε and SVD_ε, whose ranks change per batch, at the ranks of the first training batch.
     */
    analytic: number;
    /** Unique bytes actually saved on the gradient tape during the first step (measured). */
    measured: number;
  };
  /** Analytic FLOPs of one training step of the trained layers (forward + backward, exact mode). */
  trainingFlops: number;
  /** Mean wall time per training step over all steps, milliseconds. */
  msPerStep: number;
  /** Per-epoch history (training loss, ms/step, test accuracy). */
  history: EpochRecord[];
  /** The trained layers with their methods and options (ranks for ASI). */
  layers: TrainedLayer[];
  /** The rank plan, when ranks were selected on a calibration batch. */
  rankPlan?: RankPlan;
  /** Training steps taken. */
  steps: number;
  /** The trained model, when `keepModel` was set. */
  model?: ZooModel;
}

/**
 * Runs a whole fine-tuning job: loads the model (bundled pretrained MCUNet-in1 by default) and
 * data (the embedded Fashion-MNIST split by default), selects ASI ranks on a calibration batch
 * when asked, freezes all but the last N layers, trains with the paper's recipe (SGD lr 0.05,
 * cosine, clip 2.0), and reports accuracy, activation memory (analytic and measured), FLOPs
 * and time. The backend must already be set up.
 *
 * @example
 * ```ts
 * await setupBackend();
 * const vanilla = await finetune({ method: 'vanilla', lastN: 4, epochs: 2 });
 * const asi = await finetune({ method: 'asi', lastN: 4, epochs: 2, budgetBytes: 256 * 1024 });
 * console.log(vanilla.top1, asi.top1, vanilla.activationBytes.measured / asi.activationBytes.measured);
 * ```
 */
export async function finetune(config: FinetuneConfig = {}): Promise<FinetuneResult> {
  const log = config.onLog ?? (() => {});
  const method = config.method ?? 'vanilla';
  const lastN = config.lastN ?? 4;
  const batchSize = config.batchSize ?? 32;
  const seed = config.seed ?? 0;
  let model: ZooModel;
  let input = config.input;
  if (config.model == null || typeof config.model === 'string') {
    const loaded = config.model == null ? await loadPretrainedMcunet() : await loadCheckpoint(config.model);
    model = loaded.model;
    input ??= (loaded.metadata.input as InputSpec | undefined) ?? { height: 32, width: 32, channels: model.config.inputChannels };
    log(`model ${model.config.architecture} from ${config.model ?? 'the bundled pretrained checkpoint'}`);
  } else {
    model = config.model;
    if (!input) throw new ArgumentError('finetune: pass `input` (resolution, channels, normalisation) with a model object');
  }
  const ownsModel = typeof config.model !== 'object';
  try {
    const train = config.train ?? (await loadEmbeddedFashionMnist('finetune-train'));
    const test = config.test ?? (await loadEmbeddedFashionMnist('finetune-test'));
    log(`data: ${train.shape[0]} training and ${test.shape[0]} test images, ${train.numClasses} classes`);
    if (config.freshHead ?? true) model.resetClassifier(train.numClasses, seed);
    else if (train.numClasses !== model.config.numClasses) {
      throw new ArgumentError(`finetune: the data has ${train.numClasses} classes, the model ${model.config.numClasses}; keep freshHead (default true)`);
    }
    let perLayerOptions = config.perLayerOptions;
    let rankPlan: RankPlan | undefined;
    if (method === 'asi' && perLayerOptions == null && config.methodOptions?.ranks == null) {
      const calibration = config.calibration ?? (await loadEmbeddedFashionMnist('calibration'));
      log(`rank selection on a calibration batch of ${batchSize} (${config.budgetBytes != null ? `budget ${config.budgetBytes} bytes` : 'HOSVD ε = 0.8 ranks'})`);
      const storage = config.methodOptions?.storage as TuckerStorage | undefined;
      const sel = await selectRanks(model, { lastN, calibration, input, batchSize, budgetBytes: config.budgetBytes, epsilons: config.epsilons, seed, storage });
      perLayerOptions = sel.perLayerOptions;
      rankPlan = sel.plan;
    }
    // HOSVD_ε and SVD_ε pick their ranks per batch: the analytic count uses the ranks they reach
    // on the first training batch.
    const measuredRanks = method === 'hosvd' || method === 'svd' ? measureEpsilonRanks(model, lastN, train, input, batchSize, config.methodOptions) : undefined;
    const inputShape: [number, number, number, number] = [batchSize, input.height, input.width, input.channels];
    const setup = prepareFineTune(model, { lastN, inputShape, method, methodOptions: config.methodOptions, perLayerOptions, seed });
    // One row per trained layer with that layer's own method (a fallback head may differ).
    const totals = setup.trained.map((l) => {
      const ranks = l.method === method ? measuredRanks?.get(l.name) : undefined;
      const options = ranks == null ? l.options : method === 'svd' ? { ...l.options, rank: ranks[0] } : { ...l.options, ranks };
      return profileModel({ layers: [l.spec], method: l.method, lastN: 1, options, mode: 'exact' }).total;
    });
    const analyticBytes = totals.reduce((s, t) => s + t.activationBytes, 0);
    const trainingFlops = totals.reduce((s, t) => s + t.totalFlops, 0);
    let measured = 0;
    const trainer = new Trainer(model, {
      optimizer:
        (config.optimizer ?? 'sgd') === 'adam'
          ? { type: 'adam', learningRate: config.learningRate ?? 0.05, weightDecay: config.weightDecay ?? 0 }
          : { type: 'sgd', learningRate: config.learningRate ?? 0.05, momentum: config.momentum ?? 0, weightDecay: config.weightDecay ?? 0 },
      schedule: { kind: 'cosine', warmupSteps: config.warmupSteps ?? 0 },
      epochs: config.epochs ?? 5,
      batchSize,
      seed,
      clipNorm: config.clipNorm === undefined ? 2.0 : config.clipNorm,
      input,
      augment: config.augment,
      onStep: config.onStep,
      onEpoch: config.onEpoch,
      onTape: (step) => {
        if (step === 1) measured = savedOnActiveTape().bytes;
      },
    });
    let history: EpochRecord[];
    try {
      history = await trainer.fit(train, { evalData: test });
    } finally {
      trainer.dispose();
    }
    const last = history.at(-1);
    const steps = trainer.globalStep;
    const finalEval = last?.eval ?? (await trainer.evaluate(test));
    const msPerStep = history.length ? history.reduce((s, h) => s + h.msPerStep, 0) / history.length : 0;
    const result: FinetuneResult = {
      method,
      lastN,
      top1: finalEval.top1,
      loss: finalEval.loss,
      activationBytes: { analytic: analyticBytes, measured },
      trainingFlops,
      msPerStep,
      history,
      layers: setup.trained,
      rankPlan,
      steps,
    };
    if (config.keepModel) result.model = model;
    return result;
  } finally {
    if (ownsModel && !config.keepModel) model.dispose();
  }
}

/**
 * Per trained layer, the HOSVD_ε ranks of its input on the first training batch (for SVD_ε the
 * batch-mode rank is the first entry), at the method's ε (default 0.8).
 */
function measureEpsilonRanks(
  model: ZooModel,
  lastN: number,
  train: LabeledImages,
  input: InputSpec,
  batchSize: number,
  methodOptions: Record<string, unknown> | undefined,
): Map<string, number[]> {
  const epsilon = typeof methodOptions?.epsilon === 'number' ? methodOptions.epsilon : 0.8;
  const layers = captureLayerTensors(model, { lastN, images: train, input, batchSize: Math.min(batchSize, train.shape[0]) });
  try {
    return new Map(layers.map((l) => [l.name, measuredHosvdRanks(l.input, epsilon)]));
  } finally {
    tf.dispose(layers.flatMap((l) => [l.input, l.dy]));
  }
}
