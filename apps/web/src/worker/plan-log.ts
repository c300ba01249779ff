// A planner's tables as log lines, printed as they are (the worker does not know what they hold).
import type { PlanTable } from '@odl/core';

/** The table as aligned text lines: its title, the header, then one line per row. */
export function planTableLines(table: PlanTable): string[] {
  const cells = [table.columns, ...table.rows.map((row) => row.map((c) => String(c)))];
  const widths = table.columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `  ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()}`;
  return [`${table.title}:`, ...cells.map(line)];
}
