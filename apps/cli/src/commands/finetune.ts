import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend, type BackendName } from '@odl/backend';
import { ARCHITECTURES, createModel, finetune, registerBuiltinMethods, saveCheckpoint, type FinetuneConfig, type FinetuneResult } from '@odl/models';
import { writeFileAtomic } from '@odl/backend/node';
import { numberOption, parseOptions } from '../args';
import { loadUserData, DATA_FORMATS } from '../data';
import { UsageError } from '../errors';
import { emitJson, ProgressBar, say } from '../output';

const HELP = `odl finetune — fine-tune the last N layers of a model with a compression method

Options:
  --model <name|dir>    the shipped pretrained MCUNet-in1 (default), a checkpoint folder, or a zoo
                        architecture trained from scratch: ${ARCHITECTURES.join(', ')}
  --resolution <px>     input resolution for a zoo architecture (default 32)
  --channels <n>        input channels for a zoo architecture (default: the data's)
  --data <path>         'embedded' (default: the shipped Fashion-MNIST classes 5-9) or a path
  --format <f>          ${DATA_FORMATS.join(', ')} (needed with a --data path)
  --test-data <path>    test files (default: a seeded 20 % of the training data)
  --method <name>       vanilla, asi, hosvd, svd, gradient-filter, or a registered plugin (default asi)
  --budget-mib <MiB>    ASI: activation-memory budget of the trained layers; ranks chosen exactly
  --ranks <k,k,k,k>     ASI: the same per-mode ranks (NHWC) for every trained layer
  --storage <s>         ASI: float32 (default) or int8 (8-bit core and factors: ~4× the ranks
                        for the same budget)
  --epsilon <e>         hosvd/svd: explained variance (default 0.8)
  --radius <r>          gradient-filter radius (default 2)
  --layers <n>          number of trained layers, counted from the end (default 4)
  --epochs <n>          (default 3)
  --batch <n>           (default 32)
  --lr <rate>           peak learning rate, cosine schedule (default 0.05)
  --optimizer <o>       sgd or adam (default sgd)
  --seed <n>            (default 0)
  --backend <b>         wasm or cpu (default wasm)
  --out <dir>           write result.json and the fine-tuned checkpoint there
  --json                print the result as JSON on stdout
  --help`;

/** The machine-readable summary of one fine-tuning run (`--json`). */
export interface FinetuneSummary {
  method: string;
  /** The run's name in tables: the method, with `-int8` for ASI with int8 storage. */
  label: string;
  lastN: number;
  top1: number;
  loss: number;
  activationBytes: { analytic: number; measured: number };
  trainingFlops: number;
  msPerStep: number;
  steps: number;
  layers: { name: string; method: string; options: Record<string, unknown> }[];
}

/** The run's name in tables and plots: the method, with `-int8` for ASI with int8 storage. */
export function runLabel(r: FinetuneResult): string {
  return r.layers.some((l) => l.method === r.method && l.options.storage === 'int8') ? `${r.method}-int8` : r.method;
}

/** Reduces a FinetuneResult to the JSON summary. */
export function summarize(r: FinetuneResult): FinetuneSummary {
  return {
    method: r.method,
    label: runLabel(r),
    lastN: r.lastN,
    top1: r.top1,
    loss: r.loss,
    activationBytes: r.activationBytes,
    trainingFlops: r.trainingFlops,
    msPerStep: r.msPerStep,
    steps: r.steps,
    layers: r.layers.map((l) => ({ name: l.name, method: l.method, options: l.options })),
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

/** `odl finetune`. */
export async function runFinetune(argv: string[]): Promise<void> {
  const o = parseOptions(argv, {
    model: { type: 'string' },
    resolution: { type: 'string' },
    channels: { type: 'string' },
    data: { type: 'string', default: 'embedded' },
    format: { type: 'string' },
    'test-data': { type: 'string' },
    method: { type: 'string', default: 'asi' },
    'budget-mib': { type: 'string' },
    ranks: { type: 'string' },
    storage: { type: 'string' },
    epsilon: { type: 'string' },
    radius: { type: 'string' },
    layers: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    optimizer: { type: 'string', default: 'sgd' },
    seed: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (o.help) return say(HELP);
  if (o.backend !== 'wasm' && o.backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got '${o.backend}'`);
  if (o.optimizer !== 'sgd' && o.optimizer !== 'adam') throw new UsageError(`--optimizer must be sgd or adam, got '${o.optimizer}'`);
  const seed = numberOption('seed', o.seed, 0, 0, 2 ** 31);
  const config: FinetuneConfig = {
    method: o.method,
    lastN: numberOption('layers', o.layers, 4, 1, 10_000),
    epochs: numberOption('epochs', o.epochs, 3, 1, 10_000),
    batchSize: numberOption('batch', o.batch, 32, 1, 1 << 16),
    learningRate: numberOption('lr', o.lr, 0.05, 0, 100),
    optimizer: o.optimizer,
    seed,
    ...progressCallbacks(o.method!, o.json!),
  };
  if (o['budget-mib'] != null) {
    if (o.method !== 'asi') throw new UsageError('--budget-mib applies to --method asi');
    config.budgetBytes = Math.floor(numberOption('budget-mib', o['budget-mib'], 0, 0) * 2 ** 20);
  }
  if (o.ranks != null) {
    const ranks = o.ranks.split(',').map((r) => numberOption('ranks', r, 0, 1, 1 << 20));
    config.methodOptions = { ...config.methodOptions, ranks };
  }
  if (o.storage != null) {
    if (o.method !== 'asi') throw new UsageError('--storage applies to --method asi');
    if (o.storage !== 'float32' && o.storage !== 'int8') throw new UsageError(`--storage must be float32 or int8, got '${o.storage}'`);
    config.methodOptions = { ...config.methodOptions, storage: o.storage };
  }
  if (o.epsilon != null) config.methodOptions = { ...config.methodOptions, epsilon: numberOption('epsilon', o.epsilon, 0.8, 0, 1) };
  if (o.radius != null) config.methodOptions = { ...config.methodOptions, radius: numberOption('radius', o.radius, 2, 1, 64) };

  const info = await setupBackend({ prefer: [o.backend as BackendName] });
  registerBuiltinMethods();
  if (!o.json) say(`backend: ${info.backend}`);

  if (o.data !== 'embedded') {
    if (o.format == null) throw new UsageError(`--format is needed with --data '${o.data}' (${DATA_FORMATS.join(', ')})`);
    const data = await loadUserData(o.format, o.data!, o['test-data'], seed);
    config.train = data.train;
    config.test = data.test;
    if (!o.json) say(`data: ${data.train.shape[0]} training images, test: ${data.testSource}`);
  }
  if (o.model != null && (ARCHITECTURES as readonly string[]).includes(o.model)) {
    const train = config.train;
    if (train == null) throw new UsageError('a zoo architecture is trained on --data; the embedded data goes with the shipped pretrained model');
    const resolution = numberOption('resolution', o.resolution, 32, 8, 1024);
    const channels = numberOption('channels', o.channels, train.shape[3], 1, 4);
    config.model = createModel(o.model as (typeof ARCHITECTURES)[number], { inputChannels: channels, numClasses: train.numClasses, seed });
    config.input = { height: resolution, width: resolution, channels, resize: 'bilinear', mean: 0.5, std: 0.5 };
  } else if (o.model != null) {
    config.model = o.model;
  }
  config.keepModel = o.out != null;
  const result = await finetune(config);
  const summary = summarize(result);
  if (o.out != null) {
    mkdirSync(o.out, { recursive: true });
    await writeFileAtomic(join(o.out, 'result.json'), JSON.stringify(summary, null, 2));
    if (result.model != null) {
      await saveCheckpoint(result.model, join(o.out, 'model'));
      result.model.dispose();
    }
  } else if (typeof config.model === 'object') {
    config.model.dispose();
  }
  if (o.json) return emitJson(summary);
  say(`\n${summary.label}: top-1 ${(100 * summary.top1).toFixed(2)}%, activation memory ${(summary.activationBytes.analytic / 2 ** 20).toFixed(4)} MiB analytic / ${(summary.activationBytes.measured / 2 ** 20).toFixed(4)} MiB measured, ${(summary.trainingFlops / 1e9).toFixed(3)} GFLOPs per step, ${summary.msPerStep.toFixed(1)} ms per step`);
}
