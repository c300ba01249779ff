// Benchmark (issue #17, item 4): one whole training step of a CNN — the frozen forward included —
// per method, with the wall time of each phase and the measured peak bytes of the step with their
// breakdown (@odl/profiler's measureStep). The paper counts only the compressed layers' inputs at
// 4 bytes each; a device runs out of memory at the peak of everything alive (docs/benchmarks.md,
// "Whole training step").
//
// The step is the main job's (apps/cli/src/commands/demo.ts, the paper's protocol): SGD lr 0.05 without
// momentum (no optimizer state), weight decay 1e-4, gradient clipping at 2, BatchNorm statistics
// frozen; ASI planned within vanilla's analytic activation memory / 10, HOSVD_ε at ε = 0.8, the
// gradient filter at r = 2. The session (FineTuneSession) prepares and plans; the step is run
// here in its four phases, as Trainer.trainStep runs it when the frozen features are not cached.
import { setupBackend, tf } from '@odl/backend';
import { getMethod } from '@odl/core';
import { clipByGlobalNorm, createModel, crossEntropy, FineTuneSession, makeBatch, Optimizer, type ArchitectureName, type LabeledImages } from '@odl/models';
import { measureStep, wholeStepMarkdown, type WholeStepMeasurement } from '@odl/profiler';
import type { BenchRow } from '@odl/test-utils';

/** One step setting: a model at a resolution, fine-tuning its last N layers. */
export interface WholeStepSetting {
  /** Zoo architecture (random He-normal weights, 3 input channels, 10 classes). */
  architecture: ArchitectureName;
  /** Input height = width in pixels. */
  resolution: number;
  /** N: the last N convolutions train through the method. */
  lastN: number;
}

/** One method of the comparison, configured as the main job configures it. */
export interface WholeStepMethod {
  /** Label in the rows. */
  label: string;
  /** Registry name. */
  method: string;
  /** Its options. */
  methodOptions?: Record<string, unknown>;
}

/** Options of {@link benchWholeStep}. */
export interface WholeStepBenchOptions {
  /** The settings (default {@link DEFAULT_SETTINGS}). */
  settings?: readonly WholeStepSetting[];
  /** The methods (default {@link WHOLE_STEP_METHODS}). */
  methods?: readonly WholeStepMethod[];
  /** Batch size (default 64). */
  batch?: number;
  /** Timed steps per method (default 3, after 1 warm-up step; one more step measures the bytes). */
  steps?: number;
  /** Budget of a planning method = vanilla's analytic activation memory / ratio (default 10). */
  ratio?: number;
  /** Called with each setting's Markdown table (the bench prints them). */
  onTable?: (title: string, markdown: string) => void;
}

/** The methods of the main job (demo.ts), float32 ASI. */
export const WHOLE_STEP_METHODS: readonly WholeStepMethod[] = [
  { label: 'vanilla', method: 'vanilla' },
  { label: 'asi', method: 'asi' },
  { label: 'hosvd ε=0.8', method: 'hosvd', methodOptions: { epsilon: 0.8 } },
  { label: 'gradient-filter r=2', method: 'gradient-filter', methodOptions: { radius: 2 } },
];

/**
 * The default subset, sized for a few minutes on 2 cores: both models at 224×224 with the last 4
 * layers (the comparison), and at the shipped model's 64×64 with the last 2, 4 and 6.
 */
export const DEFAULT_SETTINGS: readonly WholeStepSetting[] = [
  { architecture: 'mcunet-in1', resolution: 224, lastN: 4 },
  { architecture: 'mobilenetv2', resolution: 224, lastN: 4 },
  ...(['mcunet-in1', 'mobilenetv2'] as const).flatMap((architecture) => [2, 4, 6].map((lastN) => ({ architecture, resolution: 64, lastN }))),
];

/**
 * Synthetic RGB images with structure (smooth seeded patterns: low-rank feature maps, as real
 * images give, so HOSVD_ε and ASI's planner meet a decaying spectrum), labels cycling over 10 classes.
 */
function images(n: number, size: number): LabeledImages {
  const data = new Uint8Array(n * size * size * 3);
  let i = 0;
  for (let b = 0; b < n; b++) {
    const fx = 0.02 + 0.01 * (b % 7);
    const fy = 0.03 + 0.01 * (b % 5);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        for (let c = 0; c < 3; c++) data[i++] = Math.round(127.5 + 100 * Math.sin(fx * x * (c + 1) + b) * Math.cos(fy * y + 0.5 * c));
      }
    }
  }
  return { images: data, shape: [n, size, size, 3], labels: Array.from({ length: n }, (_, k) => k % 10), numClasses: 10 };
}

/** The three kernels (or custom-gradient scopes) that keep the most bytes, `name bytes` each. */
function topKernels(byKernel: Record<string, number>): string {
  return Object.entries(byKernel).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, b]) => `${k} ${b}`).join(', ');
}

/** Vanilla's analytic activation bytes of the setting's fine-tuned layers (the budget's base, as demo.ts counts it). */
async function vanillaBytes(s: WholeStepSetting, data: LabeledImages, batch: number): Promise<number> {
  const model = createModel(s.architecture, { inputChannels: 3, numClasses: 10, init: 'zeros' });
  const probe = await FineTuneSession.create({ model, input: { height: s.resolution, width: s.resolution, channels: 3 }, train: data, test: data, protocol: 'paper', method: 'vanilla', lastN: s.lastN, batchSize: batch, epochs: 0 });
  try {
    return probe.costs.analyticBytes;
  } finally {
    probe.dispose();
    model.dispose();
  }
}

/** One method's whole step at one setting. */
async function measureMethod(s: WholeStepSetting, m: WholeStepMethod, data: LabeledImages, batch: number, steps: number, budgetBytes: number): Promise<{ measurement: WholeStepMeasurement; analyticBytes: number }> {
  const model = createModel(s.architecture, { inputChannels: 3, numClasses: 10, seed: 0 });
  const input = { height: s.resolution, width: s.resolution, channels: 3 };
  const planned = getMethod(m.method).planner != null;
  const session = await FineTuneSession.create({
    model, input, train: data, test: data, protocol: 'paper', method: m.method, methodOptions: m.methodOptions,
    budgetBytes: planned ? budgetBytes : undefined, lastN: s.lastN, batchSize: batch, epochs: 0,
  });
  const { x, y } = makeBatch(data, Array.from({ length: batch }, (_, i) => i), input);
  const optimizer = new Optimizer(session.settings.optimizer);
  try {
    const trainable = model.trainableWeights();
    const byVariable = new Map([...trainable].map(([name, v]) => [v.name, name]));
    const k = model.frozenPrefixBlocks();
    const clipNorm = session.settings.clipNorm;
    const measurement = await measureStep({
      inputs: [x, y],
      frozenForward: () => model.frozenFeatures(x, k),
      loss: (h) => crossEntropy(model.forward(h as tf.Tensor4D, { training: true, fromBlock: k }), y),
      variables: [...trainable.values()],
      weights: [...model.namedWeights().values()],
      update: (grads) => {
        const named = new Map(Object.entries(grads).map(([v, g]) => [byVariable.get(v)!, g]));
        const clipped = clipNorm != null ? clipByGlobalNorm(named, clipNorm).grads : named;
        optimizer.apply(trainable, clipped, session.settings.optimizer.learningRate);
        if (clipped !== named) tf.dispose([...clipped.values()]);
      },
      // SGD without momentum (the paper's protocol) keeps no optimizer state
      optimizerState: () => [],
      steps,
      warmup: 1,
    });
    return { measurement, analyticBytes: session.costs.analyticBytes };
  } finally {
    tf.dispose([x, y]);
    optimizer.dispose();
    session.dispose();
    model.dispose();
  }
}

/**
 * Measures one whole training step per method and setting (wasm): per-phase median wall times,
 * the measured peak bytes with their breakdown, and the paper's count (the analytic activation
 * bytes of the compressed layers) beside it.
 */
export async function benchWholeStep(o: WholeStepBenchOptions = {}): Promise<BenchRow[]> {
  await setupBackend({ prefer: ['wasm'] });
  const batch = o.batch ?? 64;
  const steps = o.steps ?? 3;
  const ratio = o.ratio ?? 10;
  const rows: BenchRow[] = [];
  const start = tf.memory().numTensors;
  for (const s of o.settings ?? DEFAULT_SETTINGS) {
    const data = images(batch, s.resolution);
    const title = `${s.architecture}, ${s.resolution}×${s.resolution}, batch ${batch}, last ${s.lastN} layers`;
    const budgetBytes = Math.floor((await vanillaBytes(s, data, batch)) / ratio);
    const table: { label: string; m: WholeStepMeasurement }[] = [];
    for (const m of o.methods ?? WHOLE_STEP_METHODS) {
      const { measurement: r, analyticBytes } = await measureMethod(s, m, data, batch, steps, budgetBytes);
      table.push({ label: m.label, m: r });
      const note = `${title}; ${tf.getBackend()}; median of ${steps} steps`;
      const b = r.bytes;
      rows.push(
        { name: `${title} — ${m.label}: measured peak bytes of the step`, value: b.peak, unit: 'bytes', note: `peak in ${r.peakPhase ?? '?'}; wasm heap ${r.wasmHeapBytes ?? '—'} bytes (high-water mark)` },
        {
          name: `${title} — ${m.label}: peak after the frozen forward (trainable forward, backward, update)`,
          value: Math.max(r.phasePeakBytes['trainable-forward'] ?? 0, r.phasePeakBytes.backward ?? 0, r.phasePeakBytes.update ?? 0),
          unit: 'bytes',
          note: `frozen forward ${r.phasePeakBytes['frozen-forward'] ?? 0}; trainable forward ${r.phasePeakBytes['trainable-forward'] ?? 0}; backward ${r.phasePeakBytes.backward ?? 0}; update ${r.phasePeakBytes.update ?? 0}`,
        },
        { name: `${title} — ${m.label}: weights / input batch / optimizer state`, value: b.weights + b.inputs + b.optimizerState, unit: 'bytes', note: `${b.weights} + ${b.inputs} + ${b.optimizerState}` },
        { name: `${title} — ${m.label}: kept activations (measured on the tape)`, value: b.keptActivations, unit: 'bytes', note: `the paper's count (analytic, compressed layers): ${analyticBytes}; largest savers: ${topKernels(r.keptByKernel)}` },
        { name: `${title} — ${m.label}: gradients`, value: b.gradients, unit: 'bytes' },
        { name: `${title} — ${m.label}: transients`, value: b.transients, unit: 'bytes' },
        { name: `${title} — ${m.label}: frozen forward`, value: r.frozenForward.medianMs, unit: 'ms', note },
        { name: `${title} — ${m.label}: trainable forward`, value: r.trainableForward.medianMs, unit: 'ms', note },
        { name: `${title} — ${m.label}: backward`, value: r.backward.medianMs, unit: 'ms', note },
        { name: `${title} — ${m.label}: optimizer update`, value: r.update.medianMs, unit: 'ms', note },
        { name: `${title} — ${m.label}: whole step`, value: r.total.medianMs, unit: 'ms', note },
      );
      if (r.leakedTensors !== 0) rows.push({ name: `${title} — ${m.label}: tensors leaked per step`, value: r.leakedTensors, unit: 'tensors' });
    }
    const base = table[0]!.m;
    for (const { label, m } of table.slice(1)) {
      rows.push(
        { name: `${title} — peak bytes, vanilla / ${label}`, value: base.bytes.peak / m.bytes.peak, unit: '×' },
        { name: `${title} — whole-step time, vanilla / ${label}`, value: base.total.medianMs / m.total.medianMs, unit: '×', note: 'target for ASI at 224×224, last 4: ≥ 1 (not slower)' },
      );
    }
    o.onTable?.(title, wholeStepMarkdown(table.map(({ label, m }) => ({ label, bytes: m.bytes, peakPhase: m.peakPhase, times: m })), { aligned: true }));
  }
  rows.push({ name: 'tensors alive after the suite minus before', value: tf.memory().numTensors - start, unit: 'tensors' });
  return rows;
}
