import { ArgumentError, measurePeakBytes, savedOnActiveTape, tensorBufferBytes, tf, wasmHeapBytes } from '@odl/backend';
import { timingStats, type TimingStats } from './profile-step';

/** The four phases of a whole training step, in order. */
export type WholeStepPhase = 'frozen-forward' | 'trainable-forward' | 'backward' | 'update';

/** The phases in step order. */
export const WHOLE_STEP_PHASES: readonly WholeStepPhase[] = ['frozen-forward', 'trainable-forward', 'backward', 'update'];

/** What {@link measureStep} runs: one training step, split into its phases. */
export interface WholeStepOptions {
  /** The batch and its labels: alive before the step, counted as {@link WholeStepBytes.inputs}. */
  inputs: readonly tf.Tensor[];
  /**
   * The frozen forward: the features of the batch out of the frozen part of the model (e.g. a zoo
   * model's `frozenFeatures(x, frozenPrefixBlocks())`). It runs outside the gradient tape. Absent:
   * the step has no frozen part and `loss` gets `null`.
   */
  frozenForward?: () => tf.Tensor;
  /**
   * The trainable forward and the loss, recorded on the gradient tape (compression included); gets
   * the frozen forward's output, which {@link measureStep} disposes after the step.
   */
  loss: (features: tf.Tensor | null) => tf.Scalar;
  /** The trained variables (gradients are taken for these). */
  variables: readonly tf.Variable[];
  /** Every variable of the model, frozen ones included: {@link WholeStepBytes.weights}. Default `variables`. */
  weights?: readonly tf.Variable[];
  /**
   * The optimizer update: applies the gradients (keyed by variable name, as `tf.variableGrads`
   * returns them) to the variables. {@link measureStep} disposes the gradients after it. Absent:
   * the gradients are computed and dropped.
   */
  update?: (grads: tf.NamedTensorMap) => void;
  /**
   * The optimizer's state alive between steps (momentum or Adam slots), read after the warm-up
   * steps (optimizers create their slots on their first update). Absent: none (plain SGD, momentum 0).
   */
  optimizerState?: () => readonly tf.Tensor[];
  /** Timed steps (after warm-up); default 3. */
  steps?: number;
  /** Warm-up steps, run and not measured; default 1 (methods with a warm start build their state then). */
  warmup?: number;
}

/**
 * The bytes of a whole training step: its measured peak and what it is made of. Every figure is
 * exact (unique buffers, by dataId, as the engine allocated them) and `transients` is what the
 * peak holds beyond the rest.
 */
export interface WholeStepBytes {
  /** Largest live bytes during the step (weights, inputs and optimizer state included), `measurePeakBytes` (@odl/backend). */
  peak: number;
  /** Every model variable (frozen and trained; `weights`, else the trained variables). */
  weights: number;
  /** The batch and labels (`inputs`), buffers not already counted as weights. */
  inputs: number;
  /** The optimizer's state between steps (0 for plain SGD). */
  optimizerState: number;
  /**
   * What the gradient tape keeps for backward at the end of the trainable forward (every saved
   * buffer once, variables and inputs excluded): the activations, or a method's compressed
   * factors. tfjs releases them at the end of backward, so they coexist with the gradients.
   */
  keptActivations: number;
  /** The gradients of the trained variables. */
  gradients: number;
  /**
   * `peak` minus every figure above: what else the step holds at its peak, e.g. the gradients of
   * the activations (tfjs keeps each until backward ends), the frozen forward's feature maps, a
   * kernel's output before its input is released, a method's per-step state.
   */
  transients: number;
}

/** Result of {@link measureStep}. */
export interface WholeStepMeasurement {
  /** Timed steps. */
  steps: number;
  /** Warm-up steps run before them. */
  warmup: number;
  /** Wall time of the frozen forward (0 without `frozenForward`). */
  frozenForward: TimingStats;
  /** Wall time of the trainable forward and loss, on the tape (compression included). */
  trainableForward: TimingStats;
  /** Wall time of backward (the gradients). */
  backward: TimingStats;
  /** Wall time of the optimizer update (0 without `update`). */
  update: TimingStats;
  /** Wall time of the whole step. */
  total: TimingStats;
  /** The peak bytes and their breakdown, from one more step run under `measurePeakBytes` (@odl/backend). */
  bytes: WholeStepBytes;
  /** The phase in which the peak was reached. */
  peakPhase: WholeStepPhase | null;
  /** The largest live bytes within each phase. */
  phasePeakBytes: Partial<Record<WholeStepPhase, number>>;
  /** {@link WholeStepBytes.keptActivations} split by the kernel (or custom-gradient scope) that saved each buffer. */
  keptByKernel: Record<string, number>;
  /** Size of the wasm heap after the measured step (the process's high-water mark, never shrinks); `null` on other backends. */
  wasmHeapBytes: number | null;
  /** Tensors alive after the run minus after the warm-up (0 when nothing leaks). */
  leakedTensors: number;
}

/** Unique bytes of the buffers behind `tensors`, minus those in `skip` (both by dataId). */
function uniqueBytes(tensors: readonly tf.Tensor[], skip: Set<object> = new Set()): number {
  let bytes = 0;
  for (const t of tensors) {
    const id = t.dataId as object;
    if (t.isDisposed || skip.has(id)) continue;
    skip.add(id);
    bytes += tensorBufferBytes(t);
  }
  return bytes;
}

interface Sample {
  ms: Record<WholeStepPhase, number>;
  totalMs: number;
  keptBytes: number;
  keptByKernel: Record<string, number>;
  gradientBytes: number;
}

/**
 * Runs whole training steps (frozen forward, trainable forward, backward, optimizer update) and
 * measures the wall time of each phase and the peak bytes of the step with their breakdown
 * ({@link WholeStepBytes}): the timed steps run plain, then one more step runs under
 * `measurePeakBytes` (@odl/backend), so the meter's bookkeeping costs no time in the figures. The paper
 * counts the compressed layers' inputs only; a device runs out of memory at the peak of
 * everything alive (docs/benchmarks.md, "Whole training step"). Phase times are exact on synchronous
 * backends (cpu, wasm).
 *
 * @example
 * ```ts
 * const k = model.frozenPrefixBlocks();
 * const m = await measureStep({
 *   inputs: [x, labels],
 *   frozenForward: () => model.frozenFeatures(x, k),
 *   loss: (h) => crossEntropy(model.forward(h as tf.Tensor4D, { fromBlock: k, training: true }), labels),
 *   variables: [...model.trainableWeights().values()],
 *   weights: [...model.namedWeights().values()],
 *   update: (grads) => { for (const v of variables) v.assign(tf.sub(v, tf.mul(grads[v.name]!, 0.05))); },
 * });
 * m.bytes.peak; m.peakPhase; m.backward.medianMs;
 * ```
 */
export async function measureStep(o: WholeStepOptions): Promise<WholeStepMeasurement> {
  const steps = o.steps ?? 3;
  const warmup = o.warmup ?? 1;
  if (!Number.isInteger(steps) || steps < 1) throw new ArgumentError(`measureStep: steps must be a positive integer, got ${steps}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new ArgumentError(`measureStep: warmup must be a non-negative integer, got ${warmup}`);
  if (o.variables.length === 0) throw new ArgumentError('measureStep: no variables to train; pass the trained variables (e.g. model.trainableWeights())');
  if (typeof o.loss !== 'function') throw new ArgumentError('measureStep: loss must be a function returning the scalar loss');

  const runStep = (phase: (name: WholeStepPhase) => void = () => {}): Sample => {
    const t0 = performance.now();
    phase('frozen-forward');
    const features = o.frozenForward ? o.frozenForward() : null;
    const t1 = performance.now();
    phase('trainable-forward');
    let kept: { bytes: number; byKernel: Record<string, number> } = { bytes: 0, byKernel: {} };
    let t2 = 0;
    let value: tf.Scalar | undefined;
    let grads: tf.NamedTensorMap = {};
    try {
      ({ value, grads } = tf.variableGrads(() => {
        const loss = o.loss(features);
        kept = savedOnActiveTape({ exclude: o.inputs });
        t2 = performance.now();
        phase('backward');
        return loss;
      }, [...o.variables]));
      const t3 = performance.now();
      phase('update');
      const gradientBytes = uniqueBytes(Object.values(grads));
      o.update?.(grads);
      value.dataSync();
      const t4 = performance.now();
      return {
        ms: { 'frozen-forward': t1 - t0, 'trainable-forward': t2 - t1, backward: t3 - t2, update: t4 - t3 },
        totalMs: t4 - t0,
        keptBytes: kept.bytes,
        keptByKernel: kept.byKernel,
        gradientBytes,
      };
    } finally {
      tf.dispose([...(features ? [features] : []), ...(value ? [value] : []), ...Object.values(grads)]);
    }
  };

  for (let i = 0; i < warmup; i++) runStep();
  const before = tf.memory().numTensors;
  const samples: Sample[] = [];
  for (let i = 0; i < steps; i++) {
    samples.push(runStep());
    await new Promise((r) => setTimeout(r, 0)); // let timers and the event loop run between steps
  }

  const weights = o.weights ?? o.variables;
  const optimizerState = o.optimizerState?.() ?? [];
  const seen = new Set<object>();
  const weightBytes = uniqueBytes(weights, seen);
  const inputBytes = uniqueBytes(o.inputs, seen);
  const optimizerBytes = uniqueBytes(optimizerState, seen);
  const metered = measurePeakBytes((phase) => runStep(phase), { resident: [...weights, ...o.inputs, ...optimizerState] });
  const s = metered.result;
  const rest = weightBytes + inputBytes + optimizerBytes + s.keptBytes + s.gradientBytes;
  const phasePeakBytes: Partial<Record<WholeStepPhase, number>> = {};
  for (const p of WHOLE_STEP_PHASES) if (metered.phasePeakBytes[p] != null) phasePeakBytes[p] = metered.phasePeakBytes[p];
  const stats = (f: (x: Sample) => number) => timingStats(samples.map(f));
  return {
    steps,
    warmup,
    frozenForward: stats((x) => x.ms['frozen-forward']),
    trainableForward: stats((x) => x.ms['trainable-forward']),
    backward: stats((x) => x.ms.backward),
    update: stats((x) => x.ms.update),
    total: stats((x) => x.totalMs),
    bytes: {
      peak: metered.peakBytes,
      weights: weightBytes,
      inputs: inputBytes,
      optimizerState: optimizerBytes,
      keptActivations: s.keptBytes,
      gradients: s.gradientBytes,
      transients: metered.peakBytes - rest,
    },
    peakPhase: metered.peakPhase as WholeStepPhase | null,
    phasePeakBytes,
    keptByKernel: s.keptByKernel,
    wasmHeapBytes: wasmHeapBytes(),
    leakedTensors: tf.memory().numTensors - before,
  };
}
