// What the page says about the user's images: the line under "My images" (how many images a run
// will use, how many files were skipped, the classes with their counts) and what keeps Start
// disabled. Pure functions of the worker's summary.
import { NO_USER_IMAGES, type UserDataSummary } from '../protocol';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** E.g. `38 images, 2 skipped · 2 classes: horizontal (19), vertical (19)`; `No images yet.` before any. */
export function userSummaryText(u: UserDataSummary | null): string {
  if (u == null || (u.total === 0 && u.skipped.length === 0)) return 'No images yet.';
  const head = `${plural(u.total, 'image')}, ${u.skipped.length} skipped`;
  if (u.total === 0) return `${head}.`;
  return `${head} · ${plural(u.classNames.length, 'class', 'classes')}: ${u.classNames.map((c, i) => `${c} (${u.counts[i]})`).join(', ')}`;
}

/** Where the user's images stand on the page. */
export interface UserDataStatus {
  /** "My images" is the chosen data. */
  chosen: boolean;
  /** Files handed to the worker whose check has not come back (null: none pending). */
  checking: number | null;
  /** The worker's latest summary (null before any). */
  summary: UserDataSummary | null;
}

/** Why Start must wait for the user's images (null: it need not, or they are not chosen). */
export function userDataBlocker(s: UserDataStatus): string | null {
  if (!s.chosen) return null;
  if (s.checking != null) return `checking ${s.checking} files…`;
  return s.summary == null ? NO_USER_IMAGES : s.summary.problem;
}
