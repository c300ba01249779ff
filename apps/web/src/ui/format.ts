import { BASELINE_METHOD } from '../protocol';

/** Bytes as B / KiB / MiB with three significant digits. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${bytes.toFixed(0)} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toPrecision(3)} KiB`;
  return `${(bytes / (1024 * 1024)).toPrecision(3)} MiB`;
}

/** Floating-point operations as MFLOP / GFLOP. */
export function formatFlops(flops: number): string {
  if (!Number.isFinite(flops)) return '—';
  if (flops < 1e9) return `${(flops / 1e6).toPrecision(3)} MFLOP`;
  return `${(flops / 1e9).toPrecision(3)} GFLOP`;
}

/** Milliseconds with a unit. */
export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms` : '—';
}

/** A fraction in [0, 1] as a percentage. */
export function formatPercent(v: number | null): string {
  return v == null || !Number.isFinite(v) ? '—' : `${(100 * v).toFixed(1)} %`;
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
