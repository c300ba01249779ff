import type { CostMode } from '@odl/core';
import { ArgumentError } from '@odl/backend';
import { profileModel, type CostLayer, type ModelCostTable } from './model/profile-model';
import { formatCompact } from './report/format';
import { markdownTable } from './report/tables';

/** Where a table row is counted: one model and one number of fine-tuned layers. */
export interface TableContext {
  /** The model's name (its section of the tables). */
  model: string;
  /** Number of fine-tuned layers. */
  lastN: number;
}

/** One method row of the generated tables: a registered method with its options, given by the caller. */
export interface TableMethod {
  /** Registry name of a registered method. */
  method: string;
  /** Label in the table, the same everywhere or per model and N. */
  label: string | ((context: TableContext) => string);
  /** Options of one fine-tuned layer (its position among them: `index`); default none. */
  options?: (layer: CostLayer, index: number, context: TableContext) => Record<string, unknown>;
  /**
   * Why the method has no row for a model and N (e.g. no plan fits the budget), shown instead of
   * numbers; `null` or `undefined` when it is counted.
   */
  unavailable?: (context: TableContext) => string | null | undefined;
}

/** The fine-tuned layers of a model for one N, in model order. */
export interface TableSetting {
  /** Number of fine-tuned layers. */
  lastN: number;
  /** The fine-tuned layers (`{ name, geometry }`, e.g. `selectFineTunedLayers(…).compressed` of @odl/models). */
  layers: readonly CostLayer[];
}

/** One model of the generated tables: its fine-tuned layers per N, from the caller's model description. */
export interface TableModel {
  /** Name (the section heading). */
  name: string;
  /** One entry per N, in table order. */
  settings: readonly TableSetting[];
  /** Lines printed after the model's table (e.g. the options each layer got), each as it is; default none. */
  notes?: readonly string[];
}

/** Options of {@link paperTables}. */
export interface PaperTablesOptions {
  /** The models with their fine-tuned layers. */
  models: readonly TableModel[];
  /** The methods, one row each per model and N, counted through the registry (register them first). */
  methods: readonly TableMethod[];
}

/** Options of {@link profilerTablesMarkdown}. */
export interface ProfilerTablesMarkdownOptions extends PaperTablesOptions {
  /** The command that regenerates the document, quoted in its generated-file comment. */
  generatedBy: string;
  /**
   * Registry name of the method every row's activation memory is compared with (a column "less
   * memory than …": its memory ÷ the row's); default none (no such column).
   */
  baseline?: string;
  /** Title; default `'Activation memory and FLOPs of fine-tuning (generated)'`. */
  title?: string;
  /**
   * Lines printed after the introduction, before the tables (what was measured on what, what the
   * accounting modes count for these methods, which options the rows use), each as it is; default none.
   */
  notes?: readonly string[];
}

/** One generated table entry: a model, N and method, counted in both modes (or why not). */
export interface PaperTableEntry {
  /** Model name. */
  model: string;
  /** Number of fine-tuned layers. */
  lastN: number;
  /** Registry name of the method. */
  method: string;
  /** Label in the table. */
  label: string;
  /** Paper-mode cost; `null` when the method is unavailable here. */
  paper: ModelCostTable | null;
  /** Exact-mode cost; `null` when the method is unavailable here. */
  exact: ModelCostTable | null;
  /** Why the method has no numbers here ({@link TableMethod.unavailable}), or `null`. */
  unavailable: string | null;
}

/**
 * Builds every cost table of the generated document: per model, N and method, the
 * {@link profileModel} totals over the given fine-tuned layers in paper and exact accounting, each
 * layer's cost asked of the method's registered plugin. The models' layers and the methods are the
 * caller's: the profiler keeps no model description and names no method.
 *
 * @example
 * ```ts
 * registerShortcut();
 * const specs = describeModel('resnet18', { inputShape: [128, 224, 224, 3], numClasses: 1000 }); // @odl/models
 * const tables = paperTables({
 *   models: [{ name: 'resnet18', settings: [{ lastN: 2, layers: selectFineTunedLayers(specs, 2).compressed }] }],
 *   methods: [{ method: 'asi', label: 'ASI', options: () => ({ ranks: [4, 4, 4, 16] }) }],
 * });
 * tables[0].exact!.total.activationMiB;
 * ```
 */
export function paperTables(o: PaperTablesOptions): PaperTableEntry[] {
  if (o == null || !Array.isArray(o.methods) || o.methods.length === 0) {
    throw new ArgumentError("paperTables: give the methods to count, e.g. { methods: [{ method: 'vanilla', label: 'vanilla' }] } (registered methods only)");
  }
  if (!Array.isArray(o.models) || o.models.length === 0) {
    throw new ArgumentError('paperTables: give the models with their fine-tuned layers, e.g. { models: [{ name, settings: [{ lastN: 2, layers }] }] } (layers from @odl/models: selectFineTunedLayers(describeModel(…), 2).compressed)');
  }
  const out: PaperTableEntry[] = [];
  for (const model of o.models) {
    for (const setting of model.settings) {
      const context: TableContext = { model: model.name, lastN: setting.lastN };
      for (const m of o.methods) {
        const label = typeof m.label === 'function' ? m.label(context) : m.label;
        const unavailable = m.unavailable?.(context) ?? null;
        if (unavailable != null) {
          out.push({ ...context, method: m.method, label, paper: null, exact: null, unavailable });
          continue;
        }
        const options = m.options == null ? undefined : (layer: CostLayer, i: number) => m.options!(layer, i, context);
        const run = (mode: CostMode) => profileModel({ layers: setting.layers, method: m.method, options, mode });
        out.push({ ...context, method: m.method, label, paper: run('paper'), exact: run('exact'), unavailable: null });
      }
    }
  }
  return out;
}

/** A ratio with 3 significant digits (1, 12.3, 456). */
const formatRatio = (r: number): string => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2).replace(/\.?0+$/, ''));

/**
 * The Markdown document `docs/profiler-tables.md`: per model and N, activation memory and
 * paper-mode / exact-mode FLOPs of one training step per method ({@link paperTables}), after an
 * introduction and the caller's notes; under each table the fine-tuned layers and the model's notes.
 * With `baseline`, a column compares each row's activation memory with that method's.
 *
 * @example
 * ```ts
 * const md = profilerTablesMarkdown({ models, methods, notes, generatedBy: 'node packages/models/scripts/run-ts.mjs …/write.ts' });
 * await writeFileAtomic('docs/profiler-tables.md', md); // writeFileAtomic: @odl/backend/node
 * ```
 */
export function profilerTablesMarkdown(o: ProfilerTablesMarkdownOptions): string {
  const all = paperTables(o);
  const parts: string[] = [
    `# ${o.title ?? 'Activation memory and FLOPs of fine-tuning (generated)'}`,
    '',
    `<!-- generated by \`${o.generatedBy}\` (profilerTablesMarkdown() of @odl/profiler); do not edit by hand -->`,
    '',
    'Analytic counts of one training step over the fine-tuned layers listed under each table (the classifier is not counted).',
    'Activation memory = elements kept for backward × 4 bytes. FLOPs are forward + backward of the fine-tuned layers only.',
    '',
    ...(o.notes ?? []),
  ];
  const dash = '—';
  for (const model of o.models) {
    parts.push(`## ${model.name}`, '');
    const entries = all.filter((t) => t.model === model.name);
    const baselineBytes = (lastN: number) => entries.find((t) => t.lastN === lastN && t.method === o.baseline && t.exact != null)?.exact!.total.activationBytes;
    const ratio = (t: PaperTableEntry) => {
      const base = baselineBytes(t.lastN);
      return base == null || t.exact == null ? dash : `${formatRatio(base / t.exact.total.activationBytes)}×`;
    };
    const rows = entries.map((t) => {
      const cells =
        t.exact == null || t.paper == null
          ? [t.lastN, t.label, dash, dash, dash, dash, dash]
          : [
              t.lastN,
              t.label,
              Number(t.exact.total.activationMiB.toFixed(4)),
              formatCompact(t.paper.total.forwardFlops),
              formatCompact(t.paper.total.backwardFlops),
              formatCompact(t.exact.total.forwardFlops),
              formatCompact(t.exact.total.backwardFlops),
            ];
      if (o.baseline != null) cells.splice(3, 0, ratio(t));
      return cells;
    });
    const columns = ['N', 'method', 'activation MiB', 'paper fwd', 'paper bwd', 'exact fwd', 'exact bwd'];
    if (o.baseline != null) columns.splice(3, 0, `less memory than ${o.baseline}`);
    parts.push(markdownTable(columns, rows));
    const missing = entries.filter((t) => t.unavailable != null);
    if (missing.length > 0) parts.push(...missing.map((t) => `- N = ${t.lastN}, ${t.label}: ${t.unavailable}`), '');
    for (const s of model.settings) {
      parts.push(`Fine-tuned layers, N = ${s.lastN} (model order): ${s.layers.map((l) => `\`${l.name}\` (${l.geometry.inputShape.join('×')})`).join(', ')}.`, '');
    }
    if (model.notes != null && model.notes.length > 0) parts.push(...model.notes, '');
  }
  return parts.join('\n');
}
