// The accuracy study behind docs/asi-accuracy.md: on the README's main job (pretrained MCUNet-in1,
// embedded Fashion-MNIST 5–9, last 4 layers, batch 128, 30 epochs, lr 0.05, seed 0), how far is
// ASI from vanilla at each memory ratio, and which layer's compression costs what.
// Each row is one 30-epoch run on the frozen-feature cache (10–40 s each). Run (about 10 minutes on 2 cores):
//   node packages/models/scripts/run-ts.mjs packages/models/scripts/asi-accuracy-study.ts
import { setupBackend } from '@odl/backend';
import { finetune, registerBuiltinMethods, type FinetuneConfig } from '@odl/models';

await setupBackend({ prefer: ['wasm'] });
registerBuiltinMethods();

const layers = ['features.14.conv.0.0', 'features.14.conv.1.0', 'features.14.conv.2', 'classifier'] as const;
const channels = [96, 576, 576, 160];
const batch = 128;
const vanillaBytes = 4 * batch * channels.reduce((a, b) => a + b, 0);
const conv = (r: number) => [r, 1, 1, r];

type Ranks = number[][];
const uniform = (r: number): Ranks => layers.map((l) => (l === 'classifier' ? [r, r] : conv(r)));
/** Every layer at rank 64 (the near-lossless reference row) except `only`, which takes `ranks`. */
const onlyOne = (only: number, ranks: Ranks): Ranks => uniform(64).map((f, i) => (i === only ? ranks[i]! : f));

const common: FinetuneConfig = { lastN: 4, epochs: 30, batchSize: batch, learningRate: 0.05, seed: 0 };
const rows: string[] = [];

async function run(label: string, method: 'vanilla' | 'asi', extra: Partial<FinetuneConfig> = {}): Promise<void> {
  // the memory ratio uses the analytic bytes, which count int8 storage at 1 byte per value
  const t0 = performance.now();
  const curve: string[] = [];
  const r = await finetune({ ...common, method, ...extra, onEpoch: (e) => void (e.epoch % 10 === 9 && curve.push((100 * e.eval!.top1).toFixed(1))) });
  const ranks = r.layers.map((l) => (Array.isArray(l.options.ranks) ? `[${(l.options.ranks as number[]).join(',')}]` : '—')).join(' ') + (r.layers.some((l) => l.options.storage === 'int8') ? ' int8' : '');
  const line = `| ${label} | ${ranks} | ${(vanillaBytes / r.activationBytes.analytic).toFixed(1)}× | ${(100 * r.top1).toFixed(2)}% | ${curve.join(' / ')} |`;
  rows.push(line);
  console.log(line, `(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}

const withRanks = (ranks: Ranks): Partial<FinetuneConfig> => ({
  perLayerOptions: Object.fromEntries(layers.map((l, i) => [l, { ranks: ranks[i]!, seed: i }])),
});
const planned: Ranks = [conv(9), conv(12), conv(8), [5, 5]];

await run('vanilla', 'vanilla');
await run('ASI, rank selection for vanilla/10 (the main job)', 'asi', { budgetBytes: Math.floor(vanillaBytes / 10) });
// (full ranks equal vanilla exactly: a unit test checks that identity; a 30-epoch run of it takes
// an hour, orthonormalising 576×576 factors every step)
for (const r of [16, 24, 32, 64]) await run(`ASI, rank ${r} everywhere`, 'asi', withRanks(uniform(r)));
for (let i = 0; i < layers.length; i++) await run(`ASI, only ${layers[i]} at its planned rank`, 'asi', withRanks(onlyOne(i, planned)));
await run('ASI, planned ranks, 4 power steps per step', 'asi', {
  perLayerOptions: Object.fromEntries(layers.map((l, i) => [l, { ranks: planned[i]!, seed: i, powerSteps: 4 }])),
});
await run('ASI, budget moved from the depthwise to the projection', 'asi', withRanks([conv(9), conv(5), conv(14), [5, 5]]));
const int8 = (ranks: Ranks): Partial<FinetuneConfig> => ({
  perLayerOptions: Object.fromEntries(layers.map((l, i) => [l, { ranks: ranks[i]!, seed: i, storage: 'int8' }])),
});
for (const ratio of [10, 12, 16]) {
  await run(`ASI int8, rank selection for vanilla/${ratio}`, 'asi', { budgetBytes: Math.floor(vanillaBytes / ratio), methodOptions: { storage: 'int8' } });
}
await run('ASI int8, rank 32 everywhere', 'asi', int8(uniform(32)));
await run('ASI int8, the float32 plan\'s ranks (rounding alone)', 'asi', int8(planned));

console.log('\n| run | ranks (per layer, NHWC) | memory ratio | top-1 | top-1 at epochs 10 / 20 / 30 |');
console.log('|---|---|---:|---:|---|');
console.log(rows.join('\n'));
