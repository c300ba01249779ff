import { ArgumentError, measurePeakBytes, savedOnActiveTape, tf, type SavedOnTape } from '@odl/backend';
import type { LayerCompressor } from '@odl/core';

/** Summary statistics of a list of samples (milliseconds). */
export interface TimingStats {
  /** Arithmetic mean, ms. */
  meanMs: number;
  /** Median, ms. */
  medianMs: number;
  /** Minimum, ms. */
  minMs: number;
  /** Maximum, ms. */
  maxMs: number;
  /** The samples, ms, in step order. */
  samplesMs: number[];
}

/** What {@link profileTrainingStep} runs. */
export interface TrainingStepOptions {
  /** Computes the loss of one batch (the whole forward pass, compression included). */
  forward: () => tf.Scalar;
  /** Trainable variables (gradients are taken for these). */
  variables: tf.Variable[];
  /** Optimizer applied to the gradients; when absent the gradients are only computed and dropped. */
  optimizer?: tf.Optimizer;
  /** Measured steps (after warm-up); default 5. */
  steps?: number;
  /** Warm-up steps, run and not measured; default 1. */
  warmup?: number;
  /** Compressors whose `compress()` time is reported as the compression phase (wrapped during the run). */
  compressors?: readonly LayerCompressor[];
  /**
   * Tensors whose buffers do not count as retained (e.g. the model output a loss saves); called
   * at the end of each forward pass.
   */
  exclude?: () => tf.Tensor[];
  /**
   * Outputs of the layers whose own saved tensors are reported as `layerRetainedBytes` (only the
   * tape nodes that produced them are counted); called at the end of each forward pass.
   */
  layerOutputs?: () => tf.Tensor[];
  /** Also run one extra step under `measurePeakBytes` (@odl/backend) to read the peak bytes; default true. */
  measurePeak?: boolean;
}

/** Measured memory and time of a training step. */
export interface TrainingStepProfile {
  /** Measured steps. */
  steps: number;
  /** Warm-up steps excluded. */
  warmup: number;
  /** Bytes retained between forward and backward (unique buffers saved on the tape), last measured step. */
  retainedBytes: number;
  /** Retained bytes by saving kernel, last measured step. */
  retainedByKernel: Record<string, number>;
  /** Bytes saved by the nodes that produced `layerOutputs` (last measured step); null without `layerOutputs`. */
  layerRetainedBytes: number | null;
  /** Largest retained bytes over the measured steps. */
  maxRetainedBytes: number;
  /**
   * Largest live bytes during one more step, `measurePeakBytes` (@odl/backend): the trained
   * variables plus every buffer the step allocated and had not yet released, each buffer once (a
   * reshape shares its source's buffer); buffers alive before the step that are not the variables
   * (a dataset, the batch) are outside it. Null when not measured.
   */
  peakBytes: number | null;
  /** `peakBytes` minus the variables' bytes: what the step itself needed at its peak; null when not measured. */
  peakAboveStartBytes: number | null;
  /** Forward time without compression. */
  forward: TimingStats;
  /** Time inside the compressors' `compress()` (zero without `compressors`). */
  compression: TimingStats;
  /** Backward time (gradient computation). */
  backward: TimingStats;
  /** Optimizer step time. */
  optimizer: TimingStats;
  /** Whole step time. */
  total: TimingStats;
  /** Tensors alive after the run minus before it (0 when nothing leaks). */
  leakedTensors: number;
}

/**
 * Statistics of samples.
 *
 * @example
 * ```ts
 * timingStats([3, 1, 2]).medianMs; // 2
 * ```
 */
export function timingStats(samples: number[]): TimingStats {
  if (samples.length === 0) return { meanMs: 0, medianMs: 0, minMs: 0, maxMs: 0, samplesMs: [] };
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return {
    meanMs: samples.reduce((a, b) => a + b, 0) / samples.length,
    medianMs: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2,
    minMs: s[0],
    maxMs: s[s.length - 1],
    samplesMs: [...samples],
  };
}

interface StepSample {
  forwardMs: number;
  compressionMs: number;
  backwardMs: number;
  optimizerMs: number;
  totalMs: number;
  saved: SavedOnTape;
  layerSaved: SavedOnTape | null;
}

/**
 * Runs real training steps and measures, per step: the bytes retained between forward and
 * backward (unique buffers saved on the gradient tape, variables excluded), and the wall time
 * of forward, compression, backward and optimizer phases; warm-up steps are excluded. Phase
 * times are exact on synchronous backends (cpu, wasm); on GPU backends only `total` is synced.
 *
 * @example
 * ```ts
 * const p = await profileTrainingStep({ forward: () => loss(model(x)), variables: model.trainable, optimizer: tf.train.sgd(0.1), steps: 3, warmup: 1 });
 * p.retainedBytes; p.backward.medianMs;
 * ```
 */
export async function profileTrainingStep(o: TrainingStepOptions): Promise<TrainingStepProfile> {
  const steps = o.steps ?? 5;
  const warmup = o.warmup ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new ArgumentError(`steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new ArgumentError(`warmup must be a non-negative integer, got ${warmup}`);
  if (o.variables.length === 0) throw new ArgumentError('profileTrainingStep: no variables to train; pass the trainable variables');
  let before = tf.memory().numTensors;

  let compressionMs = 0;
  const restore: (() => void)[] = [];
  for (const c of o.compressors ?? []) {
    const original = c.compress;
    const timed = (input: tf.Tensor) => {
      const t0 = performance.now();
      try {
        return original.call(c, input);
      } finally {
        compressionMs += performance.now() - t0;
      }
    };
    (c as { compress: typeof original }).compress = timed;
    restore.push(() => {
      (c as { compress: typeof original }).compress = original;
    });
  }

  // One step, synchronous (cpu and wasm run every kernel synchronously; dataSync waits for the
  // loss elsewhere), so that measurePeakBytes can watch it.
  const runStep = (): StepSample => {
    compressionMs = 0;
    let saved: SavedOnTape = { bytes: 0, buffers: 0, byKernel: {} };
    let layerSaved: SavedOnTape | null = null;
    let tForwardEnd = 0;
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const loss = o.forward();
      saved = savedOnActiveTape({ exclude: o.exclude ? o.exclude() : [] });
      if (o.layerOutputs) layerSaved = savedOnActiveTape({ producedBy: o.layerOutputs() });
      tForwardEnd = performance.now();
      return loss;
    }, o.variables);
    const tBackwardEnd = performance.now();
    if (o.optimizer) o.optimizer.applyGradients(grads);
    value.dataSync();
    const tEnd = performance.now();
    value.dispose();
    tf.dispose(Object.values(grads));
    const comp = compressionMs;
    return {
      forwardMs: tForwardEnd - t0 - comp,
      compressionMs: comp,
      backwardMs: tBackwardEnd - tForwardEnd,
      optimizerMs: tEnd - tBackwardEnd,
      totalMs: tEnd - t0,
      saved,
      layerSaved,
    };
  };

  try {
    for (let i = 0; i < warmup; i++) runStep();
    // counted after warm-up: optimizers create their state variables on their first step
    if (warmup > 0) before = tf.memory().numTensors;
    const samples: StepSample[] = [];
    for (let i = 0; i < steps; i++) samples.push(runStep());
    let peakBytes: number | null = null;
    let peakAboveStartBytes: number | null = null;
    if (o.measurePeak ?? true) {
      // not tf.profile's peakBytes: it counts a buffer once per tensor that views it (docs/traps.md)
      const metered = measurePeakBytes(() => runStep(), { resident: o.variables });
      peakBytes = metered.peakBytes;
      peakAboveStartBytes = metered.peakAboveStartBytes;
    }
    const last = samples[samples.length - 1];
    return {
      steps,
      warmup,
      retainedBytes: last.saved.bytes,
      retainedByKernel: last.saved.byKernel,
      layerRetainedBytes: last.layerSaved ? last.layerSaved.bytes : null,
      maxRetainedBytes: Math.max(...samples.map((s) => s.saved.bytes)),
      peakBytes,
      peakAboveStartBytes,
      forward: timingStats(samples.map((s) => s.forwardMs)),
      compression: timingStats(samples.map((s) => s.compressionMs)),
      backward: timingStats(samples.map((s) => s.backwardMs)),
      optimizer: timingStats(samples.map((s) => s.optimizerMs)),
      total: timingStats(samples.map((s) => s.totalMs)),
      leakedTensors: tf.memory().numTensors - before,
    };
  } finally {
    for (const r of restore) r();
  }
}
