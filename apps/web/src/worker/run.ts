// One fine-tuning run of one method, step by step, reporting every step to the page.
import { savedOnActiveTape, tf } from '@odl/backend';
import { evaluate, resetFineTune, selectRanks, Trainer, type FineTuneSetup, type ZooModel } from '@odl/models';
import { activationBytesOf, layerCost } from '@odl/profiler';
import type { FromWorker, LayerInfo, MethodName, RunConfig } from '../protocol';
import type { RunControl } from './control';
import { subset, type RunData } from './data';
import { loadBaseModel } from './models';
import { prepareWithFallback } from './prepare';
import { saveModel } from './store';

const BYTES_PER_MIB = 1024 * 1024;

/** Everything a run needs besides its configuration. */
export interface RunContext {
  /** Sends a message to the page. */
  post: (msg: FromWorker) => void;
  /** Pause / stop requests. */
  control: RunControl;
  /** The active tfjs backend. */
  backend: string;
  /** Loads the data for an input spec (cached by the caller). */
  data: (input: { height: number; width: number; channels: number }) => Promise<RunData>;
}

/** Analytic activation bytes and training FLOPs (exact mode) of the trained layers. */
function analyticCost(model: ZooModel, setup: FineTuneSetup): { bytes: number; vanillaBytes: number; flops: number } {
  let bytes = 0;
  let vanillaBytes = 0;
  let flops = 0;
  for (const l of setup.trained) {
    let options = l.options;
    if (l.method === 'hosvd') {
      // HOSVD_ε's ranks depend on the batch: count the ranks of the latest step.
      const ranks = (model.runtime.get(l.name)?.compressor as { lastRanks?: number[] | null } | undefined)?.lastRanks;
      if (ranks == null) return { bytes: Number.NaN, vanillaBytes: Number.NaN, flops: Number.NaN };
      options = { ...options, ranks };
    }
    const c = layerCost(l.spec.geometry, l.method, options, { mode: 'exact' });
    bytes += activationBytesOf(c);
    flops += c.forwardFlops + c.backwardFlops;
    vanillaBytes += layerCost(l.spec.geometry, 'vanilla', {}, { mode: 'exact' }).activationElements * 4;
  }
  return { bytes, vanillaBytes, flops };
}

function layerInfo(setup: FineTuneSetup): LayerInfo[] {
  return setup.trained.map((l) => {
    const o = l.options as { ranks?: number[]; epsilon?: number; radius?: number; storage?: string };
    const ranks = o.ranks ? `ranks [${o.ranks.join(', ')}]${o.storage === 'int8' ? ', int8' : ''}` : null;
    const detail = ranks ?? (o.epsilon != null ? `ε = ${o.epsilon}` : o.radius != null ? `radius ${o.radius}` : 'exact');
    return { name: l.name, kind: l.spec.geometry.kind, inputShape: [...l.spec.geometry.inputShape], method: l.method, detail };
  });
}

/** Runs one method; returns false when the user stopped the whole comparison. */
export async function runMethod(config: RunConfig, method: MethodName, runId: number, ctx: RunContext): Promise<boolean> {
  const { post, control } = ctx;
  const log = (line: string) => post({ type: 'log', line: `[${method}] ${line}` });
  const channels = config.data.kind === 'user' ? 3 : 1;
  const base = await loadBaseModel(config.model, channels, config.seed);
  const model = base.model;
  let trainer: Trainer | null = null;
  try {
    const input = base.input;
    const data = await ctx.data(input);
    log(`model: ${base.label}; input ${input.height}×${input.width}×${input.channels}`);
    model.resetClassifier(data.classNames.length, config.seed);
    const b = config.batchSize;
    const train = subset(data.train, config.steps * b, config.seed);
    const test = subset(data.test, config.evalImages, config.seed + 1);
    const perEpoch = Math.floor(train.shape[0] / b);
    if (perEpoch === 0) throw new Error(`${train.shape[0]} training images give no full batch of ${b}; lower the batch size`);
    const epochs = Math.ceil(config.steps / perEpoch);

    let perLayerOptions: Record<string, Record<string, unknown>> | undefined;
    let methodOptions: Record<string, unknown> | undefined;
    if (method === 'asi') {
      const budgetBytes = Math.round(config.budgetMiB * BYTES_PER_MIB);
      const storage = config.asiStorage ?? 'float32';
      log(`rank selection on a calibration batch of ${b} (budget ${config.budgetMiB} MiB, ${storage} storage)`);
      const sel = await selectRanks(model, { lastN: config.lastN, calibration: data.calibration, input, batchSize: b, budgetBytes, seed: config.seed, storage });
      perLayerOptions = sel.perLayerOptions;
      log(`plan: ${(sel.plan.totalBytes / 1024).toFixed(1)} KiB of ${(budgetBytes / 1024).toFixed(1)} KiB, ε per layer ${sel.plan.layers.map((l) => l.epsilon).join(', ')}`);
      for (const l of sel.table.layers) {
        log(`  ${l.name}: ${l.candidates.map((c) => `ε ${c.epsilon} → [${c.ranks.join(',')}] ${(c.bytes / 1024).toFixed(1)} KiB, perplexity ${c.perplexity.toPrecision(3)}`).join('; ')}`);
      }
    } else if (method === 'hosvd') methodOptions = { epsilon: config.epsilon };
    else if (method === 'gradient-filter') methodOptions = { radius: config.radius };

    const inputShape: [number, number, number, number] = [b, input.height, input.width, input.channels];
    const { setup, fallbacks } = prepareWithFallback(model, { lastN: config.lastN, inputShape, method, methodOptions, perLayerOptions, seed: config.seed });
    for (const f of fallbacks) log(`${f.name} trains exactly (vanilla): ${f.reason}`);
    post({
      type: 'run-start', runId, method, totalSteps: config.steps, layers: layerInfo(setup),
      trainImages: train.shape[0], testImages: test.shape[0], classNames: data.classNames,
    });

    let measured = 0;
    let stepMsg: Extract<FromWorker, { type: 'step' }> | null = null;
    trainer = new Trainer(model, {
      optimizer: { type: 'sgd', learningRate: config.learningRate, momentum: 0 },
      schedule: { kind: 'cosine' },
      epochs,
      batchSize: b,
      seed: config.seed,
      clipNorm: 2.0,
      input,
      onTape: () => {
        measured = savedOnActiveTape().bytes;
      },
      onStep: (p) => {
        stepMsg = {
          type: 'step', runId, step: p.step, loss: p.loss, ms: p.msPerStep, learningRate: p.learningRate,
          measuredBytes: measured, numTensors: 0,
        };
      },
    });

    const runEval = async (step: number): Promise<number> => {
      const r = await evaluate(model, test, input, 128);
      post({ type: 'eval', runId, step, top1: r.top1, loss: r.loss });
      return r.top1;
    };
    let top1 = await runEval(0);
    let step = 0;
    let stopped = false;
    let lastEval = 0;
    while (step < config.steps) {
      if (!(await control.proceed(() => post({ type: 'state', state: 'paused' }), () => post({ type: 'state', state: 'running' })))) {
        stopped = true;
        break;
      }
      await trainer.fit(train, { stopAtStep: step + 1 });
      step = trainer.globalStep;
      if (stepMsg != null) {
        const msg: Extract<FromWorker, { type: 'step' }> = stepMsg;
        msg.numTensors = tf.memory().numTensors;
        post(msg);
      }
      if (step === 1 || method === 'hosvd') {
        const cost = analyticCost(model, setup);
        post({ type: 'memory', runId, analyticBytes: cost.bytes, vanillaBytes: cost.vanillaBytes, measuredBytes: measured, trainingFlops: cost.flops });
      }
      if (step % config.evalEvery === 0 || step === config.steps) {
        top1 = await runEval(step);
        lastEval = step;
      }
    }
    if (step > 0 && lastEval !== step) top1 = await runEval(step);
    let savedAs: string | null = null;
    if (step > 0) {
      const cost = analyticCost(model, setup);
      savedAs = await saveModel(model, method, {
        input,
        classNames: data.classNames,
        lastN: config.lastN,
        steps: step,
        batchSize: b,
        top1,
        testImages: test.shape[0],
        activationBytes: { analytic: cost.bytes, measured },
        backend: ctx.backend,
        base: base.label,
        data: config.data.kind,
      });
      log(`saved as ${savedAs}`);
    }
    post({ type: 'run-end', runId, steps: step, stopped, savedAs, top1: step > 0 ? top1 : null });
    return !stopped;
  } finally {
    trainer?.dispose();
    resetFineTune(model);
    model.dispose();
  }
}
