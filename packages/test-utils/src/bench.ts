// The row every benchmark returns and the timing helpers the benchmarks share.
import type { tf } from '@odl/backend';

/**
 * One figure of a benchmark, as `odl bench` prints it and writes it to its JSON results.
 *
 * @example
 * ```ts
 * const row: BenchRow = { name: 'conv weight gradient, vanilla', value: 12.5, unit: 'ms', note: 'median of 9' };
 * ```
 */
export interface BenchRow {
  /** What was measured: the figure's name, stable from run to run (results are compared by it). */
  name: string;
  /** The measured value, in `unit`. */
  value: number;
  /**
   * The unit of `value`: a time (`'ms'`), a size (`'bytes'`, `'mib'`, `'elements'`), a rate
   * (`'GFLOP/s'`, `'images/s'`), a ratio (`'×'`, `'x'`, `'ratio'`), or `''` for a plain number.
   */
  unit: string;
  /** How it was measured (backend, shape, repetitions, target), or other context. */
  note?: string;
}

/**
 * How {@link median} takes the middle of an even number of values: `'mean'`, the mean of the two
 * middle values; `'upper'`, the upper of the two (always one of the measured values).
 */
export type EvenMedian = 'mean' | 'upper';

/**
 * The median of `values` (not modified); for an even count, see {@link EvenMedian}.
 *
 * @example
 * ```ts
 * median([3, 1, 4, 2]); // 2.5
 * median([3, 1, 4, 2], 'upper'); // 3
 * ```
 */
export function median(values: readonly number[], even: EvenMedian = 'mean'): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 || even === 'upper' ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * What a timed run does: returns nothing (it disposes its own results), or a tensor, which is
 * read back (`dataSync`) inside the timing, so that asynchronous backends are measured fully,
 * and disposed outside it.
 */
export type TimedRun = () => tf.Tensor | void;

/**
 * Wall times in ms of `reps` runs of `run`, after `warmup` untimed runs (compilation, first
 * allocations), each run's tensor read back and disposed as in the timed runs.
 *
 * @example
 * ```ts
 * const times = timeRuns(() => tf.matMul(a, b), 9); // each product read back
 * ```
 */
export function timeRuns(run: TimedRun, reps: number, warmup = 1): number[] {
  for (let i = 0; i < warmup; i++) {
    const out = run();
    out?.dataSync();
    out?.dispose();
  }
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const out = run();
    out?.dataSync();
    times.push(performance.now() - t0);
    out?.dispose();
  }
  return times;
}

/** Options of {@link medianMs}. */
export interface MedianMsOptions {
  /** Untimed runs first (default 1). */
  warmup?: number;
  /** The middle of an even number of runs (default `'mean'`). */
  even?: EvenMedian;
}

/**
 * Median wall time in ms of `reps` runs of `run` after the warm-up (see {@link timeRuns}).
 *
 * @example
 * ```ts
 * const ms = medianMs(() => tf.conv2d(x, w, 1, 'same'), 9);
 * ```
 */
export function medianMs(run: TimedRun, reps: number, options: MedianMsOptions = {}): number {
  return median(timeRuns(run, reps, options.warmup ?? 1), options.even);
}

/**
 * Mean wall time in ms of `reps` runs of `run` after `warmup` untimed runs (default 1; see
 * {@link timeRuns}).
 *
 * @example
 * ```ts
 * const ms = meanMs(() => tf.tidy(() => gradient().dataSync()), 5);
 * ```
 */
export function meanMs(run: TimedRun, reps: number, warmup = 1): number {
  return timeRuns(run, reps, warmup).reduce((s, t) => s + t, 0) / reps;
}
