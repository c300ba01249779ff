import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setupBackend, type BackendName } from '@odl/backend';
import { finetune, registerBuiltinMethods, type FinetuneResult } from '@odl/models';
import { activationBytesOf, barChartSvg, layerCost, scatterSvg, writePlot } from '@odl/profiler';
import { writeFileAtomic } from '@odl/backend/node';
import { numberOption, parseOptions } from '../args';
import { UsageError } from '../errors';
import { emitJson, markdownTable, say } from '../output';
import { progressCallbacks, runLabel, summarize, type FinetuneSummary } from './finetune';

const HELP = `odl demo — the main job: fine-tune the shipped pretrained MCUNet-in1 (Fashion-MNIST classes
0-4) on the embedded split (classes 5-9) with vanilla training and with ASI, and compare.

ASI's ranks are chosen by the exact budgeted rank selection on a calibration batch; the default
budget is vanilla's activation memory divided by --ratio. ASI runs twice, with the same budget:
float32 storage (the paper's) and int8 storage (8-bit core and factors, so larger ranks fit).

Options:
  --layers <n>        trained layers, counted from the end (default 4)
  --epochs <n>        (default 30)
  --batch <n>         (default 128, the paper's)
  --lr <rate>         (default 0.05)
  --ratio <r>         ASI budget = vanilla activation memory / r (default 10)
  --storage <s>       ASI storage: both (default), float32 or int8
  --budget-mib <MiB>  ASI budget in MiB (overrides --ratio)
  --seed <n>          (default 0)
  --backend <b>       wasm or cpu (default wasm)
  --out <dir>         report folder (default odl-output)
  --json              print the report as JSON on stdout
  --help`;

/** `odl demo`: vanilla vs ASI on the shipped model and data; writes a report with plots. */
export async function runDemo(argv: string[]): Promise<void> {
  const o = parseOptions(argv, {
    layers: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    ratio: { type: 'string' },
    storage: { type: 'string', default: 'both' },
    'budget-mib': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'odl-output' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (o.help) return say(HELP);
  if (o.backend !== 'wasm' && o.backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got '${o.backend}'`);
  if (o.storage !== 'both' && o.storage !== 'float32' && o.storage !== 'int8') throw new UsageError(`--storage must be both, float32 or int8, got '${o.storage}'`);
  const storages = o.storage === 'both' ? (['float32', 'int8'] as const) : ([o.storage] as const);
  const common = {
    lastN: numberOption('layers', o.layers, 4, 1, 10_000),
    epochs: numberOption('epochs', o.epochs, 30, 1, 10_000),
    batchSize: numberOption('batch', o.batch, 128, 1, 1 << 16),
    learningRate: numberOption('lr', o.lr, 0.05, 0, 100),
    seed: numberOption('seed', o.seed, 0, 0, 2 ** 31),
    keepModel: false,
  };
  const ratio = numberOption('ratio', o.ratio, 10, 1, 1e6);
  const info = await setupBackend({ prefer: [o.backend as BackendName] });
  registerBuiltinMethods();
  const started = Date.now();
  say(`odl demo on ${info.backend}: last ${common.lastN} layers, ${common.epochs} epochs, batch ${common.batchSize}, lr ${common.learningRate}\n`);

  const vanilla = await finetune({ ...common, method: 'vanilla', ...progressCallbacks('vanilla', o.json!) });
  const budgetBytes = o['budget-mib'] != null ? Math.floor(numberOption('budget-mib', o['budget-mib'], 0, 0) * 2 ** 20) : Math.floor(vanilla.activationBytes.analytic / ratio);
  say(`\nASI budget: ${(budgetBytes / 2 ** 20).toFixed(4)} MiB${o['budget-mib'] == null ? ` (vanilla's ${(vanilla.activationBytes.analytic / 2 ** 20).toFixed(4)} MiB / ${ratio})` : ''}\n`);
  const results = [vanilla];
  for (const storage of storages) {
    const label = storage === 'int8' ? 'asi-int8' : 'asi';
    results.push(await finetune({ ...common, method: 'asi', budgetBytes, methodOptions: { storage }, ...progressCallbacks(label, o.json!) }));
  }

  const rows = results.map((r) => [
    runLabel(r),
    `${(100 * r.top1).toFixed(2)}%`,
    (r.activationBytes.analytic / 2 ** 20).toFixed(4),
    (r.activationBytes.measured / 2 ** 20).toFixed(4),
    (r.trainingFlops / 1e6).toFixed(1),
    r.msPerStep.toFixed(1),
  ]);
  const table = markdownTable(['method', 'top-1', 'activation MiB (analytic)', 'activation MiB (measured)', 'training MFLOPs / step', 'ms / step'], rows);
  const verdict = results
    .slice(1)
    .map((asi) => {
      const memoryRatio = vanilla.activationBytes.analytic / Math.max(1, asi.activationBytes.analytic);
      const measuredRatio = vanilla.activationBytes.measured / Math.max(1, asi.activationBytes.measured);
      return (
        `${runLabel(asi)} keeps ${memoryRatio.toFixed(1)}× less activation memory than vanilla (analytic; ${measuredRatio.toFixed(1)}× measured for the whole trainable part), ` +
        `${(vanilla.trainingFlops / Math.max(1, asi.trainingFlops)).toFixed(2)}× fewer training FLOPs, ` +
        `top-1 ${(100 * (asi.top1 - vanilla.top1)).toFixed(2)} points vs vanilla.`
      );
    })
    .join('\n');

  const outDir = resolve(o.out!);
  mkdirSync(outDir, { recursive: true });
  const summaries: FinetuneSummary[] = results.map(summarize);
  const report = {
    schemaVersion: 1,
    kind: 'odl-demo',
    backend: info.backend,
    config: { ...common, budgetBytes },
    results: summaries,
    history: Object.fromEntries(results.map((r) => [runLabel(r), r.history])),
    wallSeconds: (Date.now() - started) / 1000,
  };
  await writeFileAtomic(join(outDir, 'report.json'), JSON.stringify(report, null, 2));
  await writeFileAtomic(join(outDir, 'report.md'), `# odl demo\n\n${table}\n\n${verdict}\n`);
  await writePlots(outDir, results);

  if (o.json) return emitJson(report);
  say(`\n${table}\n\n${verdict}\nReport and plots: ${outDir} (${report.wallSeconds.toFixed(0)} s in all)`);
}

async function writePlots(dir: string, results: FinetuneResult[]): Promise<void> {
  const points = (x: (r: FinetuneResult) => number) => results.map((r) => ({ series: runLabel(r), label: runLabel(r), x: x(r), y: 100 * r.top1 }));
  const memory = points((r) => r.activationBytes.analytic / 2 ** 20);
  await writePlot(
    join(dir, 'accuracy-vs-memory'),
    scatterSvg(memory, { title: 'Top-1 vs activation memory', xLabel: 'activation memory (MiB, log)', yLabel: 'top-1 (%)' }),
    { columns: ['method', 'activation_mib', 'top1_percent'], rows: memory.map((p) => [p.series, p.x, p.y]) },
  );
  const flops = points((r) => r.trainingFlops);
  await writePlot(
    join(dir, 'accuracy-vs-flops'),
    scatterSvg(flops, { title: 'Top-1 vs training FLOPs per step', xLabel: 'FLOPs per step (log)', yLabel: 'top-1 (%)' }),
    { columns: ['method', 'training_flops', 'top1_percent'], rows: flops.map((p) => [p.series, p.x, p.y]) },
  );
  const names = results[0]!.layers.map((l) => l.name);
  const groups = names.map((name) => ({
    label: name,
    values: Object.fromEntries(
      results.map((r) => {
        const layer = r.layers.find((l) => l.name === name)!;
        const cost = layerCost(layer.spec.geometry, layer.method, layer.options, { mode: 'exact' });
        return [runLabel(r), activationBytesOf(cost) / 2 ** 20];
      }),
    ),
  }));
  await writePlot(
    join(dir, 'memory-per-layer'),
    barChartSvg(groups, { title: 'Activation memory per trained layer', yLabel: 'MiB (log)' }),
    { columns: ['layer', ...results.map((r) => `${runLabel(r)}_mib`)], rows: groups.map((g) => [g.label, ...results.map((r) => g.values[runLabel(r)] ?? 0)]) },
  );
}
