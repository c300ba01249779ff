import { writeFileAtomic } from '@odl/backend/node';
import { csvField } from './tables';

/** Tabular data of a plot, written beside it. */
export interface PlotData {
  /** Column names. */
  columns: string[];
  /** Rows, one value per column. */
  rows: (string | number)[][];
}

/**
 * CSV text of plot data.
 *
 * @example
 * ```ts
 * plotDataCsv({ columns: ['x', 'y'], rows: [[1, 2]] }); // 'x,y\n1,2\n'
 * ```
 */
export function plotDataCsv(d: PlotData): string {
  return [d.columns.map(csvField).join(','), ...d.rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}

/**
 * Writes a plot and its data atomically: `<base>.svg`, `<base>.csv` and `<base>.json`
 * (`{ schemaVersion, columns, rows }`). Returns the three paths.
 *
 * @example
 * ```ts
 * await writePlot('out/memory', svg, { columns: ['layer', 'vanilla'], rows: [['conv1', 2.3]] });
 * ```
 */
export async function writePlot(base: string, svg: string, data: PlotData): Promise<string[]> {
  const paths = [`${base}.svg`, `${base}.csv`, `${base}.json`];
  await writeFileAtomic(paths[0], svg);
  await writeFileAtomic(paths[1], plotDataCsv(data));
  await writeFileAtomic(paths[2], JSON.stringify({ schemaVersion: 1, columns: data.columns, rows: data.rows }, null, 2) + '\n');
  return paths;
}
