// One method's fine-tuning run, driven through @odl/models' FineTuneSession: created from the
// page's request, stepped with next() under the page's pause / stop, evaluated every K steps,
// reported (memory, layers, the planner's choice) and saved with session.checkpoint. Generic over
// methods: everything method-specific comes from the method's plugin, through the session.
import { tf } from '@odl/backend';
import { getMethod } from '@odl/core';
import { FineTuneSession } from '@odl/models';
import type { FromWorker, MethodRun, RunConfig } from '../protocol';
import type { RunControl } from './control';
import { memoryMessage } from './costs';
import { subset, type RunData } from './data';
import { RunRequestError } from './errors';
import { layerInfo } from './layers';
import { loadBaseModel } from './models';
import { planTableLines } from './plan-log';
import { savedModelUrl } from './store';

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

/** The budget of a run in bytes: the request's, for a method that plans; otherwise none. */
function budgetBytesFor(method: string, budgetMiB: number | null): number | undefined {
  if (budgetMiB == null || getMethod(method).planner == null) return undefined;
  if (!(budgetMiB > 0)) throw new RunRequestError(`the memory budget must be a positive number of MiB, got ${budgetMiB}; enter one or leave the field empty`);
  return Math.round(budgetMiB * BYTES_PER_MIB);
}

/** Runs one method; returns false when the user stopped the whole comparison. */
export async function runMethod(config: RunConfig, run: MethodRun, runId: number, ctx: RunContext): Promise<boolean> {
  const { post, control } = ctx;
  const log = (line: string) => post({ type: 'log', line: `[${run.method}] ${line}` });
  const budgetBytes = budgetBytesFor(run.method, config.budgetMiB); // also: an unknown method fails here, before any loading
  const base = await loadBaseModel(config.model, config.data.kind === 'user' ? 3 : 1, config.seed);
  let session: FineTuneSession | null = null;
  try {
    const data = await ctx.data(base.input);
    const input = base.input;
    log(`model: ${base.label}; input ${input.height}×${input.width}×${input.channels}; protocol ${config.protocol}`);
    const sized = data.userImageSize;
    if (sized != null) log(`your images: shorter side resized to ${sized.resizeTo} px, centre ${sized.size}×${sized.size} kept (as torchvision's Resize + CenterCrop)`);
    const b = config.batchSize;
    const train = subset(data.train, config.steps * b, config.seed);
    const test = subset(data.test, config.evalImages, config.seed + 1);
    const perEpoch = Math.floor(train.shape[0] / b);
    if (perEpoch === 0) throw new RunRequestError(`${train.shape[0]} training images give no full batch of ${b}; lower the batch size`);
    session = await FineTuneSession.create({
      protocol: config.protocol,
      model: base.model,
      input,
      train,
      test,
      calibration: data.calibration,
      method: run.method,
      methodOptions: run.options,
      budgetBytes,
      lastN: config.lastN,
      epochs: Math.ceil(config.steps / perEpoch),
      batchSize: b,
      learningRate: config.learningRate,
      seed: config.seed,
      evaluateEveryEpoch: false,
      onLog: log,
    });
    for (const table of session.plan?.tables ?? []) for (const line of planTableLines(table)) log(line);
    const plan = session.plan ? { summary: session.plan.summary, tables: session.plan.tables ?? [] } : null;
    session.on('evaluate', (e) => post({ type: 'eval', runId, step: e.step, top1: e.top1, loss: e.loss }));
    const totalSteps = Math.min(config.steps, session.totalSteps);
    post({
      type: 'run-start', runId, method: run.method, protocol: session.settings.protocol, totalSteps, layers: session.layers.map(layerInfo), plan,
      trainImages: train.shape[0], testImages: test.shape[0], classNames: data.classNames,
    });
    await session.evaluate(test);

    let stopped = false;
    while (session.step < totalSteps) {
      if (!(await control.proceed(() => post({ type: 'state', state: 'paused' }), () => post({ type: 'state', state: 'running' })))) {
        stopped = true;
        break;
      }
      const { progress } = await session.next();
      post({ type: 'step', runId, step: progress.step, loss: progress.loss, ms: progress.msPerStep, learningRate: progress.learningRate, numTensors: tf.memory().numTensors });
      if (progress.step === 1) post(memoryMessage(session, runId));
      if (progress.step % config.evalEvery === 0 || progress.step === totalSteps) await session.evaluate(test);
    }
    const steps = session.step;
    let savedAs: string | null = null;
    let top1: number | null = null;
    if (steps > 0) {
      const report = await session.report(); // evaluates the test images when the last step has no evaluation yet
      top1 = report.top1;
      savedAs = savedModelUrl(run.method);
      await session.checkpoint(savedAs, {
        classNames: data.classNames,
        options: run.options,
        protocol: report.protocol,
        lastN: config.lastN,
        steps,
        batchSize: b,
        top1,
        testImages: test.shape[0],
        activationBytes: report.activationBytes,
        backend: ctx.backend,
        base: base.label,
        data: config.data.kind,
      });
      log(`saved as ${savedAs}`);
    }
    post({ type: 'run-end', runId, steps, stopped, savedAs, top1 });
    return !stopped;
  } finally {
    session?.dispose();
    base.model.dispose();
  }
}
