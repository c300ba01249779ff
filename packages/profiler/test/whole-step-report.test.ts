import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@odl/backend';
import { stackedBarSvg, timingStats, wholeStepMarkdown, wholeStepSvg, type WholeStepReportRow } from '@odl/profiler';

const MiB = 2 ** 20;
const rows: WholeStepReportRow[] = [
  {
    label: 'vanilla',
    bytes: { peak: 100 * MiB, weights: 10 * MiB, inputs: 20 * MiB, optimizerState: 0, keptActivations: 40 * MiB, gradients: 2 * MiB, transients: 28 * MiB },
    peakPhase: 'backward',
    times: { frozenForward: timingStats([10]), trainableForward: timingStats([5, 7]), backward: timingStats([20]), update: timingStats([1]), total: timingStats([36]) },
  },
  {
    label: 'asi',
    bytes: { peak: 50 * MiB, weights: 10 * MiB, inputs: 20 * MiB, optimizerState: 0, keptActivations: 512, gradients: 2 * MiB, transients: 18 * MiB - 512 },
    peakPhase: 'frozen-forward',
  },
];

describe('whole-step report', () => {
  it('Markdown: the peak and its parts in binary units, the phase of the peak, median times or a dash', () => {
    const md = wholeStepMarkdown(rows);
    const lines = md.trimEnd().split('\n');
    expect(lines[0]).toBe(
      '| method | peak | weights | input batch | optimizer state | kept activations | gradients | transients | peak in | frozen fwd ms | trainable fwd ms | backward ms | update ms | step ms |',
    );
    expect(lines[2]).toBe('| vanilla | 100 MiB | 10.0 MiB | 20.0 MiB | 0 B | 40.0 MiB | 2.00 MiB | 28.0 MiB | backward | 10 | 6 | 20 | 1 | 36 |');
    expect(lines[3]).toBe('| asi | 50.0 MiB | 10.0 MiB | 20.0 MiB | 0 B | 512 B | 2.00 MiB | 18.0 MiB | frozen-forward | — | — | — | — | — |');
    expect(wholeStepMarkdown(rows, { times: false }).split('\n')[0]).toBe(
      '| method | peak | weights | input batch | optimizer state | kept activations | gradients | transients | peak in |',
    );
  });

  it('SVG: one stacked bar per row, parts bottom up summing to the peak', () => {
    const svg = wholeStepSvg(rows, { title: 'peak' });
    expect(svg.startsWith('<svg')).toBe(true);
    // vanilla: 5 non-zero parts, asi: 5 (optimizer state is 0 for both), plus 6 legend swatches
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(10);
    expect(svg).toContain('<title>vanilla kept activations: 40</title>');
    expect(svg).toContain('>100</text>'); // vanilla's total on top of its bar, MiB
    // the stacked parts of a bar span exactly the height of its total
    const heights = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="28" height="([\d.]+)"/g)];
    const byBar = new Map<string, number>();
    for (const [, x, h] of heights) byBar.set(x!, (byBar.get(x!) ?? 0) + Number(h));
    const [v, a] = [...byBar.values()];
    expect(v! / a!).toBeCloseTo(2, 2);
    expect(wholeStepSvg(rows, { title: 'peak' })).toBe(svg); // deterministic
  });

  it('stackedBarSvg refuses an unknown or negative part and an empty chart', () => {
    expect(() => stackedBarSvg([], { title: 't', yLabel: 'y' })).toThrow(ArgumentError);
    expect(() => stackedBarSvg([{ label: 'a', parts: { x: -1 } }], { title: 't', yLabel: 'y' })).toThrow(/≥ 0/);
    expect(() => stackedBarSvg([{ label: 'a', parts: { x: 1 } }, { label: 'b', parts: { y: 1 } }], { title: 't', yLabel: 'y' })).toThrow(/not in parts/);
  });
});
