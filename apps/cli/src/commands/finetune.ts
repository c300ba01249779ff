import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend, type BackendName } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { listMethods, MethodOptionError, type MethodPlugin } from '@odl/core';
import { ARCHITECTURES, createModel, FineTuneSession, registerBuiltinMethods, type ArchitectureName, type FinetuneConfig, type FinetuneResult } from '@odl/models';
import { numberOption, parseOptions, scanFlag } from '../args';
import { loadUserData, DATA_FORMATS } from '../data';
import { UsageError } from '../errors';
import { flagConfig, foreignFlags, methodByName, methodFlags, methodHelp, methodOptionsFrom, type MethodFlag } from '../method-options';
import { emitJson, ProgressBar, say } from '../output';
import { loadPlugins } from '../plugins';

const COMMON = {
  model: { type: 'string' },
  resolution: { type: 'string' },
  channels: { type: 'string' },
  data: { type: 'string', default: 'embedded' },
  format: { type: 'string' },
  'test-data': { type: 'string' },
  method: { type: 'string', default: 'asi' },
  plugin: { type: 'string', multiple: true },
  protocol: { type: 'string', default: 'odl' },
  'budget-mib': { type: 'string' },
  layers: { type: 'string' },
  classifier: { type: 'string' },
  epochs: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  momentum: { type: 'string' },
  'weight-decay': { type: 'string' },
  clip: { type: 'string' },
  'batch-norm': { type: 'string' },
  seed: { type: 'string' },
  label: { type: 'string' },
  backend: { type: 'string', default: 'wasm' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

const HELP = `odl finetune — fine-tune the last N layers of a model with a training method

Options:
  --model <name|dir>    the shipped pretrained MCUNet-in1 (default), a checkpoint folder, or a zoo
                        architecture trained from scratch: ${ARCHITECTURES.join(', ')}
  --resolution <px>     input resolution for a zoo architecture (default 32)
  --channels <n>        input channels for a zoo architecture (default: the data's)
  --data <path>         'embedded' (default: the shipped Fashion-MNIST classes 5-9) or a path
  --format <f>          ${DATA_FORMATS.join(', ')} (needed with a --data path)
  --test-data <path>    test files (default: a seeded 20 % of the training data)
  --method <name>       a registered method (default asi; see below)
  --plugin <module>     an ES module that adds methods (repeatable)
  --protocol <p>        odl (default) or paper: the paper's setup A (lr 0.05, no momentum, weight
                        decay 1e-4, cosine per epoch to 0.1·lr, 50 epochs, batch 128, clip 2.0,
                        BatchNorm statistics frozen with γ/β trained); the flags below override it
  --budget-mib <MiB>    activation-memory budget of the fine-tuned layers, for a method that plans
                        its options (ASI's ranks, chosen exactly on a calibration batch)
  --layers <n>          N: the last N convolutions train through the method (default 4)
  --classifier <c>      exact (default: plain backpropagation) or method (compressed, one of the N)
  --epochs <n>          (protocol's)
  --batch <n>           (protocol's)
  --lr <rate>           peak learning rate (protocol's)
  --optimizer <o>       sgd or adam (protocol's)
  --momentum <m>        SGD momentum (protocol's)
  --weight-decay <w>    L2 weight decay (protocol's)
  --clip <norm>         global gradient-norm clip, 0 = none (protocol's)
  --batch-norm <mode>   trained, frozen-statistics or frozen (protocol's)
  --seed <n>            (default 0)
  --label <name>        the run's name in the result (default: the method)
  --backend <b>         wasm or cpu (default wasm)
  --out <dir>           write result.json and the fine-tuned checkpoint there
  --json                print the result as JSON on stdout
  --help

Methods and their options:
`;

/** The machine-readable summary of one fine-tuning run (`--json`, result.json, the demo's report). */
export interface FinetuneSummary {
  method: string;
  label: string;
  protocol: string;
  lastN: number | 'all';
  top1: number;
  loss: number;
  activationBytes: { analytic: number; measured: number };
  trainingFlops: number;
  trainingFlopsPaper: number;
  msPerStep: number;
  steps: number;
  layers: { name: string; method: string; role: string; options: Record<string, unknown>; reason?: string }[];
  layerCosts: FinetuneResult['layerCosts'];
  history: FinetuneResult['history'];
  plan?: { summary: string; totalBytes: number; details?: unknown };
}

/** Reduces a FinetuneResult to the JSON summary. */
export function summarize(r: FinetuneResult): FinetuneSummary {
  return {
    method: r.method,
    label: r.label,
    protocol: r.protocol,
    lastN: r.lastN,
    top1: r.top1,
    loss: r.loss,
    activationBytes: r.activationBytes,
    trainingFlops: r.trainingFlops,
    trainingFlopsPaper: r.trainingFlopsPaper,
    msPerStep: r.msPerStep,
    steps: r.steps,
    layers: r.layers.map((l) => ({ name: l.name, method: l.method, role: l.role, options: l.options, ...(l.reason ? { reason: l.reason } : {}) })),
    layerCosts: r.layerCosts,
    history: r.history,
    ...(r.plan ? { plan: { summary: r.plan.summary, totalBytes: r.plan.totalBytes, details: r.plan.details } } : {}),
  };
}

/** Builds the progress callbacks that draw one bar per epoch on stderr. */
export function progressCallbacks(label: string, quiet: boolean): Pick<FinetuneConfig, 'onStep' | 'onEpoch' | 'onLog'> {
  if (quiet) return {};
  let bar: ProgressBar | undefined;
  return {
    onLog: (line) => say(`${label}: ${line}`),
    onStep: (p) => {
      if (p.stepInEpoch === 1 || bar == null) bar = new ProgressBar(`${label} epoch ${p.epoch + 1}`, p.stepsPerEpoch);
      bar.update(p.stepInEpoch, `loss ${p.loss.toFixed(3)} ${p.msPerStep.toFixed(0)} ms/step`);
    },
    onEpoch: (r) => say(`${label} epoch ${r.epoch + 1}: train loss ${r.loss.toFixed(4)}, test top-1 ${r.eval ? (100 * r.eval.top1).toFixed(2) + '%' : 'n/a'}`),
  };
}

/**
 * The run settings common to `odl finetune` and `odl demo` read from parsed flags: the protocol
 * and whatever overrides it.
 */
export function trainingFlags(o: Record<string, unknown>): Partial<FinetuneConfig> {
  const str = (k: string) => o[k] as string | undefined;
  const c: Partial<FinetuneConfig> = {};
  const protocol = str('protocol');
  if (protocol != null) {
    if (protocol !== 'odl' && protocol !== 'paper') throw new UsageError(`--protocol must be odl or paper, got '${protocol}'`);
    c.protocol = protocol;
  }
  if (str('layers') != null) c.lastN = numberOption('layers', str('layers'), 4, 1, 10_000);
  if (str('epochs') != null) c.epochs = numberOption('epochs', str('epochs'), 1, 1, 10_000);
  if (str('batch') != null) c.batchSize = numberOption('batch', str('batch'), 32, 1, 1 << 16);
  if (str('lr') != null) c.learningRate = numberOption('lr', str('lr'), 0.05, 0, 100);
  if (str('momentum') != null) c.momentum = numberOption('momentum', str('momentum'), 0, 0, 1);
  if (str('weight-decay') != null) c.weightDecay = numberOption('weight-decay', str('weight-decay'), 0, 0, 1);
  if (str('clip') != null) {
    const clip = numberOption('clip', str('clip'), 2, 0, 1e6);
    c.clipNorm = clip === 0 ? null : clip;
  }
  const optimizer = str('optimizer');
  if (optimizer != null) {
    if (optimizer !== 'sgd' && optimizer !== 'adam') throw new UsageError(`--optimizer must be sgd or adam, got '${optimizer}'`);
    c.optimizer = optimizer;
  }
  const bn = str('batch-norm');
  if (bn != null) {
    if (bn !== 'trained' && bn !== 'frozen-statistics' && bn !== 'frozen') throw new UsageError(`--batch-norm must be trained, frozen-statistics or frozen, got '${bn}'`);
    c.batchNorm = bn;
  }
  const classifier = str('classifier');
  if (classifier != null) {
    if (classifier !== 'exact' && classifier !== 'method') throw new UsageError(`--classifier must be exact or method, got '${classifier}'`);
    c.classifier = classifier;
  }
  if (str('budget-mib') != null) c.budgetBytes = Math.floor(numberOption('budget-mib', str('budget-mib'), 0, 1e-9) * 2 ** 20);
  return c;
}

/**
 * Reads the method options of `plugin` from the parsed flags; a flag that belongs to another
 * method, or a bad value, is a usage error naming the flag.
 */
export function readMethodOptions(plugin: MethodPlugin, flags: MethodFlag[], values: Record<string, unknown>): Record<string, unknown> {
  const foreign = foreignFlags([plugin], flags, values);
  if (foreign.length > 0) {
    const f = foreign[0]!;
    const owners = [...new Set(flags.filter((x) => x.flag === f.flag).map((x) => x.method))];
    throw new UsageError(`--${f.flag} is not an option of '${plugin.name}' (it is one of ${owners.join(', ')}); see --help for the options of each method`);
  }
  try {
    return methodOptionsFrom(plugin, flags, values);
  } catch (e) {
    if (e instanceof MethodOptionError) {
      const flag = flags.find((f) => f.method === plugin.name && f.spec.name === e.option)?.flag ?? e.option;
      throw new UsageError(`--${flag}: ${e.message.replace(`${plugin.name}: `, '')}`);
    }
    throw e;
  }
}

/** `odl finetune`. */
export async function runFinetune(argv: string[]): Promise<void> {
  registerBuiltinMethods();
  await loadPlugins(scanFlag(argv, 'plugin'));
  const plugins = listMethods();
  const flags = methodFlags(plugins, COMMON);
  const o = parseOptions(argv, { ...COMMON, ...flagConfig(flags) }) as Record<string, unknown>;
  if (o.help) return say(HELP + methodHelp(plugins, flags));
  const backend = o.backend as string;
  if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got '${backend}'`);
  const method = o.method as string;
  const plugin = methodByName(method);
  const seed = numberOption('seed', o.seed as string | undefined, 0, 0, 2 ** 31);
  const config: FinetuneConfig = {
    ...trainingFlags(o),
    method,
    label: (o.label as string | undefined) ?? method,
    methodOptions: readMethodOptions(plugin, flags, o),
    seed,
    ...progressCallbacks((o.label as string | undefined) ?? method, o.json as boolean),
  };

  const info = await setupBackend({ prefer: [backend as BackendName] });
  if (!o.json) say(`backend: ${info.backend}`);
  const data = o.data as string;
  if (data !== 'embedded') {
    if (o.format == null) throw new UsageError(`--format is needed with --data '${data}' (${DATA_FORMATS.join(', ')})`);
    const loaded = await loadUserData(o.format as string, data, o['test-data'] as string | undefined, seed);
    config.train = loaded.train;
    config.test = loaded.test;
    if (!o.json) say(`data: ${loaded.train.shape[0]} training images, test: ${loaded.testSource}`);
  }
  const modelArg = o.model as string | undefined;
  if (modelArg != null && (ARCHITECTURES as readonly string[]).includes(modelArg)) {
    const train = config.train;
    if (train == null) throw new UsageError('a zoo architecture is trained on --data; the embedded data goes with the shipped pretrained model');
    const resolution = numberOption('resolution', o.resolution as string | undefined, 32, 8, 1024);
    const channels = numberOption('channels', o.channels as string | undefined, train.shape[3], 1, 4);
    config.model = createModel(modelArg as ArchitectureName, { inputChannels: channels, numClasses: train.numClasses, seed });
    config.input = { height: resolution, width: resolution, channels, resize: 'bilinear', mean: 0.5, std: 0.5 };
  } else if (modelArg != null) {
    config.model = modelArg;
  }
  const session = await FineTuneSession.create(config);
  let summary: FinetuneSummary;
  try {
    await session.run();
    summary = summarize(await session.report());
    if (o.out != null) {
      const out = o.out as string;
      mkdirSync(out, { recursive: true });
      await writeFileAtomic(join(out, 'result.json'), JSON.stringify(summary, null, 2));
      await session.checkpoint(join(out, 'model'), { top1: summary.top1 });
    }
  } finally {
    session.dispose();
    if (typeof config.model === 'object') config.model.dispose();
  }
  if (o.json) return emitJson(summary);
  say(`\n${summary.label}: top-1 ${(100 * summary.top1).toFixed(2)}%, activation memory ${(summary.activationBytes.analytic / 2 ** 20).toFixed(4)} MiB analytic / ${(summary.activationBytes.measured / 2 ** 20).toFixed(4)} MiB measured, ${(summary.trainingFlops / 1e9).toFixed(3)} GFLOPs per step, ${summary.msPerStep.toFixed(1)} ms per step`);
}
