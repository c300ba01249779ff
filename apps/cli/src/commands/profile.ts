import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend } from '@odl/backend';
import { registerLowrank } from '@odl/lowrank';
import { registerShortcut } from '@odl/shortcut';
import { MODEL_SPECS, costReport, costTableToMarkdown, costTablesToCsv, profileModel, type ModelCostTable } from '@odl/profiler';
import { writeFileAtomic } from '@odl/backend/node';
import { numberOption, parseOptions } from '../args';
import { UsageError } from '../errors';
import { emitJson, say } from '../output';

const HELP = `odl profile — analytic activation memory and FLOPs of fine-tuning the last N layers

Options:
  --model <name>        ${Object.keys(MODEL_SPECS).join(', ')} (default mcunet-in1)
  --resolution <px>     input resolution (default 224)
  --batch <n>           batch size (default 128)
  --layers <n>          number of fine-tuned conv layers, counted from the end (default 4)
  --method <names>      comma-separated: vanilla, asi, hosvd, svd, gradient-filter (default all)
  --ranks <kB,kH,kW,kC> ranks for asi/hosvd, NHWC order, clamped to each layer (default 4,4,4,16)
  --svd-rank <k>        rank of svd (default 8)
  --radius <r>          gradient-filter radius (default 2)
  --mode <paper|exact>  FLOP accounting (default exact; paper reproduces the reference code)
  --out <dir>           also write profile.json, profile.csv and profile.md there
  --json                print the report as JSON on stdout
  --help`;

const ALL_METHODS = ['vanilla', 'asi', 'hosvd', 'svd', 'gradient-filter'];

/** `odl profile`: the profiler's tables for one model configuration. */
export async function runProfile(argv: string[]): Promise<void> {
  const o = parseOptions(argv, {
    model: { type: 'string', default: 'mcunet-in1' },
    resolution: { type: 'string' },
    batch: { type: 'string' },
    layers: { type: 'string' },
    method: { type: 'string' },
    ranks: { type: 'string' },
    'svd-rank': { type: 'string' },
    radius: { type: 'string' },
    mode: { type: 'string', default: 'exact' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (o.help) return say(HELP);
  const specsOf = MODEL_SPECS[o.model as keyof typeof MODEL_SPECS];
  if (specsOf == null) throw new UsageError(`unknown model '${o.model}'; models: ${Object.keys(MODEL_SPECS).join(', ')}`);
  if (o.mode !== 'paper' && o.mode !== 'exact') throw new UsageError(`--mode must be paper or exact, got '${o.mode}'`);
  const resolution = numberOption('resolution', o.resolution, 224, 8, 4096);
  const batch = numberOption('batch', o.batch, 128, 1, 1 << 16);
  const lastN = numberOption('layers', o.layers, 4, 1, 1000);
  const svdRank = numberOption('svd-rank', o['svd-rank'], 8, 1, 1 << 16);
  const radius = numberOption('radius', o.radius, 2, 1, 64);
  const ranks = (o.ranks ?? '4,4,4,16').split(',').map((r) => numberOption('ranks', r, 0, 1, 1 << 20));
  if (ranks.length !== 4) throw new UsageError(`--ranks needs 4 values (kB,kH,kW,kC), got '${o.ranks}'`);
  const methods = o.method?.split(',').map((m) => m.trim()) ?? ALL_METHODS;
  await setupBackend({ prefer: ['cpu'] });
  registerLowrank();
  registerShortcut();

  const layers = specsOf({ resolution, batch });
  const tables: ModelCostTable[] = methods.map((method) =>
    profileModel({
      layers,
      method,
      lastN,
      mode: o.mode as 'paper' | 'exact',
      source: ALL_METHODS.includes(method) ? 'builtin' : 'auto',
      options: (spec) => optionsFor(method, spec.geometry.inputShape, ranks, svdRank, radius),
    }),
  );
  const report = costReport(tables, { model: o.model!, resolution, batch, lastN, mode: o.mode! });
  if (o.out != null) {
    mkdirSync(o.out, { recursive: true });
    await writeFileAtomic(join(o.out, 'profile.json'), JSON.stringify(report, null, 2));
    await writeFileAtomic(join(o.out, 'profile.csv'), costTablesToCsv(tables));
    await writeFileAtomic(join(o.out, 'profile.md'), tables.map((t) => `## ${t.method}\n\n${costTableToMarkdown(t)}\n`).join('\n'));
  }
  if (o.json) return emitJson(report);
  say(`${o.model} at ${resolution}×${resolution}, batch ${batch}, last ${lastN} layers, ${o.mode} mode\n`);
  for (const t of tables) say(`## ${t.method}\n\n${costTableToMarkdown(t)}\n`);
}

function optionsFor(method: string, inputShape: number[], ranks: number[], svdRank: number, radius: number): Record<string, unknown> {
  switch (method) {
    case 'asi':
    case 'hosvd':
      // Clamp the requested ranks to the layer's dimensions (a dense layer has fewer modes).
      return { ranks: inputShape.map((d, i) => Math.min(d, ranks[Math.min(i, ranks.length - 1)]!)) };
    case 'svd':
      return { rank: Math.min(svdRank, inputShape[0]!) };
    case 'gradient-filter':
      return { radius };
    default:
      return {};
  }
}
