import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { listMethods, MethodOptionError, type MethodPlugin } from '@odl/core';
import {
  ARCHITECTURES, CHECKPOINT_FORMAT, createModel, FineTuneSession, registerBuiltinMethods, saveTorchWeights,
  type FinetuneConfig, type FinetuneResult, type InputSpec, type ZooModel,
} from '@odl/models';
import { formatBytes, formatFlops } from '@odl/profiler';
import { enumOption, integerOption, numberOption, parseOptions, scanFlag } from '../args';
import { checkDataArgs, loadUserData, DATA_FORMATS, type LoadedData } from '../data';
import { UsageError } from '../errors';
import { LossWatch } from '../loss-watch';
import { flagConfig, foreignFlags, methodByName, methodFlags, methodHelp, methodOptionsFrom, type MethodFlag } from '../method-options';
import { SHIPPED_MODELS, checkExportArg, checkBnEpsArg, checkHeadsArg, checkModelArg, checkWeightsArg, loadModel, loadZooWeights, withDefaultResolution } from '../model-arg';
import { jsonMatching, prepareOutputFolder, type OutputFile } from '../out-dir';
import { emitJson, print, ProgressBar, say, showProgress, warn } from '../output';
import { loadPlugins } from '../plugins';

/** Backends the CLI runs on. */
export const BACKENDS = ['wasm', 'cpu'] as const;

const COMMON = {
  model: { type: 'string' },
  weights: { type: 'string' },
  'bn-eps': { type: 'string' },
  heads: { type: 'string' },
  export: { type: 'string' },
  resolution: { type: 'string' },
  channels: { type: 'string' },
  data: { type: 'string', default: 'embedded' },
  format: { type: 'string' },
  size: { type: 'string' },
  'test-data': { type: 'string' },
  classes: { type: 'string' },
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
  --model <name|dir>    a shipped pretrained model: ${SHIPPED_MODELS.join(' (default), ')} (a ViT);
                        a checkpoint folder; or a zoo architecture trained from scratch:
                        ${ARCHITECTURES.join(', ')}
  --weights <file>      pretrained PyTorch weights for a zoo architecture: a state dict saved by
                        torch.save (.pth) or a .safetensors file, torchvision names (MCUNet-in1:
                        the MCUNet zoo's too); classes, input channels and MobileNetV2's width are
                        read from the file (the classifier is then replaced by a fresh one for the
                        data's classes, as for every run); inputs get ImageNet normalisation
  --bn-eps <number>     BatchNorm ε of the --weights, which a state dict does not store (default:
                        1e-3 for the MCUNet zoo's names, as its code trains, else 1e-5, PyTorch's)
  --heads <n>           attention heads of --model vit --weights, which a state dict does not store
                        (required there; vit-b-32 knows its 12)
  --export <file>       also write the fine-tuned weights to a .safetensors file with PyTorch names
                        and layouts (torchvision's; the MCUNet zoo's for mcunet-in1)
  --resolution <px>     input resolution for a zoo architecture (default: --size, else 224 with
                        --weights (the paper's), else 32)
  --channels <1|3>      input channels for a zoo architecture (default: the data's; the data is
                        converted). A checkpoint takes its own: RGB data becomes grey for a
                        1-channel model (the shipped one), grey data is repeated for an RGB one
  --data <path>         'embedded' (default: the shipped Fashion-MNIST classes 5-9) or a path: an
                        idx folder, comma-separated CIFAR batch files, or a folder of class folders
  --format <f>          ${DATA_FORMATS.join(', ')} (needed with a --data path)
  --size <px>           --format folder: each image's shorter side is resized to round(px·256/224)
                        (antialiased bilinear, as torchvision on PIL images) and the centre px×px
                        kept (default: the model's input resolution; 224, the paper's, for
                        imported PyTorch weights)
  --test-data <path>    test files (cifar, folder; default: the idx folder's t10k files, else a
                        seeded 20 % of the training data)
  --classes <n>         idx: the number of classes (default: the largest label + 1, refused when
                        most of those classes never occur); a label outside 0..n-1 is an error
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
  --out <dir>           write the fine-tuned checkpoint (model/) and then result.json there; checked
                        before training; files odl did not write are never overwritten
  --json                print the result as JSON on stdout (progress stays on stderr on a terminal)
  --debug               show the stack trace of an error
  --help, -h

A warning goes to stderr when the training loss diverges (not finite, or 10× the first step's).

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
  inferenceMsPerStep: number;
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
    inferenceMsPerStep: r.inferenceMsPerStep,
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
  if (str('protocol') != null) c.protocol = enumOption('protocol', str('protocol'), ['odl', 'paper'] as const, 'odl');
  if (str('layers') != null) c.lastN = integerOption('layers', str('layers'), 4, 1, 10_000);
  if (str('epochs') != null) c.epochs = integerOption('epochs', str('epochs'), 1, 1, 10_000);
  if (str('batch') != null) c.batchSize = integerOption('batch', str('batch'), 32, 1, 1 << 16);
  if (str('lr') != null) c.learningRate = numberOption('lr', str('lr'), 0.05, 0, 100);
  if (str('momentum') != null) c.momentum = numberOption('momentum', str('momentum'), 0, 0, 1);
  if (str('weight-decay') != null) c.weightDecay = numberOption('weight-decay', str('weight-decay'), 0, 0, 1);
  if (str('clip') != null) {
    const clip = numberOption('clip', str('clip'), 2, 0, 1e6);
    c.clipNorm = clip === 0 ? null : clip;
  }
  if (str('optimizer') != null) c.optimizer = enumOption('optimizer', str('optimizer'), ['sgd', 'adam'] as const, 'sgd');
  if (str('batch-norm') != null) c.batchNorm = enumOption('batch-norm', str('batch-norm'), ['trained', 'frozen-statistics', 'frozen'] as const, 'trained');
  if (str('classifier') != null) c.classifier = enumOption('classifier', str('classifier'), ['exact', 'method'] as const, 'exact');
  if (str('budget-mib') != null) c.budgetBytes = Math.floor(numberOption('budget-mib', str('budget-mib'), 0, 1e-9, 2 ** 20) * 2 ** 20);
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

/** What `odl finetune --out` writes, with how odl recognises its own earlier copies. */
const OUTPUTS: OutputFile[] = [
  { name: 'result.json', isOdl: jsonMatching((j) => typeof j.method === 'string' && typeof j.top1 === 'number' && Array.isArray(j.layers)) },
  {
    name: 'model',
    isOdl: (dir) => jsonMatching((j) => j.format === CHECKPOINT_FORMAT || (j.modelTopology as { format?: unknown } | undefined)?.format === CHECKPOINT_FORMAT)(join(dir, 'model.json')),
  },
];

/** `odl finetune`: every argument and the output folder are checked before any work. */
export async function runFinetune(argv: string[]): Promise<void> {
  registerBuiltinMethods();
  await loadPlugins(scanFlag(argv, 'plugin'));
  const plugins = listMethods();
  const flags = methodFlags(plugins, COMMON);
  const o = parseOptions(argv, { ...COMMON, ...flagConfig(flags) }) as Record<string, unknown>;
  if (o.help) return print(HELP + methodHelp(plugins, flags));
  const str = (k: string) => o[k] as string | undefined;

  // 1. The arguments, all of them, before anything is loaded.
  const backend = enumOption('backend', str('backend'), BACKENDS, 'wasm');
  const method = o.method as string;
  const plugin = methodByName(method);
  const seed = integerOption('seed', str('seed'), 0, 0, 2 ** 31);
  const label = str('label') ?? method;
  if (label.trim() === '') throw new UsageError('--label must not be empty');
  const training = trainingFlags(o);
  const methodOptions = readMethodOptions(plugin, flags, o);
  const source = checkDataArgs(o.data as string, str('format'), str('test-data'), str('classes'), str('size'));
  const withWeights = checkHeadsArg(checkBnEpsArg(checkWeightsArg(checkModelArg(str('model'), str('resolution'), str('channels')), str('weights'), str('channels')), str('bn-eps')), str('heads'));
  const choice = withDefaultResolution(withWeights, str('resolution'), source?.size);
  const exportPath = checkExportArg(str('export'));
  if (choice.kind === 'zoo' && source == null) throw new UsageError('a zoo architecture is trained on --data; the embedded data goes with the shipped pretrained model');
  const json = o.json as boolean;
  const chatty = showProgress(json);
  // 2. The output folder: writable, and nothing there that odl did not write.
  const out = str('out') != null ? prepareOutputFolder('out', str('out')!, OUTPUTS) : undefined;

  // 3. The work.
  const info = await setupBackend({ prefer: [backend] });
  if (chatty) say(`backend: ${info.backend}`);
  let model: ZooModel | undefined;
  let input: InputSpec | undefined;
  let data: LoadedData | undefined;
  try {
    if (choice.kind !== 'zoo' || choice.weights != null) {
      const loaded = choice.kind === 'zoo' ? await loadZooWeights({ ...choice, weights: choice.weights! }) : await loadModel(choice);
      model = loaded.model;
      input = loaded.input;
      if (chatty) say(`model: ${model.config.architecture} from ${loaded.source}, input ${input.height}×${input.width}×${input.channels}`);
    }
    if (source != null) {
      const channels = input != null ? (input.channels === 1 ? 1 : 3) : choice.kind === 'zoo' ? choice.channels : undefined;
      data = await loadUserData(source, seed, channels, input != null ? input.height : choice.kind === 'zoo' ? choice.resolution : undefined);
      if (chatty) say(`data: ${data.train.shape[0]} training images, ${data.train.numClasses} classes, test: ${data.testSource}`);
      if (data.channelNote != null) say(`data: ${data.channelNote}`);
      if (data.sizeNote != null) say(`data: ${data.sizeNote}`);
    }
    if (choice.kind === 'zoo' && choice.weights == null) {
      const train = data!.train;
      const channels = choice.channels ?? train.shape[3];
      model = createModel(choice.architecture, { inputChannels: channels, numClasses: train.numClasses, seed });
      input = { height: choice.resolution, width: choice.resolution, channels, resize: 'bilinear', mean: 0.5, std: 0.5 };
      if (chatty) say(`model: ${choice.architecture} from scratch, input ${input.height}×${input.width}×${channels}`);
    }
    const config: FinetuneConfig = {
      ...training,
      method,
      label,
      model,
      input,
      train: data?.train,
      test: data?.test,
      methodOptions,
      seed,
      ...progressCallbacks(label, !chatty),
    };
    const summary = await train(config, out, exportPath != null ? { path: exportPath, model: model! } : undefined);
    if (json) return emitJson(summary);
    say(
      `\n${summary.label}: top-1 ${(100 * summary.top1).toFixed(2)}%, activation memory ${formatBytes(summary.activationBytes.analytic)} analytic / ` +
        `${formatBytes(summary.activationBytes.measured)} measured, ${formatFlops(summary.trainingFlops)} per step, ${summary.msPerStep.toFixed(1)} ms per step` +
        (out != null ? `\nmodel and result.json written to ${out}` : '') +
        (exportPath != null ? `\nweights exported to ${exportPath}` : ''),
    );
  } finally {
    model?.dispose();
  }
}

/**
 * Runs one session to the end, with a warning when the loss diverges, and writes the model and
 * then the result that describes it into `out`: an older result.json is removed first, so no
 * interruption leaves a result beside a model it does not describe.
 */
async function train(config: FinetuneConfig, out: string | undefined, exported?: { path: string; model: ZooModel }): Promise<FinetuneSummary> {
  const session = await FineTuneSession.create(config);
  try {
    const lr = session.settings.optimizer.learningRate;
    const watch = new LossWatch(warn, `lower --lr (now ${lr})${session.settings.clipNorm == null ? ' or set --clip' : ''}`);
    session.on('step', (p) => watch.step(p.step, p.loss));
    session.on('epoch', (r) => watch.epoch(r.epoch, r.loss));
    await session.run();
    const summary = summarize(await session.report());
    if (out != null) {
      rmSync(join(out, 'result.json'), { force: true });
      await session.checkpoint(join(out, 'model'), { top1: summary.top1 });
      await writeFileAtomic(join(out, 'result.json'), JSON.stringify(summary, null, 2));
    }
    // Before the session is disposed: a method's weight parameterisation is merged into the export.
    if (exported != null) await saveTorchWeights(exported.model, exported.path);
    return summary;
  } finally {
    session.dispose();
  }
}
