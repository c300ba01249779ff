// Draws the "My images" part of the form: the summary line, why the images cannot be used (when
// they cannot) and the list of skipped files with their reasons.
import type { UserDataSummary } from '../protocol';
import { userSummaryText } from './user-summary';

const $ = <T extends Element>(sel: string) => document.querySelector(sel) as T;

/** Redraws the user's images from the worker's summary; `checking` files are still being checked. */
export function renderUserData(u: UserDataSummary | null, checking: number | null): void {
  $<HTMLElement>('#user-summary').textContent = checking != null ? `Checking ${checking} files…` : userSummaryText(u);
  const problem = $<HTMLElement>('#user-problem');
  problem.hidden = checking != null || u?.problem == null || u.total + u.skipped.length === 0;
  problem.textContent = u?.problem ?? '';
  const skipped = $<HTMLUListElement>('#user-skipped');
  skipped.hidden = checking != null || (u?.skipped.length ?? 0) === 0;
  skipped.replaceChildren(
    ...(u?.skipped ?? []).map((f) => {
      const li = document.createElement('li');
      li.dataset.path = f.path;
      const name = document.createElement('code');
      name.textContent = f.path;
      li.append(name, `: ${f.reason}`);
      return li;
    }),
  );
  const dl = $<HTMLDataListElement>('#camera-labels');
  dl.replaceChildren(...(u?.classNames ?? []).map((c) => Object.assign(document.createElement('option'), { value: c })));
}
