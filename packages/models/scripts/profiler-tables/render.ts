// Renders docs/profiler-tables.md from the measured ranks (docs/profiler-tables.ranks.json) and the
// methods' cost models, through @odl/profiler's profilerTablesMarkdown. Pure: the same file gives
// the same document (a test re-renders it). The fine-tuned layers are the zoo's (describeModel,
// selectFineTunedLayers); the methods are setup.ts's rows, data: nothing here names one.
import { type CostLayer, markdownTable, profilerTablesMarkdown, type TableContext, type TableMethod, type TableModel } from '@odl/profiler';
import { describeModel, selectFineTunedLayers } from '@odl/models';
import { RanksFileError, type MeasuredModel, type MeasuredRow, type MeasuredSetting, type RanksFile } from './ranks-file';
import { BATCH, DATASETS, LAST_N, MODELS, PAPER_EPSILONS, RESOLUTION, TABLE_ROWS, type TableRow } from './setup';

/** The command that regenerates the document. */
export const WRITE_COMMAND = 'node packages/models/scripts/run-ts.mjs packages/models/scripts/profiler-tables/write.ts';
/** The command that re-measures the ranks. */
export const MEASURE_COMMAND = 'node packages/models/scripts/run-ts.mjs packages/models/scripts/profiler-tables/measure.ts';

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(4);
const sectionName = (m: MeasuredModel) => `${m.architecture} (${m.trained ? 'the shipped pretrained weights' : `He-initialised, seed 0: no shipped weights`})`;

/** The measured entry of a row for a model and N. */
function measuredOf(setting: MeasuredSetting, row: TableRow): MeasuredRow {
  const r = setting.rows[row.id];
  if (r == null || r.method !== row.method) throw new RanksFileError(`the measured-ranks file has no '${row.id}' (${row.method}) for N = ${setting.lastN}`);
  return r;
}

/** One row of setup.ts as the profiler's method row, its options and labels read from the measurement. */
function tableMethod(row: TableRow, settingOf: (c: TableContext) => MeasuredSetting): TableMethod {
  const measured = (c: TableContext) => (row.source.from === 'fixed' ? null : measuredOf(settingOf(c), row));
  return {
    method: row.method,
    label: (c) => row.label.replace('{budget}', String(measured(c)?.budget?.mib ?? '?')),
    options: (layer: CostLayer, _i: number, c: TableContext) => {
      const m = measured(c);
      if (m == null) return { ...row.options };
      const own = m.layerOptions?.[layer.name];
      if (own == null) throw new RanksFileError(`the measured-ranks file has no options of ${layer.name} in '${row.id}' for ${c.model}, N = ${c.lastN}`);
      return { ...row.options, ...own };
    },
    unavailable: (c) => {
      const e = measured(c)?.error;
      return e == null ? null : `the planner found no plan (${e.code}): ${e.message}`;
    },
  };
}

/** The recorded per-layer options of the measured rows, as a Markdown table. */
function optionsTable(m: MeasuredModel): string {
  const rows = TABLE_ROWS.filter((r) => r.source.from !== 'fixed');
  const cells: (string | number)[][] = [];
  for (const s of m.settings) {
    for (const layer of s.layers) {
      cells.push([
        s.lastN,
        `\`${layer}\``,
        ...rows.map((r) => {
          const own = measuredOf(s, r).layerOptions?.[layer];
          return own == null ? '—' : Object.values(own).map((v) => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v))).join(' ');
        }),
      ]);
    }
  }
  return markdownTable(['N', 'layer', ...rows.map((r) => r.column ?? r.id)], cells);
}

/** What the model's section says below its table: weights, budgets, the plans, the measured options. */
function modelNotes(m: MeasuredModel): string[] {
  const notes = [`Weights: ${m.weights}; measured on ${m.date} in ${m.seconds} s.`, ''];
  notes.push(
    `Reference budgets of ASI in setup A (MiB): ${m.settings
      .map((s) => `N = ${s.lastN}: ${DATASETS.map((d) => `${d} ${s.referenceBudgetsMiB[d]}`).join(', ')}`)
      .join('; ')}.`,
    '',
  );
  for (const s of m.settings) {
    for (const row of TABLE_ROWS.filter((r) => r.source.from === 'plan')) {
      const r = measuredOf(s, row);
      const what = r.plan != null ? `the plan: ${r.plan.summary}, ${mib(r.plan.totalBytes)} MiB` : `no plan (${r.error?.code ?? 'unknown'})`;
      notes.push(`- N = ${s.lastN}, ${row.column ?? row.id}: ${r.budget?.mib} MiB (the budget for ${r.budget?.datasets.join(', ')}); ${what}.`);
    }
  }
  notes.push('', 'The per-layer options measured (ranks NHWC `[kB, kH, kW, kC]`):', '', optionsTable(m).trimEnd());
  return notes;
}

/** The introduction: what was measured on what, what the modes count. */
function headerNotes(file: RanksFile): string[] {
  const trained = file.models.filter((m) => m.trained).map((m) => m.architecture);
  const random = file.models.filter((m) => !m.trained).map((m) => m.architecture);
  return [
    `Setting: ${file.resolution}×${file.resolution}, batch ${file.batch}, N = the last N convolutions (depthwise and pointwise alike; \`selectFineTunedLayers\` of @odl/models), the paper's setup A.`,
    '',
    `**What the ranks were measured on.** The ASI, HOSVD_ε and SVD_ε rows use options measured on ${file.date} (\`${file.command}\`, ${file.backend} backend; the record: [profiler-tables.ranks.json](profiler-tables.ranks.json)) on ${file.data}.`,
    `One exact forward and backward pass of that batch captured the fine-tuned layers' inputs and output gradients (\`captureLayerTensors\` of @odl/models, as a fine-tuning session does before training).`,
    `${trained.join(', ')}: the shipped pretrained model, whose activations are those of trained weights on its own kind of data. ` +
      `${random.join(', ')}: **no weights ship for them, so they are He-initialised** (seed 0, 1 input channel, BatchNorm at its initial statistics): their ranks are measured, but on random features, ` +
      'which are nearly the same for every image (most of their energy in one direction), so the ranks come out far lower than on trained weights; read those rows as the method on untrained features, not as the paper\'s numbers.',
    'The paper measures on ImageNet-pretrained RGB models and calibrates on ImageNet; odl has neither offline, so the data here is Fashion-MNIST at 224×224 (grayscale) and no number here is the paper\'s.',
    '',
    `- **ASI**: the ranks its planner (rank selection, [method.md §5](method.md#5-rank-selection-under-a-memory-budget)) chose on that batch with the paper's ε grid (${PAPER_EPSILONS.join(', ')}) and \`schedule: 'independent'\` (setup A), ` +
      `at the smallest and the largest of the five reference budgets of the model and N: ASI's budgets in setup A, from \`${file.budgetsSource}\` of the paper's reference repository ` +
      '(one per dataset: Pets, Flowers-102, CUB-200, CIFAR-10, CIFAR-100). The planner is exact (never over budget); a budget that no plan fits shows its error, which names the smallest memory. ' +
      'With the paper\'s grid the largest ranks are those at ε = 0.9, so a generous budget can stay partly unused (each plan\'s bytes are listed under its table).',
    '- **HOSVD_ε** (ε = 0.8, the paper\'s) and **SVD_ε** (ε = 0.8): the ranks they keep for that batch (the plugins\' `costOptionsFor`); in training they choose them anew on every batch.',
    '- **gradient filter**: radius 2, a fixed option (no ranks).',
    '- **paper** FLOPs follow the reference code of ASI (ICML 2025) / HOSVD_ε (NeurIPS 2024): MACs for conv, groups ignored, no input gradients, no core formation, SVD costed max²·min.',
    "- **exact** FLOPs: 2 per multiply-add, groups counted, every contraction (compression, orthonormalisation, core formation, Tucker backward, reconstruction, input gradient) counted; ASI at a warm step of the `'independent'` schedule.",
    '',
  ];
}

/**
 * The document docs/profiler-tables.md for a measured-ranks file (the methods must be registered).
 *
 * @example
 * ```ts
 * registerBuiltinMethods();
 * const md = renderProfilerTables(parseRanksFile(await readFile('docs/profiler-tables.ranks.json', 'utf8')));
 * ```
 */
export function renderProfilerTables(file: RanksFile): string {
  if (file.resolution !== RESOLUTION || file.batch !== BATCH) {
    throw new RanksFileError(`the measured-ranks file is for ${file.resolution}×${file.resolution}, batch ${file.batch}; the tables are at ${RESOLUTION}×${RESOLUTION}, batch ${BATCH}`);
  }
  const missing = MODELS.filter((a) => !file.models.some((m) => m.architecture === a));
  if (missing.length > 0) throw new RanksFileError(`the measured-ranks file has no ${missing.join(', ')}`);
  const bySection = new Map<string, MeasuredModel>();
  const models: TableModel[] = MODELS.map((architecture) => {
    const m = file.models.find((x) => x.architecture === architecture)!;
    const specs = describeModel(architecture, { inputShape: [file.batch, file.resolution, file.resolution, m.inputChannels], numClasses: m.numClasses });
    const settings = LAST_N.map((lastN) => {
      const measured = m.settings.find((s) => s.lastN === lastN);
      const layers = selectFineTunedLayers(specs, lastN).compressed;
      if (measured == null || measured.layers.join() !== layers.map((l) => l.name).join()) {
        throw new RanksFileError(`${architecture}, N = ${lastN}: the measured layers (${measured?.layers.join(', ') ?? 'none'}) are not the zoo's last ${lastN} (${layers.map((l) => l.name).join(', ')})`);
      }
      return { lastN, layers };
    });
    bySection.set(sectionName(m), m);
    return { name: sectionName(m), settings, notes: modelNotes(m) };
  });
  const settingOf = (c: TableContext) => bySection.get(c.model)!.settings.find((s) => s.lastN === c.lastN)!;
  return profilerTablesMarkdown({
    title: 'Activation memory and FLOPs of fine-tuning, with measured ranks (generated)',
    generatedBy: WRITE_COMMAND,
    models,
    methods: TABLE_ROWS.map((row) => tableMethod(row, settingOf)),
    baseline: 'vanilla',
    notes: headerNotes(file),
  });
}
