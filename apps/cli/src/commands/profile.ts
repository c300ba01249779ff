import { join } from 'node:path';
import { setupBackend } from '@odl/backend';
import { listMethods, resolveOptions } from '@odl/core';
import { ARCHITECTURES, describeModel, inferTorchOptions, readTorchStateDict, registerBuiltinMethods, selectFineTunedLayers } from '@odl/models';
import { costReport, costTableToMarkdown, costTablesToCsv, profileModel, type ModelCostTable } from '@odl/profiler';
import { writeFileAtomic } from '@odl/backend/node';
import { enumOption, integerOption, parseOptions, scanFlag } from '../args';
import { UsageError } from '../errors';
import { flagConfig, methodByName, methodFlags, methodHelp } from '../method-options';
import { checkWeightsFile } from '../model-arg';
import { jsonMatching, prepareOutputFolder } from '../out-dir';
import { emitJson, print, say } from '../output';
import { loadPlugins } from '../plugins';
import { readMethodOptions } from './finetune';

const COMMON = {
  model: { type: 'string', default: 'mcunet-in1' },
  weights: { type: 'string' },
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
  --weights <file>      a PyTorch state dict (.pth or .safetensors) of the model: its classes, input
                        channels and MobileNetV2's width are read from the file
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
  --out <dir>           also write profile.json, profile.csv and profile.md there (checked first;
                        files odl did not write are never overwritten)
  --json                print the report as JSON on stdout (raw counts: FLOPs, bytes)
  --debug               show the stack trace of an error
  --help, -h

The tables show FLOPs and memory in human units (GFLOPs, MFLOPs, MiB); --json and profile.csv
keep the exact counts.

A method whose cost needs options that are not given (e.g. ASI's --ranks) is listed as skipped,
with the reason. Methods and their options (a flag applies to every listed method declaring it):
`;

/** What `odl profile --out` writes (profile.json, written last, marks the folder as odl's). */
const OUTPUTS = [
  { name: 'profile.json', isOdl: jsonMatching((j) => j.kind === 'odl-profile') },
  { name: 'profile.csv' },
  { name: 'profile.md' },
];

/** `odl profile`: each method's cost over the last N layers of a zoo architecture. */
export async function runProfile(argv: string[]): Promise<void> {
  registerBuiltinMethods();
  await loadPlugins(scanFlag(argv, 'plugin'));
  const all = listMethods();
  const flags = methodFlags(all, COMMON);
  const o = parseOptions(argv, { ...COMMON, ...flagConfig(flags) }) as Record<string, unknown>;
  if (o.help) return print(HELP + methodHelp(all, flags, true));
  const str = (k: string) => o[k] as string | undefined;
  const model = enumOption('model', str('model'), ARCHITECTURES, 'mcunet-in1');
  const mode = enumOption('mode', str('mode'), ['exact', 'paper'] as const, 'exact');
  const classifier = enumOption('classifier', str('classifier'), ['exact', 'method'] as const, 'exact');
  const resolution = integerOption('resolution', str('resolution'), 224, 8, 4096);
  const channels = integerOption('channels', str('channels'), 3, 1, 4);
  const batch = integerOption('batch', str('batch'), 128, 1, 1 << 16);
  const lastN = integerOption('layers', str('layers'), 4, 1, 1000);
  const seed = integerOption('seed', str('seed'), 0, 0, 2 ** 31);
  const numClasses = integerOption('classes', str('classes'), 1000, 1, 1 << 20);
  const weights = str('weights') != null ? checkWeightsFile(str('weights')!) : undefined;
  if (weights != null && (str('classes') != null || str('channels') != null)) throw new UsageError('--classes and --channels come from the --weights file; leave them out');
  const names = str('method')?.split(',').map((m) => m.trim()) ?? all.map((p) => p.name);
  const plugins = names.map((n) => methodByName(n));
  // Flags of methods that are not listed are not errors here: one flag may serve several methods.
  const given = Object.fromEntries(Object.entries(o).filter(([k]) => flags.some((f) => f.flag === k && names.includes(f.method))));
  for (const f of flags) {
    if (o[f.flag] != null && !(f.flag in given)) throw new UsageError(`--${f.flag} is an option of ${f.method}, which is not among the methods profiled (${names.join(', ')})`);
  }
  const out = str('out') != null ? prepareOutputFolder('out', str('out')!, OUTPUTS) : undefined;
  await setupBackend({ prefer: ['cpu'] });

  const file = weights != null ? inferTorchOptions(model, (await readTorchStateDict(weights)).tensors) : undefined;
  const specs = describeModel(model, { inputShape: [batch, resolution, resolution, file?.inputChannels ?? channels], numClasses: file?.numClasses ?? numClasses, widthMultiplier: file?.widthMultiplier, vit: file?.vit, swin: file?.swin });
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
  const markdown = tables.map((t) => `## ${t.method}\n\n${costTableToMarkdown(t, { aligned: true })}\n`).join('\n');
  if (out != null) {
    await writeFileAtomic(join(out, 'profile.csv'), costTablesToCsv(tables));
    await writeFileAtomic(join(out, 'profile.md'), markdown);
    await writeFileAtomic(join(out, 'profile.json'), JSON.stringify(report, null, 2));
  }
  if (o.json) return emitJson(report);
  say(`${model} at ${resolution}×${resolution}, batch ${batch}, last ${lastN} layers (${compressed.map((s) => s.name).join(', ')}), ${mode} mode\n`);
  say(markdown);
  for (const s of skipped) say(`skipped ${s.method}: ${s.reason}`);
}
