import { BASELINE_METHOD } from '../protocol';

export { formatBytes, formatFlops } from '@odl/profiler';

/** Milliseconds with a unit. */
export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms` : '—';
}

/** A fraction in [0, 1] as a percentage. */
export function formatPercent(v: number | null): string {
  return v == null || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(1)} %`;
}

/** The label of a run's latest held-out accuracy: when it was measured, in words. */
export function accuracyLabel(step: number | null): string {
  if (step == null) return 'accuracy on held-out images';
  if (step === 0) return 'accuracy before training';
  return `accuracy after ${step} step${step === 1 ? '' : 's'}`;
}

/** Colour of the baseline (exact) runs. */
export const BASELINE_COLOR = '#c8553d';

/** Colours of the other methods, picked by a hash of the name (stable across runs and reloads). */
export const METHOD_COLORS: readonly string[] = ['#1b7f8c', '#d99a1e', '#5b8c3a', '#7a4fa3', '#2f5fa8', '#a8466b', '#6b6b2f'];

/** The colour of a method's series and swatches: the baseline's, or one of {@link METHOD_COLORS}. */
export function methodColor(method: string): string {
  if (method === BASELINE_METHOD) return BASELINE_COLOR;
  let h = 0;
  for (const c of method) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return METHOD_COLORS[h % METHOD_COLORS.length]!;
}
