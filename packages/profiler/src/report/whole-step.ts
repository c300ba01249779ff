import type { TimingStats } from '../measure/profile-step';
import type { WholeStepBytes, WholeStepMeasurement, WholeStepPhase } from '../measure/whole-step';
import { formatBytes, formatNumber } from './format';
import { stackedBarSvg } from './stacked-bar';
import { markdownTable, type MarkdownTableOptions } from './tables';

/** One row of a whole-step report: a method's (or setting's) {@link measureStep} result. */
export interface WholeStepReportRow {
  /** Row label (e.g. `'asi'`, `'hosvd ε=0.8'`). */
  label: string;
  /** The peak bytes and their breakdown. */
  bytes: WholeStepBytes;
  /** The phase in which the peak was reached. */
  peakPhase?: WholeStepPhase | null;
  /** Phase times (the measurement's statistics); absent or null: the time columns read "to be measured". */
  times?: Pick<WholeStepMeasurement, 'frozenForward' | 'trainableForward' | 'backward' | 'update' | 'total'> | null;
}

/** The parts of the peak, bottom up, as the report names them. */
const PARTS: readonly [keyof WholeStepBytes, string][] = [
  ['weights', 'weights'],
  ['inputs', 'input batch'],
  ['optimizerState', 'optimizer state'],
  ['keptActivations', 'kept activations'],
  ['gradients', 'gradients'],
  ['transients', 'transients'],
];

/** Options of {@link wholeStepMarkdown}. */
export interface WholeStepMarkdownOptions extends MarkdownTableOptions {
  /** Include the phase time columns (median ms); default true. A row without times reads `—`. */
  times?: boolean;
}

/**
 * The whole-step measurements as a Markdown table for people: per row the measured peak and its
 * parts in KiB/MiB/GiB ({@link formatBytes}), the phase of the peak, and the median wall time of
 * each phase. JSON and CSV keep the exact byte counts.
 *
 * @example
 * ```ts
 * console.log(wholeStepMarkdown([{ label: 'vanilla', bytes: m.bytes, peakPhase: m.peakPhase, times: m }]));
 * ```
 */
export function wholeStepMarkdown(rows: readonly WholeStepReportRow[], options: WholeStepMarkdownOptions = {}): string {
  const withTimes = options.times ?? true;
  const header = ['method', 'peak', ...PARTS.map(([, name]) => name), 'peak in'];
  if (withTimes) header.push('frozen fwd ms', 'trainable fwd ms', 'backward ms', 'update ms', 'step ms');
  const ms = (t: TimingStats | undefined) => (t == null ? '—' : formatNumber(Number(t.medianMs.toPrecision(4))));
  const body = rows.map((r) => {
    const cells: string[] = [r.label, formatBytes(r.bytes.peak), ...PARTS.map(([k]) => formatBytes(r.bytes[k])), r.peakPhase ?? '—'];
    if (withTimes) {
      const t = r.times ?? undefined;
      cells.push(ms(t?.frozenForward), ms(t?.trainableForward), ms(t?.backward), ms(t?.update), ms(t?.total));
    }
    return cells;
  });
  return markdownTable(header, body, options);
}

/**
 * The peak bytes of a whole step as a stacked bar per row (SVG, MiB): weights, input batch,
 * optimizer state, kept activations, gradients and transients, bottom up, the total on top.
 *
 * @example
 * ```ts
 * await writeFileAtomic('peak.svg', wholeStepSvg(rows, { title: 'MCUNet-in1, 224×224, batch 64, last 4 layers' }));
 * ```
 */
export function wholeStepSvg(rows: readonly WholeStepReportRow[], options: { title: string }): string {
  const mib = 2 ** 20;
  return stackedBarSvg(
    rows.map((r) => ({ label: r.label, parts: Object.fromEntries(PARTS.map(([k, name]) => [name, Math.max(0, r.bytes[k]) / mib])) })),
    { title: options.title, yLabel: 'peak bytes of the step (MiB)', parts: PARTS.map(([, name]) => name) },
  );
}
