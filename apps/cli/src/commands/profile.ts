import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '@odl/backend';
import { listMethods, resolveOptions } from '@odl/core';
import { ARCHITECTURES, describeModel, registerBuiltinMethods, selectFineTunedLayers, type ArchitectureName } from '@odl/models';
import { costReport, costTableToMarkdown, costTablesToCsv, profileModel, type ModelCostTable } from '@odl/profiler';
import { writeFileAtomic } from '@odl/backend/node';
import { numberOption, parseOptions, scanFlag } from '../args';
import { UsageError } from '../errors';
import { flagConfig, methodByName, methodFlags, methodHelp } from '../method-options';
import { emitJson, say } from '../output';
import { loadPlugins } from '../plugins';
import { readMethodOptions } from './finetune';

const COMMON = {
  model: { type: 'string', default: 'mcunet-in1' },
  resolution: { type: 'string' },
  channels: { type: 'string' },
  classes: { type: 'string' },
  batch: { type: 'string' },
  layers: { type: 'string' },
  classifier: { type: 'string' },
  method: { type: 'string' },
  plugin: { type: 'string', multiple: true },
  mode: { type: 'string', default: 'exact' },
  seed: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

const HELP = `odl profile — analytic activation memory and FLOPs of fine-tuning the last N layers, as each
method's own cost model counts them

Options:
  --model <name>        ${ARCHITECTURES.join(', ')} (default mcunet-in1)
  --resolution <px>     input resolution (default 224)
  --channels <n>        input channels (default 3)
  --classes <n>         classifier outputs (default 1000)
  --batch <n>           batch size (default 128)
  --layers <n>          N: the last N convolutions, the same layers odl finetune --layers N trains (default 4)
  --classifier <c>      exact (default: not counted) or method (compressed and counted, one of the N)
  --method <names>      comma-separated registered methods (default: all)
  --plugin <module>     an ES module that adds methods (repeatable)
  --mode <paper|exact>  FLOP accounting (default exact; paper reproduces the reference code)
  --seed <n>            the run's base seed, for per-layer options (default 0)
  --out <dir>           also write profile.json, profile.csv and profile.md there
  --json                print the report as JSON on stdout
  --help

A method whose cost needs options that are not given (e.g. ASI's --ranks) is listed as skipped,
with the reason. Methods and their options (a flag applies to every listed method declaring it):
`;

/** `odl profile`: each method's cost over the last N layers of a zoo architecture. */
export async function runProfile(argv: string[]): Promise<void> {
  registerBuiltinMethods();
  await loadPlugins(scanFlag(argv, 'plugin'));
  const all = listMethods();
  const flags = methodFlags(all, COMMON);
  const o = parseOptions(argv, { ...COMMON, ...flagConfig(flags) }) as Record<string, unknown>;
  if (o.help) return say(HELP + methodHelp(all, flags, true));
  const model = o.model as string;
  if (!(ARCHITECTURES as readonly string[]).includes(model)) throw new UsageError(`unknown model '${model}'; models: ${ARCHITECTURES.join(', ')}`);
  const mode = o.mode as string;
  if (mode !== 'paper' && mode !== 'exact') throw new UsageError(`--mode must be paper or exact, got '${mode}'`);
  const classifier = (o.classifier as string | undefined) ?? 'exact';
  if (classifier !== 'exact' && classifier !== 'method') throw new UsageError(`--classifier must be exact or method, got '${classifier}'`);
  const resolution = numberOption('resolution', o.resolution as string | undefined, 224, 8, 4096);
  const channels = numberOption('channels', o.channels as string | undefined, 3, 1, 4);
  const batch = numberOption('batch', o.batch as string | undefined, 128, 1, 1 << 16);
  const lastN = numberOption('layers', o.layers as string | undefined, 4, 1, 1000);
  const seed = numberOption('seed', o.seed as string | undefined, 0, 0, 2 ** 31);
  const numClasses = numberOption('classes', o.classes as string | undefined, 1000, 1, 1 << 20);
  const names = (o.method as string | undefined)?.split(',').map((m) => m.trim()) ?? all.map((p) => p.name);
  const plugins = names.map((n) => methodByName(n));
  // Flags of methods that are not listed are not errors here: one flag may serve several methods.
  const given = Object.fromEntries(Object.entries(o).filter(([k]) => flags.some((f) => f.flag === k && names.includes(f.method))));
  for (const f of flags) {
    if (o[f.flag] != null && !(f.flag in given)) throw new UsageError(`--${f.flag} is an option of ${f.method}, which is not among the methods profiled (${names.join(', ')})`);
  }
  await setupBackend({ prefer: ['cpu'] });

  const specs = describeModel(model as ArchitectureName, { inputShape: [batch, resolution, resolution, channels], numClasses });
  const { compressed } = selectFineTunedLayers(specs, lastN, classifier);
  const tables: ModelCostTable[] = [];
  const skipped: { method: string; reason: string }[] = [];
  for (const plugin of plugins) {
    const options = resolveOptions(plugin, readMethodOptions(plugin, flags.filter((f) => f.method === plugin.name), given));
    const perLayer = compressed.map((s) => plugin.layerOptions?.(options, { name: s.name, index: s.index, geometry: s.geometry, seed }) ?? options);
    try {
      tables.push(profileModel({ layers: compressed, method: plugin.name, options: perLayer, mode }));
    } catch (e) {
      skipped.push({ method: plugin.name, reason: (e as Error).message });
    }
  }
  const report = { ...costReport(tables, { model, resolution, batch, lastN, mode }), layers: compressed.map((s) => s.name), skipped };
  if (o.out != null) {
    const out = o.out as string;
    mkdirSync(out, { recursive: true });
    await writeFileAtomic(join(out, 'profile.json'), JSON.stringify(report, null, 2));
    await writeFileAtomic(join(out, 'profile.csv'), costTablesToCsv(tables));
    await writeFileAtomic(join(out, 'profile.md'), tables.map((t) => `## ${t.method}\n\n${costTableToMarkdown(t)}\n`).join('\n'));
  }
  if (o.json) return emitJson(report);
  say(`${model} at ${resolution}×${resolution}, batch ${batch}, last ${lastN} layers (${compressed.map((s) => s.name).join(', ')}), ${mode} mode\n`);
  for (const t of tables) say(`## ${t.method}\n\n${costTableToMarkdown(t)}\n`);
  for (const s of skipped) say(`skipped ${s.method}: ${s.reason}`);
}
