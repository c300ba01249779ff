// The accuracy study behind docs/asi-accuracy.md: on the README's main job (the shipped MCUNet-in1
// at 64×64, embedded Fashion-MNIST 5–9, the paper's protocol, the last 2 convolutions, seed 0),
// how far ASI is from vanilla at each memory ratio, and what the ranks, the ε grid, the step
// schedule, the warm start and 8-bit storage change. Each row is one run on the frozen-feature
// cache. Run (about 15 minutes on 2 cores):
//   node packages/models/scripts/run-ts.mjs packages/models/scripts/asi-accuracy-study.ts [epochs]
import { setupBackend } from '@odl/backend';
import { finetune, registerBuiltinMethods, type FinetuneConfig } from '@odl/models';
import { RANK_SELECTION_EPSILONS } from '@odl/shortcut';

await setupBackend({ prefer: ['wasm'] });
registerBuiltinMethods();

const epochs = Number(process.argv[3] ?? 20);
const common: FinetuneConfig = { protocol: 'paper', lastN: 2, epochs, seed: 0 };
const rows: string[] = [];
let vanillaBytes = 0;

async function run(label: string, config: FinetuneConfig): Promise<void> {
  const t0 = performance.now();
  const curve: string[] = [];
  const checkpoints = new Set([Math.round(epochs / 2) - 1, epochs - 1]);
  const r = await finetune({ ...common, ...config, onEpoch: (e) => void (checkpoints.has(e.epoch) && curve.push((100 * e.eval!.top1).toFixed(1))) });
  if (config.method === 'vanilla') vanillaBytes = r.activationBytes.analytic;
  const compressed = r.layers.filter((l) => l.role === 'compressed');
  const ranks = compressed.map((l) => (Array.isArray(l.options.ranks) ? `[${(l.options.ranks as number[]).join(',')}]` : '—')).join(' ');
  const line = `| ${label} | ${ranks} | ${r.activationBytes.analytic} | ${(vanillaBytes / r.activationBytes.analytic).toFixed(1)}× | ${(100 * r.top1).toFixed(2)}% | ${curve.join(' / ')} | ${r.msPerStep.toFixed(1)} |`;
  rows.push(line);
  console.log(line, `(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

const odlGrid = { epsilons: [...RANK_SELECTION_EPSILONS] };
const ranks = (r: number[]): Partial<FinetuneConfig> => ({ methodOptions: { ranks: r } });

await run('vanilla', { method: 'vanilla' });
const budget = Math.floor(vanillaBytes / 10);
await run("ASI, rank selection for vanilla/10, the protocol's ε grid (0.4 … 0.9; the main job)", { method: 'asi', budgetBytes: budget });
await run("ASI, rank selection for vanilla/10, odl's ε grid (0.4 … 0.9999)", { method: 'asi', budgetBytes: budget, methodOptions: odlGrid });
await run("ASI, the same with odl's sequential step", { method: 'asi', budgetBytes: budget, methodOptions: { ...odlGrid, schedule: 'sequential' } });
await run('ASI, the same without warm start (a fresh sketch every step)', { method: 'asi', budgetBytes: budget, methodOptions: { ...odlGrid, warmStart: false } });
for (const r of [[64, 2, 2, 24], [96, 2, 2, 16], [32, 2, 2, 64], [64, 2, 2, 128]]) await run(`ASI, ranks [${r.join(', ')}] in both layers`, { method: 'asi', ...ranks(r) });
await run("ASI int8, rank selection for vanilla/10, odl's ε grid (the main job's asi-int8)", { method: 'asi', budgetBytes: budget, methodOptions: { ...odlGrid, storage: 'int8' } });
await run("ASI int8, rank selection for vanilla/10, the protocol's ε grid", { method: 'asi', budgetBytes: budget, methodOptions: { storage: 'int8' } });

console.log(`\n${epochs} epochs; vanilla keeps ${vanillaBytes} bytes; budget ${budget} bytes\n`);
console.log('| run | ranks (per layer, NHWC) | analytic bytes | less memory | top-1 | top-1 half-way / at the end | ms / step |');
console.log('|---|---|---:|---:|---:|---|---:|');
console.log(rows.join('\n'));
