import { ArgumentError } from '@odl/backend';
import type { ScheduleConfig } from '../train/schedule';
import type { BatchNormMode } from '../zoo/types';
import type { ClassifierTraining } from './layers';

/** Names of the training protocols {@link resolveProtocol} knows. */
export type ProtocolName = 'odl' | 'paper';

/** Every setting a protocol fixes; each can also be set on its own in `finetune()`'s config. */
export interface ProtocolSettings {
  /** Epochs. */
  epochs: number;
  /** Images per step. */
  batchSize: number;
  /** Peak learning rate. */
  learningRate: number;
  /** Optimizer. */
  optimizer: 'sgd' | 'adam';
  /** SGD momentum. */
  momentum: number;
  /** L2 weight decay (added to the gradient, PyTorch's SGD `weight_decay`). */
  weightDecay: number;
  /** Global gradient-norm clip; `null` disables. */
  clipNorm: number | null;
  /** Learning-rate schedule, its floor given relative to the peak. */
  schedule: ProtocolSchedule;
  /** BatchNorm while training. */
  batchNorm: BatchNormMode;
  /** How the classifier trains. */
  classifier: ClassifierTraining;
  /**
   * Method options the protocol sets for any method that declares them (never for a method that
   * does not), e.g. the paper's ASI step `schedule: 'independent'` and ε grid `epsilons`.
   */
  methodOptions: Record<string, unknown>;
}

/** A protocol's learning-rate schedule: {@link ScheduleConfig} with the floor relative to the peak. */
export interface ProtocolSchedule extends Omit<ScheduleConfig, 'minLearningRate'> {
  /** The floor of the cosine as a fraction of the peak: `minLearningRate = floorRatio × learningRate`. */
  floorRatio: number;
}

/** One setting of a protocol with where it comes from. */
export interface ProtocolSource {
  /** Setting (a key of {@link ProtocolSettings}, or `methodOptions.<name>`). */
  setting: string;
  /** Its value, as text. */
  value: string;
  /** Where it comes from. */
  source: string;
}

/** The reference implementation's setup-A scripts, which carry the paper's fine-tuning settings. */
const REFERENCE = 'reference code, classification/scripts/conv_models/ASI/setupA/*.sh';

/**
 * The paper's setup A (ICML 2025, its experiments section; the values as the reference scripts
 * run them): SGD with lr 0.05, no momentum, weight decay 1e-4, a per-epoch cosine to 0.1·lr over
 * 50 epochs, batch 128, gradient clipping 2.0, BatchNorm statistics frozen with γ/β trained, the
 * classifier trained exactly, ASI's per-mode steps from the full activation (`'independent'`) and
 * the ε grid 0.4 … 0.9 of its perplexity measurement.
 */
const PAPER: ProtocolSettings = {
  epochs: 50,
  batchSize: 128,
  learningRate: 0.05,
  optimizer: 'sgd',
  momentum: 0,
  weightDecay: 1e-4,
  clipNorm: 2.0,
  schedule: { kind: 'cosine', unit: 'epoch', warmupSteps: 0, floorRatio: 0.1 },
  batchNorm: 'frozen-statistics',
  classifier: 'exact',
  methodOptions: { schedule: 'independent', epsilons: [0.4, 0.5, 0.6, 0.7, 0.8, 0.9] },
};

/**
 * odl's defaults: the paper's optimiser settings with a per-step cosine to 0, BatchNorm fully
 * frozen (its backward keeps C floats instead of the whole map), no weight decay, fewer epochs and
 * smaller batches for quick runs, and each method's own option defaults (ASI's sequential step,
 * the wider ε grid).
 */
const ODL: ProtocolSettings = {
  epochs: 5,
  batchSize: 32,
  learningRate: 0.05,
  optimizer: 'sgd',
  momentum: 0,
  weightDecay: 0,
  clipNorm: 2.0,
  schedule: { kind: 'cosine', unit: 'step', warmupSteps: 0, floorRatio: 0 },
  batchNorm: 'frozen',
  classifier: 'exact',
  methodOptions: {},
};

const PROTOCOLS: Readonly<Record<ProtocolName, ProtocolSettings>> = Object.freeze({ odl: ODL, paper: PAPER });

/**
 * The settings of a named protocol (a copy). `'paper'`: the paper's setup A; `'odl'` (default):
 * odl's quicker defaults. {@link protocolSources} lists each paper setting with its source.
 *
 * @example
 * ```ts
 * resolveProtocol('paper').weightDecay; // 1e-4
 * ```
 */
export function resolveProtocol(name: ProtocolName = 'odl'): ProtocolSettings {
  const p = PROTOCOLS[name];
  if (p == null) throw new ArgumentError(`unknown protocol ${JSON.stringify(name)}; use one of ${Object.keys(PROTOCOLS).join(', ')}`);
  return { ...p, schedule: { ...p.schedule }, methodOptions: structuredClone(p.methodOptions) };
}

/**
 * Every setting of the paper's protocol with its value and source, for docs and `--help`.
 *
 * @example
 * ```ts
 * protocolSources().map((s) => `${s.setting} = ${s.value} (${s.source})`);
 * ```
 */
export function protocolSources(): ProtocolSource[] {
  const p = PAPER;
  return [
    { setting: 'optimizer', value: 'sgd', source: `${REFERENCE}: --model.use_sgd True` },
    { setting: 'learningRate', value: String(p.learningRate), source: `${REFERENCE}: --model.learning_rate 0.05` },
    { setting: 'momentum', value: String(p.momentum), source: `${REFERENCE}: --model.momentum 0` },
    { setting: 'weightDecay', value: String(p.weightDecay), source: 'the reference model configs (weight_decay 1e-4)' },
    { setting: 'schedule', value: 'cosine per epoch to 0.1·lr', source: `${REFERENCE}: --model.anneling_steps 50 --model.scheduler_interval epoch; CosineAnnealingLR(eta_min = 0.1·lr) in classification/model.py` },
    { setting: 'epochs', value: String(p.epochs), source: `${REFERENCE}: --trainer.max_epochs 50` },
    { setting: 'batchSize', value: String(p.batchSize), source: 'the paper\'s setup A (batch 128)' },
    { setting: 'clipNorm', value: String(p.clipNorm), source: `${REFERENCE}: --trainer.gradient_clip_val 2.0` },
    { setting: 'batchNorm', value: p.batchNorm, source: `${REFERENCE}: --model.set_bn_eval True (running statistics frozen; γ/β after the first fine-tuned layer keep requires_grad)` },
    { setting: 'classifier', value: p.classifier, source: 'classification/model.py: the linear classifier stays trainable and is not replaced by a compressed op (only Conv2d layers are)' },
    { setting: 'lastN', value: '2 or 4 (the caller chooses)', source: `${REFERENCE}: num_of_finetune_list=(2 4), counting Conv2d layers only` },
    { setting: 'methodOptions.schedule', value: 'independent', source: 'the paper\'s ASI step: every mode from the full activation (custom_op/compression/hosvd_subspace_iteration.py)' },
    { setting: 'methodOptions.epsilons', value: '0.4, 0.5, 0.6, 0.7, 0.8, 0.9', source: 'scripts/conv_models/ASI/measure_perplexity/*.sh: perplexity_test_var_0.4to0.9' },
  ];
}
