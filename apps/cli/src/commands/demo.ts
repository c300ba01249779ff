import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setupBackend, type BackendName } from '@odl/backend';
import { getMethod } from '@odl/core';
import { finetune, registerBuiltinMethods, type FinetuneConfig, type FinetuneResult } from '@odl/models';
import { barChartSvg, scatterSvg, writePlot } from '@odl/profiler';
import { writeFileAtomic } from '@odl/backend/node';
import { numberOption, parseOptions } from '../args';
import { UsageError } from '../errors';
import { emitJson, markdownTable, say } from '../output';
import { progressCallbacks, summarize, trainingFlags, type FinetuneSummary } from './finetune';

/** One run of the main job: a label, a method and its options. */
interface DemoRun {
  label: string;
  method: string;
  methodOptions?: Record<string, unknown>;
}

// The main job's comparison (README): the paper's method (float32 ASI), odl's 8-bit variant, and
// the baselines at the paper's settings (HOSVD_ε at ε = 0.8, the gradient filter at r = 2).
// A run whose method plans its options under a budget (ASI) gets vanilla's memory / --ratio.
const RUNS: readonly DemoRun[] = [
  { label: 'vanilla', method: 'vanilla' },
  { label: 'asi', method: 'asi' },
  { label: 'asi-int8', method: 'asi', methodOptions: { storage: 'int8' } },
  { label: 'hosvd', method: 'hosvd', methodOptions: { epsilon: 0.8 } },
  { label: 'gradient-filter', method: 'gradient-filter', methodOptions: { radius: 2 } },
];

const HELP = `odl demo — the main job: fine-tune the shipped pretrained MCUNet-in1 (Fashion-MNIST classes
0-4, 64×64) on the embedded split (classes 5-9) with the paper's protocol, with vanilla training,
ASI (the paper's float32 factors), ASI with int8 storage, HOSVD_ε (ε = 0.8) and the gradient
filter (r = 2) on the same layers, and compare accuracy, activation memory, FLOPs and time.

ASI's ranks are chosen by the exact budgeted rank selection on a calibration batch; the budget is
vanilla's activation memory divided by --ratio.

Options:
  --runs <labels>     comma-separated subset of ${RUNS.map((r) => r.label).join(', ')} (default all; vanilla always runs)
  --protocol <p>      paper (default) or odl
  --layers <n>        N: the last N convolutions (default 4)
  --epochs <n>        (default 20; the paper runs 50)
  --batch <n>         (protocol's: 128)
  --lr <rate>         (protocol's: 0.05)
  --ratio <r>         ASI budget = vanilla activation memory / r (default 10)
  --budget-mib <MiB>  ASI budget in MiB (overrides --ratio)
  --seed <n>          (default 0)
  --backend <b>       wasm or cpu (default wasm)
  --out <dir>         report folder (default odl-output)
  --json              print the report as JSON on stdout
  --help`;

/** `odl demo`: the README's main job; writes a report with plots. */
export async function runDemo(argv: string[]): Promise<void> {
  const o = parseOptions(argv, {
    runs: { type: 'string' },
    protocol: { type: 'string', default: 'paper' },
    layers: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    ratio: { type: 'string' },
    'budget-mib': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'odl-output' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  }) as Record<string, unknown>;
  if (o.help) return say(HELP);
  const backend = o.backend as string;
  if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got '${backend}'`);
  const wanted = (o.runs as string | undefined)?.split(',').map((s) => s.trim());
  for (const w of wanted ?? []) if (!RUNS.some((r) => r.label === w)) throw new UsageError(`--runs: unknown run '${w}'; runs: ${RUNS.map((r) => r.label).join(', ')}`);
  const runs = RUNS.filter((r) => r.label === 'vanilla' || wanted == null || wanted.includes(r.label));
  // --budget-mib sets the budget of the runs that plan, after vanilla; not a training flag here.
  const training = trainingFlags({ ...o, 'budget-mib': undefined });
  const common: FinetuneConfig = {
    ...training,
    lastN: training.lastN ?? 4,
    epochs: training.epochs ?? 20,
    seed: numberOption('seed', o.seed as string | undefined, 0, 0, 2 ** 31),
    keepModel: false,
  };
  const ratio = numberOption('ratio', o.ratio as string | undefined, 10, 1, 1e6);
  const info = await setupBackend({ prefer: [backend as BackendName] });
  registerBuiltinMethods();
  const started = Date.now();
  say(`odl demo on ${info.backend}: protocol ${common.protocol}, last ${common.lastN} layers, ${common.epochs} epochs\n`);

  const results: FinetuneResult[] = [];
  let budgetBytes = 0;
  for (const run of runs) {
    const plans = getMethod(run.method).planner != null;
    const config: FinetuneConfig = { ...common, label: run.label, method: run.method, methodOptions: run.methodOptions, ...progressCallbacks(run.label, o.json as boolean) };
    if (plans) config.budgetBytes = budgetBytes;
    const r = await finetune(config);
    results.push(r);
    if (run.label === 'vanilla') {
      budgetBytes = o['budget-mib'] != null ? Math.floor(numberOption('budget-mib', o['budget-mib'] as string, 0, 1e-9) * 2 ** 20) : Math.floor(r.activationBytes.analytic / ratio);
      say(`\nbudget of the runs that plan: ${(budgetBytes / 2 ** 20).toFixed(4)} MiB${o['budget-mib'] == null ? ` (vanilla's ${(r.activationBytes.analytic / 2 ** 20).toFixed(4)} MiB / ${ratio})` : ''}\n`);
    }
  }

  const vanilla = results[0]!;
  const rows = results.map((r) => [
    r.label,
    `${(100 * r.top1).toFixed(2)}%`,
    (r.activationBytes.analytic / 2 ** 20).toFixed(4),
    (r.activationBytes.measured / 2 ** 20).toFixed(4),
    (r.trainingFlops / 1e6).toFixed(1),
    r.msPerStep.toFixed(1),
  ]);
  const table = markdownTable(['method', 'top-1', 'activation MiB (analytic)', 'activation MiB (measured)', 'training MFLOPs / step', 'ms / step'], rows);
  const verdict = results
    .slice(1)
    .map(
      (r) =>
        `${r.label}: ${(vanilla.activationBytes.analytic / Math.max(1, r.activationBytes.analytic)).toFixed(1)}× less activation memory than vanilla (analytic; ` +
        `${(vanilla.activationBytes.measured / Math.max(1, r.activationBytes.measured)).toFixed(1)}× measured on the tape), ` +
        `${(vanilla.trainingFlops / Math.max(1, r.trainingFlops)).toFixed(2)}× fewer training FLOPs, top-1 ${(100 * (r.top1 - vanilla.top1)).toFixed(2)} points vs vanilla.`,
    )
    .join('\n');

  const outDir = resolve(o.out as string);
  mkdirSync(outDir, { recursive: true });
  const summaries: FinetuneSummary[] = results.map(summarize);
  const report = {
    schemaVersion: 2,
    kind: 'odl-demo',
    backend: info.backend,
    config: { protocol: common.protocol ?? 'paper', lastN: common.lastN, epochs: common.epochs, seed: common.seed, budgetBytes, ratio },
    results: summaries,
    history: Object.fromEntries(results.map((r) => [r.label, r.history])),
    wallSeconds: (Date.now() - started) / 1000,
  };
  await writeFileAtomic(join(outDir, 'report.json'), JSON.stringify(report, null, 2));
  await writeFileAtomic(join(outDir, 'report.md'), `# odl demo\n\n${table}\n\n${verdict}\n`);
  await writePlots(outDir, results);

  if (o.json) return emitJson(report);
  say(`\n${table}\n\n${verdict}\nReport and plots: ${outDir} (${report.wallSeconds.toFixed(0)} s in all)`);
}

async function writePlots(dir: string, results: FinetuneResult[]): Promise<void> {
  const points = (x: (r: FinetuneResult) => number) => results.map((r) => ({ series: r.label, label: r.label, x: x(r), y: 100 * r.top1 }));
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
  const names = results[0]!.layerCosts.map((l) => l.name);
  const groups = names.map((name) => ({
    label: name,
    values: Object.fromEntries(results.map((r) => [r.label, (r.layerCosts.find((l) => l.name === name)?.activationBytes ?? 0) / 2 ** 20])),
  }));
  await writePlot(
    join(dir, 'memory-per-layer'),
    barChartSvg(groups, { title: 'Activation memory per fine-tuned layer', yLabel: 'MiB (log)' }),
    { columns: ['layer', ...results.map((r) => `${r.label}_mib`)], rows: groups.map((g) => [g.label, ...results.map((r) => g.values[r.label] ?? 0)]) },
  );
}
