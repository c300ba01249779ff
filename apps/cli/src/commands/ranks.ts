import { join } from 'node:path';
import { setupBackend } from '@odl/backend';
import { listMethods } from '@odl/core';
import { FineTuneSession, registerBuiltinMethods, type FinetuneConfig, type InputSpec, type ZooModel } from '@odl/models';
import { writeFileAtomic } from '@odl/backend/node';
import { enumOption, integerOption, parseOptions, scanFlag } from '../args';
import { checkDataArgs, DATA_FORMATS, loadUserData } from '../data';
import { UsageError } from '../errors';
import { flagConfig, methodByName, methodFlags, methodHelp } from '../method-options';
import { SHIPPED_MODELS, checkBnEpsArg, checkHeadsArg, checkModelArg, checkWeightsArg, loadModel, loadZooWeights, withDefaultResolution } from '../model-arg';
import { jsonMatching, prepareOutputFolder } from '../out-dir';
import { emitJson, print, say } from '../output';
import { markdownTable } from '@odl/profiler';
import { loadPlugins } from '../plugins';
import { BACKENDS, readMethodOptions, trainingFlags } from './finetune';

const COMMON = {
  model: { type: 'string' },
  weights: { type: 'string' },
  'bn-eps': { type: 'string' },
  heads: { type: 'string' },
  resolution: { type: 'string' },
  data: { type: 'string', default: 'embedded' },
  format: { type: 'string' },
  size: { type: 'string' },
  classes: { type: 'string' },
  method: { type: 'string', default: 'asi' },
  plugin: { type: 'string', multiple: true },
  protocol: { type: 'string' },
  layers: { type: 'string' },
  classifier: { type: 'string' },
  batch: { type: 'string' },
  'budget-mib': { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string', default: 'wasm' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

const HELP = `odl ranks — let a method plan its per-layer options on a calibration batch (ASI: measure
the perplexity table of the fine-tuned layers and choose ranks for a memory budget, exactly: never
over budget), without training

Options:
  --model <dir|name>   checkpoint folder, a shipped model (${SHIPPED_MODELS.join(', ')}; default
                       the first), or a zoo architecture with --weights
  --weights <file>     pretrained PyTorch weights (.pth or .safetensors) of a zoo architecture; see
                       odl finetune --help
  --bn-eps <number>    BatchNorm ε of the --weights (default: 1e-3 for the MCUNet zoo's names, else
                       1e-5); see odl finetune --help
  --heads <n>          attention heads of --model vit --weights (required there); see odl finetune --help
  --resolution <px>    input resolution with --weights (default: --size, else 224, the paper's)
  --data <path>        calibration images: 'embedded' (default: the shipped fine-tuning split) or a
                       path (converted to the model's channels)
  --format <f>         ${DATA_FORMATS.join(', ')} (needed with a --data path)
  --size <px>          --format folder: each image's shorter side is resized to round(px·256/224)
                       (antialiased bilinear, as torchvision on PIL images) and the centre px×px
                       kept (default: the model's input resolution)
  --classes <n>        idx: the number of classes (default: the largest label + 1)
  --method <name>      a method with a planner (default asi)
  --plugin <module>    an ES module that adds methods (repeatable)
  --protocol <p>       odl (default) or paper (e.g. the paper's ε grid and batch 128)
  --layers <n>         N: the last N convolutions (default 4)
  --classifier <c>     exact (default) or method
  --batch <n>          calibration batch = training batch (protocol's)
  --budget-mib <MiB>   activation-memory budget of the fine-tuned layers (default: the method's own rule)
  --seed <n>           (default 0)
  --backend <b>        wasm or cpu (default wasm)
  --out <dir>          write plan.json there (checked first; a plan.json odl did not write is kept)
  --json               print the plan as JSON on stdout
  --debug              show the stack trace of an error
  --help, -h

Methods that plan, and their options:
`;

/** `odl ranks`: a method's planner on calibration data (docs/method.md §5), no training. */
export async function runRanks(argv: string[]): Promise<void> {
  registerBuiltinMethods();
  await loadPlugins(scanFlag(argv, 'plugin'));
  const planners = listMethods().filter((p) => p.planner != null);
  const flags = methodFlags(listMethods(), COMMON);
  const o = parseOptions(argv, { ...COMMON, ...flagConfig(flags) }) as Record<string, unknown>;
  if (o.help) return print(HELP + methodHelp(planners, flags));
  const str = (k: string) => o[k] as string | undefined;
  // Every argument and the output folder, before any work.
  const backend = enumOption('backend', str('backend'), BACKENDS, 'wasm');
  const plugin = methodByName(o.method as string);
  if (plugin.planner == null) {
    throw new UsageError(`method '${plugin.name}' has no planner; methods that plan: ${planners.map((p) => p.name).join(', ') || '(none)'}`);
  }
  const seed = integerOption('seed', str('seed'), 0, 0, 2 ** 31);
  const config: FinetuneConfig = { ...trainingFlags(o), method: plugin.name, methodOptions: readMethodOptions(plugin, flags, o), seed, epochs: 0, evaluateEveryEpoch: false };
  if (config.budgetBytes == null && !plugin.planner.needsPlan(config.methodOptions ?? {})) {
    throw new UsageError(`with these options '${plugin.name}' has nothing to plan; give --budget-mib, or leave out the options the planner chooses`);
  }
  const source = checkDataArgs(o.data as string, str('format'), undefined, str('classes'), str('size'));
  const withWeights = checkHeadsArg(checkBnEpsArg(checkWeightsArg(checkModelArg(str('model'), str('resolution'), undefined), str('weights'), undefined), str('bn-eps')), str('heads'));
  const choice = withDefaultResolution(withWeights, str('resolution'), source?.size);
  if (choice.kind === 'zoo' && choice.weights == null) {
    throw new UsageError(`--model ${choice.architecture}: ranks are planned for a trained model; pass --weights, a checkpoint folder (or leave --model out for the shipped one)`);
  }
  const out = str('out') != null ? prepareOutputFolder('out', str('out')!, [{ name: 'plan.json', isOdl: jsonMatching((j) => typeof j.summary === 'string' && 'layerOptions' in j) }]) : undefined;

  await setupBackend({ prefer: [backend] });
  let model: ZooModel | undefined;
  try {
    let input: InputSpec;
    const loaded = choice.kind === 'zoo' ? await loadZooWeights({ ...choice, weights: choice.weights! }) : await loadModel(choice);
    ({ model, input } = loaded);
    if (choice.kind === 'zoo' && !(o.json as boolean)) say(`model: ${model.config.architecture} from ${loaded.source}, input ${input.height}×${input.width}×${input.channels}`);
    config.model = model;
    config.input = input;
    if (source != null) {
      const loaded = await loadUserData(source, seed, input.channels === 1 ? 1 : 3, input.height);
      if (loaded.channelNote != null) say(`data: ${loaded.channelNote}`);
      if (loaded.sizeNote != null) say(`data: ${loaded.sizeNote}`);
      config.train = loaded.train;
      config.test = loaded.test;
    }
    await planAndReport(plugin.name, config, out, o.json as boolean);
  } finally {
    model?.dispose();
  }
}

/** Runs the planner of a prepared (untrained) session and reports or writes its plan. */
async function planAndReport(method: string, config: FinetuneConfig, out: string | undefined, json: boolean): Promise<void> {
  const session = await FineTuneSession.create(config);
  try {
    const plan = session.plan!;
    const result = {
      method,
      budgetBytes: config.budgetBytes ?? null,
      summary: plan.summary,
      totalBytes: plan.totalBytes,
      layerOptions: plan.layerOptions,
      details: plan.details,
      analyticBytes: session.costs.analyticBytes,
    };
    if (out != null) await writeFileAtomic(join(out, 'plan.json'), JSON.stringify(result, null, 2));
    if (json) return emitJson(result);
    for (const t of plan.tables ?? []) say(`## ${t.title}\n\n${markdownTable(t.columns, t.rows, { aligned: true })}\n`);
    say(`${method}: ${plan.summary}`);
  } finally {
    session.dispose();
  }
}
