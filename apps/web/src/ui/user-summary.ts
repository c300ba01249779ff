// The line under "My images": how many images a run will use, how many files were skipped, and
// the classes with their counts. A pure function of the worker's summary.
import type { UserDataSummary } from '../protocol';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** E.g. `38 images, 2 skipped · 2 classes: horizontal (19), vertical (19)`; `No images yet.` before any. */
export function userSummaryText(u: UserDataSummary | null): string {
  if (u == null || (u.total === 0 && u.skipped.length === 0)) return 'No images yet.';
  const head = `${plural(u.total, 'image')}, ${u.skipped.length} skipped`;
  if (u.total === 0) return `${head}.`;
  return `${head} · ${plural(u.classNames.length, 'class', 'classes')}: ${u.classNames.map((c, i) => `${c} (${u.counts[i]})`).join(', ')}`;
}
