import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setupBackend } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { registerBuiltinMethods } from '@odl/models';
import { claimRatios, markdownTable, scatterSvg, writePlot, type ClaimComparison, type ClaimPoint } from '@odl/profiler';
import { enumOption, integerOption, numberOption, parseOptions } from '../args';
import { UsageError } from '../errors';
import { jsonMatching, plotFiles, prepareOutputFolder, type OutputFile } from '../out-dir';
import { emitJson, print, say } from '../output';
import { runInLanes, vanillaMemory, type PlannedRun } from '../runs';
import { RANK_SELECTION_EPSILONS } from '@odl/shortcut';
import { BACKENDS, type FinetuneSummary } from './finetune';

const HELP = `odl experiment — the paper's Figure 1 for odl: fine-tune the shipped model with vanilla
training, ASI (the paper's float32 method) at several memory budgets, HOSVD_ε and the gradient
filter, for each number of fine-tuned layers; plot top-1 against activation memory and against
training FLOPs (log axes), and measure the paper's three headline ratios.

Options:
  --layers <list>     numbers of fine-tuned convolutions (default 2,4)
  --ratios <list>     ASI budgets as vanilla's memory / r (default 5,10,20,40); ASI runs twice per
                      budget: with the protocol's ε grid (series asi, the paper's method) and
                      with odl's wider grid (series 'asi, odl ε grid'), whose ranks can grow with the budget
  --epsilons <list>   HOSVD_ε thresholds (default 0.8)
  --radii <list>      gradient-filter radii (default 2)
  --protocol <p>      paper (default) or odl
  --epochs <n>        (default 15; the paper runs 50)
  --tolerance <pts>   top-1 points a method may lose and count as "the same accuracy" (default 1)
  --seed <n>          (default 0)
  --backend <b>       wasm or cpu (default wasm)
  --out <dir>         folder for the figures, their data and summary.md (default odl-experiment)
  --from <file>       redraw the figures and summary.md from an earlier run's experiment.json
                      (no training; the run's settings come from the file)
  --json              print the points and ratios as JSON on stdout
  --debug             show the stack trace of an error
  --help, -h

The --out folder is checked before any work; files odl did not write there are never overwritten.`;

/** A comma-separated list of numbers (whole numbers with `integers`), each in [min, max]. */
const list = (name: string, raw: string, min: number, max: number, integers = false) =>
  raw.split(',').map((v) => (integers ? integerOption : numberOption)(name, v.trim(), 0, min, max));

/** What `odl experiment` writes into its folder (experiment.json, written last, marks it as odl's). */
const OUTPUTS: OutputFile[] = [
  { name: 'experiment.json', isOdl: jsonMatching((j) => j.kind === 'odl-experiment') },
  { name: 'summary.md' },
  ...plotFiles('figure1-memory'),
  ...plotFiles('figure1-flops'),
];

/** A run of the sweep, with the series it is plotted in. */
type SweepRun = PlannedRun & { series: string };

/** The series of ASI with odl's wider ε grid. */
const ASI_ODL_GRID = 'asi, odl ε grid';

/** The runs of the sweep, HOSVD_ε on the second lane (it decomposes every activation every step). */
function plan(layers: number[], ratios: number[], epsilons: number[], radii: number[], vanilla: Map<number, number>): SweepRun[] {
  const runs: SweepRun[] = [];
  for (const n of layers) {
    runs.push({ series: 'vanilla', label: `vanilla N=${n}`, method: 'vanilla', lastN: n, lane: 0 });
    for (const r of ratios) {
      const budgetBytes = Math.floor(vanilla.get(n)! / r);
      runs.push({ series: 'asi', label: `asi N=${n} /${r}`, method: 'asi', lastN: n, budgetBytes, lane: 0 });
      runs.push({ series: ASI_ODL_GRID, label: `asi (odl grid) N=${n} /${r}`, method: 'asi', methodOptions: { epsilons: [...RANK_SELECTION_EPSILONS] }, lastN: n, budgetBytes, lane: r <= 10 ? 1 : 0 });
    }
    for (const r of radii) runs.push({ series: 'gradient-filter', label: `gradient-filter N=${n} r=${r}`, method: 'gradient-filter', methodOptions: { radius: r }, lastN: n, lane: 0 });
    for (const e of epsilons) runs.push({ series: 'hosvd', label: `hosvd N=${n} ε=${e}`, method: 'hosvd', methodOptions: { epsilon: e }, lastN: n, lane: 1 });
  }
  return runs;
}

function describe(c: ClaimComparison | null, what: string): string {
  if (c == null) return `no pair qualifies for ${what}`;
  return `**${c.ratio.toFixed(2)}×** (${c.ours.label}: ${(100 * c.ours.top1).toFixed(2)}% vs ${c.reference.label}: ${(100 * c.reference.top1).toFixed(2)}%)`;
}

/** One run of the sweep as recorded in experiment.json. */
interface ExperimentPoint {
  series: string;
  label: string;
  lastN: number;
  top1: number;
  activationBytes: number;
  measuredBytes: number;
  trainingFlops: number;
  trainingFlopsPaper: number;
  msPerStep: number;
}

/** What experiment.json records: the sweep's settings and its points (the ratios are derived). */
interface ExperimentRecord {
  schemaVersion: 1;
  kind: 'odl-experiment';
  backend: string;
  protocol: string;
  epochs: number;
  seed: number;
  /** Top-1 (a fraction) a method may lose and count as "the same accuracy". */
  tolerance: number;
  layers: number[];
  /** ASI's budgets as vanilla's memory / r. */
  budgetRatios: number[];
  epsilons: number[];
  radii: number[];
  /** Wall time of the sweep, s. */
  seconds: number;
  points: ExperimentPoint[];
}

/** Reads an earlier run's experiment.json, with an error that names what is wrong. */
function readExperiment(file: string): ExperimentRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--from ${file}: not a readable JSON file (${(e as Error).message})`);
  }
  const r = raw as Partial<ExperimentRecord>;
  if (r.kind !== 'odl-experiment' || r.schemaVersion !== 1) throw new UsageError(`--from ${file}: not an experiment.json of odl experiment (kind 'odl-experiment', schemaVersion 1)`);
  const numbers = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number');
  const missing: string[] = (['layers', 'budgetRatios', 'epsilons', 'radii'] as const).filter((k) => !numbers(r[k]));
  missing.push(...(['epochs', 'seed', 'tolerance', 'seconds'] as const).filter((k) => typeof r[k] !== 'number'));
  missing.push(...(['backend', 'protocol'] as const).filter((k) => typeof r[k] !== 'string'));
  const points = Array.isArray(r.points) ? r.points : [];
  if (points.length === 0) missing.push('points');
  if (missing.length > 0) throw new UsageError(`--from ${file}: missing or malformed ${missing.join(', ')}; rerun odl experiment to record them`);
  const fields: (keyof ExperimentPoint)[] = ['lastN', 'top1', 'activationBytes', 'measuredBytes', 'trainingFlops', 'trainingFlopsPaper', 'msPerStep'];
  points.forEach((p, i) => {
    const bad = fields.filter((k) => !(typeof p[k] === 'number' && Number.isFinite(p[k])));
    if (typeof p.series !== 'string' || typeof p.label !== 'string' || bad.length > 0) throw new UsageError(`--from ${file}: point ${i} lacks ${['series', 'label', ...bad].join(', ')}`);
  });
  return r as ExperimentRecord;
}

/**
 * Writes what a sweep measured into `outDir`: the figures (SVG with CSV/JSON data), `summary.md`
 * with the paper's three ratios measured on the points, and `experiment.json` (the record and the
 * ratios). Returns that report and the summary.
 */
async function writeExperiment(outDir: string, record: ExperimentRecord): Promise<{ report: ExperimentRecord & { ratios: Record<string, unknown> }; summary: string }> {
  const { points, tolerance, protocol, epochs, seed, layers, budgetRatios: ratios, epsilons, radii, backend, seconds } = record;
  const claims = (method: string, sameLayers: boolean, flops: 'trainingFlops' | 'trainingFlopsPaper') =>
    claimRatios(
      points.map((p): ClaimPoint => ({ ...p, trainingFlops: p[flops] })),
      { method, reference: 'vanilla', baseline: 'hosvd', tolerance, sameLayers },
    );
  const ratiosOf = (method: string) => ({ pareto: claims(method, false, 'trainingFlops'), paretoPaper: claims(method, false, 'trainingFlopsPaper'), sameLayers: claims(method, true, 'trainingFlops') });
  const paper = ratiosOf('asi');
  const wide = ratiosOf(ASI_ODL_GRID);

  const columns = ['series', 'label', 'layers', 'top1_percent', 'activation_mib', 'measured_mib', 'training_flops', 'training_flops_paper', 'ms_per_step'];
  const rows = points.map((p) => [p.series, p.label, p.lastN, 100 * p.top1, p.activationBytes / 2 ** 20, p.measuredBytes / 2 ** 20, p.trainingFlops, p.trainingFlopsPaper, p.msPerStep]);
  const plotted = (x: (p: ExperimentPoint) => number) => points.map((p) => ({ series: p.series, marker: `N=${p.lastN}`, label: p.label, x: x(p), y: 100 * p.top1 }));
  await writePlot(
    join(outDir, 'figure1-memory'),
    scatterSvg(plotted((p) => p.activationBytes / 2 ** 20), { title: 'Top-1 vs activation memory', xLabel: 'activation memory of the fine-tuned layers (MiB, log)', yLabel: 'top-1 (%)' }),
    { columns, rows },
  );
  await writePlot(
    join(outDir, 'figure1-flops'),
    scatterSvg(plotted((p) => p.trainingFlops), { title: 'Top-1 vs training FLOPs per step', xLabel: 'training FLOPs per step (exact, log)', yLabel: 'top-1 (%)' }),
    { columns, rows },
  );
  const tol = `${(100 * tolerance).toFixed(1)} point${tolerance === 0.01 ? '' : 's'}`;
  const summary = [
    '# odl experiment',
    '',
    `Protocol ${protocol}, ${epochs} epochs, seed ${seed}, N = ${layers.join(', ')}, ASI budgets = vanilla / ${ratios.join(', ')}, HOSVD_ε ε = ${epsilons.join(', ')}, gradient filter r = ${radii.join(', ')}; ${backend}, ${seconds} s.`,
    '',
    `"The same accuracy" = at most ${tol} of top-1 below. Memory: analytic, the fine-tuned convolutions' inputs (as the paper counts). FLOPs: exact accounting (paper accounting in brackets).`,
    '',
    ...[
      ['ASI (the paper\'s method: the protocol\'s ε grid)', paper] as const,
      [`ASI with odl's ε grid (series '${ASI_ODL_GRID}')`, wide] as const,
    ].flatMap(([title, r]) => [
      `### ${title}`,
      '',
      markdownTable(
        ['ratio', 'paper', 'measured here (any N, the Pareto view)', 'measured here (same N)'],
        [
          ['memory vs vanilla', '120.09×', describe(r.pareto.memoryVsReference, 'memory'), describe(r.sameLayers.memoryVsReference, 'memory')],
          [
            'training FLOPs vs vanilla',
            '1.86×',
            `${describe(r.pareto.flopsVsReference, 'FLOPs')} [${r.paretoPaper.flopsVsReference?.ratio.toFixed(2) ?? '—'}×]`,
            describe(r.sameLayers.flopsVsReference, 'FLOPs'),
          ],
          [
            'training FLOPs vs HOSVD_ε at similar memory',
            '252.65×',
            `${describe(r.pareto.flopsVsBaseline, 'HOSVD_ε')} [${r.paretoPaper.flopsVsBaseline?.ratio.toFixed(2) ?? '—'}×]`,
            describe(r.sameLayers.flopsVsBaseline, 'HOSVD_ε'),
          ],
        ],
        { aligned: true },
      ),
    ]),
    '',
    markdownTable(
      ['run', 'top-1', 'activation MiB', 'measured MiB', 'training MFLOPs (exact)', 'training MFLOPs (paper)', 'ms / step'],
      points.map((p) => [p.label, `${(100 * p.top1).toFixed(2)}%`, (p.activationBytes / 2 ** 20).toFixed(4), (p.measuredBytes / 2 ** 20).toFixed(4), (p.trainingFlops / 1e6).toFixed(1), (p.trainingFlopsPaper / 1e6).toFixed(1), p.msPerStep.toFixed(1)]),
      { aligned: true },
    ),
  ].join('\n');
  await writeFileAtomic(join(outDir, 'summary.md'), summary);
  const report = { ...record, ratios: { asi: paper, [ASI_ODL_GRID]: wide } };
  await writeFileAtomic(join(outDir, 'experiment.json'), JSON.stringify(report, null, 2));
  return { report, summary };
}

/** `odl experiment`: the Pareto sweep and the paper's headline ratios, measured here. */
export async function runExperiment(argv: string[]): Promise<void> {
  const o = parseOptions(argv, {
    layers: { type: 'string', default: '2,4' },
    ratios: { type: 'string', default: '5,10,20,40' },
    epsilons: { type: 'string', default: '0.8' },
    radii: { type: 'string', default: '2' },
    protocol: { type: 'string', default: 'paper' },
    epochs: { type: 'string' },
    tolerance: { type: 'string' },
    seed: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string', default: 'odl-experiment' },
    from: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  }) as Record<string, unknown>;
  if (o.help) return print(HELP);
  const str = (k: string) => o[k] as string | undefined;
  if (o.from != null) {
    const record = readExperiment(resolve(o.from as string));
    const outDir = prepareOutputFolder('out', o.out as string, OUTPUTS);
    const { report, summary } = await writeExperiment(outDir, record);
    if (o.json) return emitJson(report);
    return say(`${summary}\nFigures and data: ${outDir}`);
  }
  const protocol = enumOption('protocol', str('protocol'), ['paper', 'odl'] as const, 'paper');
  const backend = enumOption('backend', str('backend'), BACKENDS, 'wasm');
  const layers = list('layers', o.layers as string, 1, 100, true);
  const ratios = list('ratios', o.ratios as string, 1, 1e6);
  const epsilons = list('epsilons', o.epsilons as string, 1e-6, 1);
  const radii = list('radii', o.radii as string, 1, 64, true);
  const epochs = integerOption('epochs', str('epochs'), 15, 1, 10_000);
  const tolerance = numberOption('tolerance', str('tolerance'), 1, 0, 100) / 100;
  const seed = integerOption('seed', str('seed'), 0, 0, 2 ** 31);
  const outDir = prepareOutputFolder('out', o.out as string, OUTPUTS);
  const info = await setupBackend({ prefer: [backend] });
  registerBuiltinMethods();
  const started = Date.now();

  const vanilla = new Map<number, number>();
  for (const n of layers) vanilla.set(n, (await vanillaMemory(protocol, n, seed)).bytes);
  const runs = plan(layers, ratios, epsilons, radii, vanilla);
  say(`odl experiment on ${info.backend}: ${runs.length} runs (protocol ${protocol}, ${epochs} epochs, N = ${layers.join(', ')}), two at a time\n`);
  const results = await runInLanes(runs, ['--protocol', protocol, '--epochs', String(epochs), '--seed', String(seed), '--backend', backend], say);

  const points: ExperimentPoint[] = runs.map((run) => {
    const s: FinetuneSummary = results.get(run.label)!;
    return {
      series: run.series,
      label: run.label,
      lastN: run.lastN,
      top1: s.top1,
      activationBytes: s.activationBytes.analytic,
      measuredBytes: s.activationBytes.measured,
      trainingFlops: s.trainingFlops,
      trainingFlopsPaper: s.trainingFlopsPaper,
      msPerStep: s.msPerStep,
    };
  });
  const record: ExperimentRecord = {
    schemaVersion: 1, kind: 'odl-experiment', backend: info.backend, protocol, epochs, seed, tolerance, layers, budgetRatios: ratios, epsilons, radii,
    seconds: Math.round((Date.now() - started) / 1000), points,
  };
  const { report, summary } = await writeExperiment(outDir, record);
  if (o.json) return emitJson(report);
  say(`\n${summary}\nFigures and data: ${outDir}`);
}
