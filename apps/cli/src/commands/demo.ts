import { join } from 'node:path';
import { writeFileAtomic } from '@odl/backend/node';
import { setupBackend } from '@odl/backend';
import { getMethod, suggest } from '@odl/core';
import { PRETRAINED_MCUNET_NAME, PRETRAINED_VIT_NAME, registerBuiltinMethods, resolvePretrainedDir, type PretrainedName } from '@odl/models';
import { barChartSvg, markdownTable, scatterSvg, writePlot } from '@odl/profiler';
import { RANK_SELECTION_EPSILONS } from '@odl/shortcut';
import { enumOption, integerOption, numberOption, parseOptions } from '../args';
import { UsageError } from '../errors';
import { jsonMatching, plotFiles, prepareOutputFolder, type OutputFile } from '../out-dir';
import { emitJson, print, say } from '../output';
import { runInLanes, vanillaMemory, type PlannedRun } from '../runs';
import { BACKENDS, type FinetuneSummary } from './finetune';

/** One run of the main job (its layers and budget are the job's). */
type DemoRun = Omit<PlannedRun, 'lastN' | 'budgetBytes'>;

// The main job's comparison (README): the paper's method (float32 ASI, with the protocol's ε grid
// 0.4 … 0.9), odl's 8-bit variant (with odl's wider ε grid, so that its larger ranks can use the
// budget), and the baselines at the paper's settings (HOSVD_ε at ε = 0.8, the gradient filter at
// r = 2). A run whose method plans its options under a budget (ASI) gets vanilla's memory /
// --ratio. HOSVD_ε, which decomposes every activation every step, takes one core; the other runs
// share the other.
const CNN_RUNS: readonly DemoRun[] = [
  { label: 'vanilla', method: 'vanilla', lane: 0 },
  { label: 'asi', method: 'asi', lane: 0 },
  { label: 'asi-int8', method: 'asi', methodOptions: { storage: 'int8', epsilons: [...RANK_SELECTION_EPSILONS] }, lane: 0 },
  { label: 'gradient-filter', method: 'gradient-filter', methodOptions: { radius: 2 }, lane: 0 },
  { label: 'hosvd', method: 'hosvd', methodOptions: { epsilon: 0.8 }, lane: 1 },
];

// The transformer job (issue #16): the last N MLP linears of the shipped ViT with vanilla
// training, ASI (the paper's float32 factors, under the same budget rule), LoRA (rank 4, the
// baseline WASI is measured against) and WASI (ASI's activations plus the weight subspace at 90 %
// explained variance), two lanes.
const VIT_RUNS: readonly DemoRun[] = [
  { label: 'vanilla', method: 'vanilla', lane: 0 },
  { label: 'asi', method: 'asi', lane: 1 },
  { label: 'lora', method: 'lora', methodOptions: { rank: 4 }, lane: 0 },
  { label: 'wasi', method: 'wasi', methodOptions: { weightEpsilon: 0.9 }, lane: 1 },
];

/** One main job: the shipped model it fine-tunes, its runs and its defaults. */
interface DemoJob {
  /** The shipped checkpoint. */
  checkpoint: PretrainedName;
  /** What it is, for the log. */
  title: string;
  /** What "the last N" counts, for the log. */
  layerWord: string;
  runs: readonly DemoRun[];
  defaultLayers: number;
  defaultEpochs: number;
}

const JOBS = {
  mcunet: { checkpoint: PRETRAINED_MCUNET_NAME, title: 'MCUNet-in1', layerWord: 'convolutions', runs: CNN_RUNS, defaultLayers: 2, defaultEpochs: 15 },
  vit: { checkpoint: PRETRAINED_VIT_NAME, title: 'ViT', layerWord: 'MLP linears', runs: VIT_RUNS, defaultLayers: 4, defaultEpochs: 10 },
} as const satisfies Record<string, DemoJob>;

const HELP = `odl demo — the main job: fine-tune the shipped pretrained MCUNet-in1 (Fashion-MNIST classes
0-4, 64×64) on the embedded split (classes 5-9) with the paper's protocol — vanilla training, ASI
(the paper's float32 factors), ASI with int8 storage, HOSVD_ε (ε = 0.8) and the gradient filter
(r = 2), the same layers — and compare accuracy, activation memory, FLOPs and time.
With --model vit: the shipped ViT (torchvision's layout, the same data at 32×32), its last N MLP
linears with vanilla training, ASI, LoRA (r = 4) and WASI (ASI + the weight subspace at 90 %).

ASI's ranks are chosen by the exact budgeted rank selection on a calibration batch; the budget is
vanilla's activation memory divided by --ratio. The runs go two at a time, one per core.

Options:
  --model <m>         mcunet (default) or vit
  --runs <labels>     comma-separated subset of the job's runs (default all; vanilla always runs):
                      mcunet ${CNN_RUNS.map((r) => r.label).join(', ')}; vit ${VIT_RUNS.map((r) => r.label).join(', ')}
  --protocol <p>      paper (default) or odl
  --layers <n>        N: the last N convolutions (default 2, as the paper's N = 2); with vit the
                      last N MLP linears (default 4: the last two blocks)
  --epochs <n>        (default 15, to stay within 5 minutes on 2 cores; the paper runs 50; vit 10)
  --ratio <r>         budget of the runs that plan = vanilla activation memory / r (default 10)
  --budget-mib <MiB>  that budget in MiB (overrides --ratio)
  --seed <n>          (default 0)
  --backend <b>       wasm or cpu (default wasm)
  --out <dir>         report folder (default odl-output; checked first, files odl did not write are
                      never overwritten)
  --json              print the report as JSON on stdout
  --debug             show the stack trace of an error
  --help, -h`;

/** What `odl demo` writes into its folder (report.json, written last, marks it as odl's). */
const OUTPUTS: OutputFile[] = [
  { name: 'report.json', isOdl: jsonMatching((j) => j.kind === 'odl-demo') },
  { name: 'report.md' },
  ...plotFiles('accuracy-vs-memory'),
  ...plotFiles('accuracy-vs-flops'),
  ...plotFiles('memory-per-layer'),
];

/** `odl demo`: the README's main job; writes a report with plots. */
export async function runDemo(argv: string[]): Promise<void> {
  const o = parseOptions(argv, {
    model: { type: 'string' },
    runs: { type: 'string' },
    protocol: { type: 'string', default: 'paper' },
    layers: { type: 'string' },
    epochs: { type: 'string' },
    ratio: { type: 'string' },
    'budget-mib': { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'odl-output' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  }) as Record<string, unknown>;
  if (o.help) return print(HELP);
  const str = (k: string) => o[k] as string | undefined;
  const backend = enumOption('backend', str('backend'), BACKENDS, 'wasm');
  const protocol = enumOption('protocol', str('protocol'), ['paper', 'odl'] as const, 'paper');
  const job: DemoJob = JOBS[enumOption('model', str('model'), ['mcunet', 'vit'] as const, 'mcunet')];
  const labels = job.runs.map((r) => r.label);
  const wanted = str('runs')?.split(',').map((s) => s.trim());
  for (const w of wanted ?? []) if (!labels.includes(w)) throw new UsageError(`--runs: unknown run '${w}'${suggest(w, labels)}; runs: ${labels.join(', ')}`);
  const runs = job.runs.filter((r) => r.label === 'vanilla' || wanted == null || wanted.includes(r.label));
  const lastN = integerOption('layers', str('layers'), job.defaultLayers, 1, 10_000);
  const epochs = integerOption('epochs', str('epochs'), job.defaultEpochs, 1, 10_000);
  const seed = integerOption('seed', str('seed'), 0, 0, 2 ** 31);
  const ratio = numberOption('ratio', str('ratio'), 10, 1, 1e6);
  const budgetMib = str('budget-mib') != null ? numberOption('budget-mib', str('budget-mib'), 0, 1e-9, 2 ** 20) : undefined;
  const outDir = prepareOutputFolder('out', o.out as string, OUTPUTS);
  const info = await setupBackend({ prefer: [backend] });
  registerBuiltinMethods();
  const started = Date.now();

  // The budget: vanilla's analytic activation memory of the same layers, counted before training.
  const modelDir = await resolvePretrainedDir(job.checkpoint);
  const { bytes: vanillaBytes, layers: layerNames } = await vanillaMemory(protocol, lastN, seed, modelDir);
  const budgetBytes = budgetMib != null ? Math.floor(budgetMib * 2 ** 20) : Math.floor(vanillaBytes / ratio);
  say(`odl demo on ${info.backend}: the shipped ${job.title}, protocol ${protocol}, the last ${lastN} ${job.layerWord} (${layerNames.join(', ')}), ${epochs} epochs, two runs at a time`);
  say(`budget of the runs that plan: ${(budgetBytes / 2 ** 20).toFixed(4)} MiB${budgetMib == null ? ` (vanilla's ${(vanillaBytes / 2 ** 20).toFixed(4)} MiB / ${ratio})` : ''}\n`);

  const common = ['--model', job.checkpoint, '--protocol', protocol, '--epochs', String(epochs), '--seed', String(seed), '--backend', backend];
  const planned = runs.map((r): PlannedRun => ({ ...r, lastN, budgetBytes: getMethod(r.method).planner != null ? budgetBytes : undefined }));
  const results = await runInLanes(planned, common, say);
  const ordered = runs.map((r) => results.get(r.label)!);

  const vanilla = ordered[0]!;
  const rows = ordered.map((r) => [
    r.label,
    `${(100 * r.top1).toFixed(2)}%`,
    (r.activationBytes.analytic / 2 ** 20).toFixed(4),
    (r.activationBytes.measured / 2 ** 20).toFixed(4),
    (r.trainingFlops / 1e6).toFixed(1),
    r.msPerStep.toFixed(1),
    r.inferenceMsPerStep.toFixed(1),
  ]);
  const table = markdownTable(
    ['method', 'top-1', 'activation MiB (analytic)', 'activation MiB (measured)', 'training MFLOPs / step', 'ms / step', 'inference ms / step'],
    rows,
    { aligned: true },
  ).trimEnd();
  const verdict = ordered
    .slice(1)
    .map(
      (r) =>
        `${r.label}: ${(vanilla.activationBytes.analytic / Math.max(1, r.activationBytes.analytic)).toFixed(1)}× less activation memory than vanilla (analytic; ` +
        `${(vanilla.activationBytes.measured / Math.max(1, r.activationBytes.measured)).toFixed(1)}× measured on the tape), ` +
        `${(vanilla.trainingFlops / Math.max(1, r.trainingFlops)).toFixed(2)}× fewer training FLOPs, top-1 ${(100 * (r.top1 - vanilla.top1)).toFixed(2)} points vs vanilla.`,
    )
    .join('\n');

  const report = {
    schemaVersion: 2,
    kind: 'odl-demo',
    backend: info.backend,
    config: { model: job.checkpoint, protocol, lastN, layers: layerNames, epochs, seed, budgetBytes, ratio },
    results: ordered,
    wallSeconds: (Date.now() - started) / 1000,
  };
  await writeFileAtomic(join(outDir, 'report.md'), `# odl demo (${job.title})\n\n${table}\n\n${verdict}\n`);
  await writePlots(outDir, ordered);
  await writeFileAtomic(join(outDir, 'report.json'), JSON.stringify(report, null, 2));

  if (o.json) return emitJson(report);
  say(`\n${table}\n\n${verdict}\nReport and plots: ${outDir} (${report.wallSeconds.toFixed(0)} s in all)`);
}

async function writePlots(dir: string, results: FinetuneSummary[]): Promise<void> {
  const points = (x: (r: FinetuneSummary) => number) => results.map((r) => ({ series: r.label, label: r.label, x: x(r), y: 100 * r.top1 }));
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
