import type { ModelCostTable } from '../model/profile-model';
import { formatBytes, formatFlops, formatNumber } from './format';

/** Version of the JSON report layout; bumped on any incompatible change. */
export const REPORT_SCHEMA_VERSION = 1 as const;

/** A JSON report of one or more cost tables. */
export interface CostReport {
  /** Layout version, {@link REPORT_SCHEMA_VERSION}. */
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** Always `'odl-profile'`. */
  kind: 'odl-profile';
  /** What the report is about (model, resolution, ...). */
  meta: Record<string, string | number | boolean>;
  /** The tables. */
  tables: ModelCostTable[];
}

/**
 * Wraps tables in a versioned JSON report object.
 *
 * @example
 * ```ts
 * const json = JSON.stringify(costReport([table], { model: 'mcunet-in1' }), null, 2);
 * ```
 */
export function costReport(tables: ModelCostTable[], meta: Record<string, string | number | boolean> = {}): CostReport {
  return { schemaVersion: REPORT_SCHEMA_VERSION, kind: 'odl-profile', meta, tables };
}

/**
 * Quotes a CSV field when needed (RFC 4180).
 *
 * @example
 * ```ts
 * csvField('a,b'); // '"a,b"'
 * ```
 */
export function csvField(v: string | number): string {
  const s = typeof v === 'number' ? formatNumber(v) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Rows of cost tables as CSV (one line per fine-tuned layer, plus a `TOTAL` line per table).
 *
 * @example
 * ```ts
 * const csv = costTablesToCsv([table]);
 * ```
 */
export function costTablesToCsv(tables: readonly ModelCostTable[]): string {
  const header = ['method', 'mode', 'lastN', 'layer', 'kind', 'inputShape', 'activationElements', 'activationBytes', 'activationMiB', 'forwardFlops', 'backwardFlops', 'totalFlops'];
  const lines = [header.join(',')];
  for (const t of tables) {
    for (const r of t.rows) {
      lines.push([t.method, t.mode, t.lastN, r.name, r.kind, r.inputShape.join('x'), r.activationElements, r.activationBytes, r.activationMiB, r.forwardFlops, r.backwardFlops, r.totalFlops].map(csvField).join(','));
    }
    const s = t.total;
    lines.push([t.method, t.mode, t.lastN, 'TOTAL', '', '', s.activationElements, s.activationBytes, s.activationMiB, s.forwardFlops, s.backwardFlops, s.totalFlops].map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}

/** How {@link markdownTable} lays a table out. */
export interface MarkdownTableOptions {
  /** Pad every cell to its column's width, so the table reads aligned in a terminal too (default false). */
  aligned?: boolean;
}

/**
 * A Markdown table from a header and rows of cells (numbers formatted deterministically, columns
 * of numbers right-aligned).
 *
 * @example
 * ```ts
 * markdownTable(['a', 'b'], [[1, 'x']]); // '| a | b |\n|---:|---|\n| 1 | x |\n'
 * markdownTable(['a', 'b'], [[1, 'x']], { aligned: true }); // '|  a | b |\n| -: | - |\n|  1 | x |\n'
 * ```
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly (string | number)[])[], options: MarkdownTableOptions = {}): string {
  const numericCol = header.map((_, c) => rows.length > 0 && rows.every((r) => typeof r[c] === 'number'));
  const cell = (v: string | number | undefined) => (v == null ? '' : typeof v === 'number' ? formatNumber(v) : v.replace(/\|/g, '\\|'));
  const body = rows.map((r) => header.map((_, c) => cell(r[c])));
  if (!options.aligned) {
    const out = [`| ${header.join(' | ')} |`, `|${numericCol.map((n) => (n ? '---:' : '---')).join('|')}|`];
    for (const r of body) out.push(`| ${r.join(' | ')} |`);
    return out.join('\n') + '\n';
  }
  const widths = header.map((h, c) => Math.max(h.length, numericCol[c] ? 2 : 1, ...body.map((r) => r[c].length)));
  const line = (r: readonly string[]) => `| ${r.map((v, c) => (numericCol[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (numericCol[c] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...body.map(line)].join('\n') + '\n';
}

/**
 * One cost table as Markdown for people: a row per fine-tuned layer and a total row, activation
 * memory in KiB/MiB and FLOPs in MFLOPs/GFLOPs with three significant digits ({@link formatBytes},
 * {@link formatFlops}); {@link costReport} and {@link costTablesToCsv} keep the exact counts.
 *
 * @example
 * ```ts
 * console.log(costTableToMarkdown(table, { aligned: true }));
 * ```
 */
export function costTableToMarkdown(t: ModelCostTable, options: MarkdownTableOptions = {}): string {
  const row = (name: string, shape: string, c: ModelCostTable['total']): (string | number)[] => [name, shape, c.activationElements, formatBytes(c.activationBytes), formatFlops(c.forwardFlops), formatFlops(c.backwardFlops), formatFlops(c.totalFlops)];
  const rows = t.rows.map((r) => row(r.name, r.inputShape.join('×'), r));
  rows.push(row('**total**', '', t.total));
  return markdownTable(['layer', 'input shape', 'elements', 'activation memory', `forward (${t.mode})`, `backward (${t.mode})`, 'training step'], rows, options);
}
