import { ArgumentError } from '@odl/backend';
import { formatCompact } from './format';
import { axesSvg, axis, esc, f2, frame, PALETTE, type Axis } from './svg';

/** One bar of {@link stackedBarSvg}: a category (a method) made of named parts stacked bottom up. */
export interface StackedBar {
  /** Bar label (e.g. the method). */
  label: string;
  /** Value of each part (e.g. MiB of weights, of kept activations); parts are stacked in the order of {@link StackedBarOptions.parts}. */
  parts: Record<string, number>;
}

/** Options of {@link stackedBarSvg}. */
export interface StackedBarOptions {
  /** Plot title. */
  title: string;
  /** y-axis label (with units). */
  yLabel: string;
  /** The parts, bottom up; each gets a colour of {@link PALETTE} and a legend entry. Default: the parts of the first bar, in their order. */
  parts?: readonly string[];
  /** Width in px; default: grows with the number of bars. */
  width?: number;
  /** Height in px; default 420. */
  height?: number;
}

/**
 * A deterministic stacked bar chart, linear y axis from 0: one bar per category, its parts
 * stacked bottom up in a fixed order and colour (e.g. the peak bytes of a training step per
 * method, split into weights, kept activations, gradients and transients). A missing or zero part
 * draws nothing; a negative one is refused.
 *
 * @example
 * ```ts
 * const svg = stackedBarSvg([{ label: 'vanilla', parts: { weights: 2.6, kept: 40 } }], { title: 'peak', yLabel: 'MiB' });
 * ```
 */
export function stackedBarSvg(bars: readonly StackedBar[], o: StackedBarOptions): string {
  if (bars.length === 0) throw new ArgumentError('stackedBarSvg: no bars to draw');
  const parts = o.parts ?? Object.keys(bars[0]!.parts);
  for (const b of bars) {
    for (const [k, v] of Object.entries(b.parts)) {
      if (!parts.includes(k)) throw new ArgumentError(`stackedBarSvg: bar '${b.label}' has a part '${k}' that is not in parts (${parts.join(', ')})`);
      if (!(v >= 0)) throw new ArgumentError(`stackedBarSvg: bar '${b.label}', part '${k}' is ${v}; parts must be finite and ≥ 0`);
    }
  }
  const totals = bars.map((b) => parts.reduce((s, p) => s + (b.parts[p] ?? 0), 0));
  const barW = 28;
  const m = { l: 72, r: 170, t: 36, b: 110 };
  const width = o.width ?? Math.max(360, m.l + m.r + bars.length * (barW + 24));
  const height = o.height ?? 420;
  const y = axis([0, ...totals], false, height - m.b, m.t, 'y');
  const x: Axis = { map: (v) => v, ticks: [] };
  const out = frame(width, height, o.title);
  out.push(...axesSvg(x, y, m, width, height, '', o.yLabel, () => '', formatCompact));
  const span = (width - m.r - m.l) / bars.length;
  bars.forEach((b, bi) => {
    const bx = m.l + bi * span + (span - barW) / 2;
    let acc = 0;
    parts.forEach((p, pi) => {
      const v = b.parts[p] ?? 0;
      if (v <= 0) return;
      const bottom = y.map(acc);
      const top = y.map(acc + v);
      acc += v;
      out.push(`<rect x="${f2(bx)}" y="${f2(top)}" width="${barW}" height="${f2(Math.max(bottom - top, 0))}" fill="${PALETTE[pi % PALETTE.length]}"><title>${esc(`${b.label} ${p}: ${formatCompact(v)}`)}</title></rect>`);
    });
    const cx = m.l + bi * span + span / 2;
    out.push(`<text x="${f2(cx)}" y="${f2(y.map(totals[bi]!) - 4)}" text-anchor="middle" font-size="10">${esc(formatCompact(totals[bi]!))}</text>`);
    out.push(`<text x="${f2(cx)}" y="${f2(height - m.b + 12)}" text-anchor="end" transform="rotate(-45 ${f2(cx)} ${f2(height - m.b + 12)})" font-size="10">${esc(b.label)}</text>`);
  });
  // legend top down in stacking order reversed, so it reads like the bars
  [...parts].reverse().forEach((p, i) => {
    const pi = parts.length - 1 - i;
    const ly = m.t + 10 + i * 18;
    out.push(`<rect x="${f2(width - m.r + 12)}" y="${f2(ly - 5)}" width="10" height="10" fill="${PALETTE[pi % PALETTE.length]}"/><text x="${f2(width - m.r + 26)}" y="${f2(ly + 4)}">${esc(p)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
