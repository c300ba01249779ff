import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend, type BackendName } from '@odl/backend';
import { listMethods } from '@odl/core';
import { FineTuneSession, registerBuiltinMethods, type FinetuneConfig } from '@odl/models';
import { writeFileAtomic } from '@odl/backend/node';
import { numberOption, parseOptions, scanFlag } from '../args';
import { DATA_FORMATS, loadUserData } from '../data';
import { UsageError } from '../errors';
import { flagConfig, methodByName, methodFlags, methodHelp } from '../method-options';
import { emitJson, say } from '../output';
import { markdownTable } from '@odl/profiler';
import { loadPlugins } from '../plugins';
import { readMethodOptions, trainingFlags } from './finetune';

const COMMON = {
  model: { type: 'string' },
  data: { type: 'string', default: 'embedded' },
  format: { type: 'string' },
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
  --model <dir>        checkpoint folder (default: the shipped pretrained MCUNet-in1)
  --data <path>        calibration images: 'embedded' (default: the shipped fine-tuning split) or a path
  --format <f>         ${DATA_FORMATS.join(', ')} (needed with a --data path)
  --method <name>      a method with a planner (default asi)
  --plugin <module>    an ES module that adds methods (repeatable)
  --protocol <p>       odl (default) or paper (e.g. the paper's ε grid and batch 128)
  --layers <n>         N: the last N convolutions (default 4)
  --classifier <c>     exact (default) or method
  --batch <n>          calibration batch = training batch (protocol's)
  --budget-mib <MiB>   activation-memory budget of the fine-tuned layers (default: the method's own rule)
  --seed <n>           (default 0)
  --backend <b>        wasm or cpu (default wasm)
  --out <dir>          write plan.json there
  --json               print the plan as JSON on stdout
  --help

Methods that plan, and their options:
`;

/** `odl ranks`: a method's planner on calibration data (docs/method.md §5), no training. */
export async function runRanks(argv: string[]): Promise<void> {
  registerBuiltinMethods();
  await loadPlugins(scanFlag(argv, 'plugin'));
  const planners = listMethods().filter((p) => p.planner != null);
  const flags = methodFlags(listMethods(), COMMON);
  const o = parseOptions(argv, { ...COMMON, ...flagConfig(flags) }) as Record<string, unknown>;
  if (o.help) return say(HELP + methodHelp(planners, flags));
  const backend = o.backend as string;
  if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got '${backend}'`);
  const plugin = methodByName(o.method as string);
  if (plugin.planner == null) {
    throw new UsageError(`method '${plugin.name}' has no planner; methods that plan: ${planners.map((p) => p.name).join(', ') || '(none)'}`);
  }
  const seed = numberOption('seed', o.seed as string | undefined, 0, 0, 2 ** 31);
  const config: FinetuneConfig = { ...trainingFlags(o), method: plugin.name, methodOptions: readMethodOptions(plugin, flags, o), seed, epochs: 0, evaluateEveryEpoch: false };
  if (o.model != null) config.model = o.model as string;
  await setupBackend({ prefer: [backend as BackendName] });
  if (o.data !== 'embedded') {
    if (o.format == null) throw new UsageError(`--format is needed with --data '${String(o.data)}' (${DATA_FORMATS.join(', ')})`);
    const loaded = await loadUserData(o.format as string, o.data as string, undefined, seed);
    config.train = loaded.train;
    config.test = loaded.test;
  }
  if (config.budgetBytes == null && !plugin.planner.needsPlan(config.methodOptions ?? {})) {
    throw new UsageError(`with these options '${plugin.name}' has nothing to plan; give --budget-mib, or leave out the options the planner chooses`);
  }
  const session = await FineTuneSession.create(config);
  try {
    const plan = session.plan!;
    const result = {
      method: plugin.name,
      budgetBytes: config.budgetBytes ?? null,
      summary: plan.summary,
      totalBytes: plan.totalBytes,
      layerOptions: plan.layerOptions,
      details: plan.details,
      analyticBytes: session.costs.analyticBytes,
    };
    if (o.out != null) {
      mkdirSync(o.out as string, { recursive: true });
      await writeFileAtomic(join(o.out as string, 'plan.json'), JSON.stringify(result, null, 2));
    }
    if (o.json) return emitJson(result);
    for (const t of plan.tables ?? []) say(`## ${t.title}\n\n${markdownTable(t.columns, t.rows, { aligned: true })}\n`);
    say(`${plugin.name}: ${plan.summary}`);
  } finally {
    session.dispose();
  }
}
