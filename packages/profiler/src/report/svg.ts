import { ArgumentError } from '@odl/backend';
import { formatCompact } from './format';

/** One point of a scatter plot. */
export interface PlotPoint {
  /** Series (method) the point belongs to. */
  series: string;
  /** Point label (e.g. the setting: `'ε=0.8'`, `'budget 0.5 MiB'`). */
  label: string;
  /** x value (activation MiB or FLOPs); must be > 0 on a log axis. */
  x: number;
  /** y value (accuracy, %). */
  y: number;
  /**
   * A second category drawn as the point's shape (e.g. `'N=2'`, the number of fine-tuned layers):
   * circle, square, triangle, diamond, in order of first appearance. Points of one series and
   * one marker are joined; the colour stays the series'. Absent: every point is a circle.
   */
  marker?: string;
}

/** Options of {@link scatterSvg}. */
export interface ScatterOptions {
  /** Plot title. */
  title: string;
  /** x-axis label (with units). */
  xLabel: string;
  /** y-axis label (with units). */
  yLabel: string;
  /** Log-scale x axis; default true. */
  logX?: boolean;
  /** Log-scale y axis; default false. */
  logY?: boolean;
  /** Draw the Pareto front (best y for at most this x) over all points; default true. */
  pareto?: boolean;
  /** Width in px; default 640. */
  width?: number;
  /** Height in px; default 420. */
  height?: number;
}

/** Fixed, colour-blind-safe palette (Okabe–Ito), assigned to series in order of first appearance. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#F0E442', '#000000'] as const;

/** The shapes of {@link PlotPoint.marker}, in order of first appearance. */
const SHAPES = ['circle', 'square', 'triangle', 'diamond'] as const;

/** One point's mark: a shape of radius `r` around (cx, cy), filled. */
function mark(shape: (typeof SHAPES)[number], cx: number, cy: number, fill: string, title = ''): string {
  const r = 4;
  const t = title === '' ? '' : `<title>${esc(title)}</title>`;
  const close = t === '' ? '/>' : `>${t}`;
  switch (shape) {
    case 'circle':
      return `<circle cx="${f2(cx)}" cy="${f2(cy)}" r="${r}" fill="${fill}"${close}${t === '' ? '' : '</circle>'}`;
    case 'square':
      return `<rect x="${f2(cx - r)}" y="${f2(cy - r)}" width="${2 * r}" height="${2 * r}" fill="${fill}"${close}${t === '' ? '' : '</rect>'}`;
    case 'triangle':
      return `<polygon points="${f2(cx)},${f2(cy - r - 1)} ${f2(cx + r + 1)},${f2(cy + r)} ${f2(cx - r - 1)},${f2(cy + r)}" fill="${fill}"${close}${t === '' ? '' : '</polygon>'}`;
    case 'diamond':
      return `<polygon points="${f2(cx)},${f2(cy - r - 1)} ${f2(cx + r + 1)},${f2(cy)} ${f2(cx)},${f2(cy + r + 1)} ${f2(cx - r - 1)},${f2(cy)}" fill="${fill}"${close}${t === '' ? '' : '</polygon>'}`;
  }
}

/** A coordinate with two decimals (deterministic SVG text). @internal */
export const f2 = (v: number) => (Math.round(v * 100) / 100).toFixed(2);
/** Text escaped for SVG. @internal */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A mapped axis with its ticks. @internal */
export interface Axis {
  map: (v: number) => number;
  ticks: number[];
}

/** An axis over `values` from pixel p0 to p1, linear or log. @internal */
export function axis(values: number[], log: boolean, p0: number, p1: number, what: string): Axis {
  if (values.length === 0) throw new ArgumentError(`plot: no ${what} values`);
  if (log && values.some((v) => !(v > 0))) throw new ArgumentError(`plot: a log ${what} axis needs positive values; use a linear axis or drop zeros`);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (log) {
    const a = Math.floor(Math.log10(lo));
    const b = Math.max(Math.ceil(Math.log10(hi)), a + 1);
    const ticks: number[] = [];
    for (let e = a; e <= b; e++) ticks.push(10 ** e);
    return { map: (v) => p0 + ((Math.log10(v) - a) / (b - a)) * (p1 - p0), ticks };
  }
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const span = hi - lo;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((m) => m * step0).find((s) => span / s <= 6)!;
  const a = Math.floor(lo / step) * step;
  const b = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = a; v <= b + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  return { map: (v) => p0 + ((v - a) / (b - a)) * (p1 - p0), ticks };
}

/** The SVG header, white background and title. @internal */
export function frame(width: number, height: number, title: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${f2(width / 2)}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
}

/** Grid, axes, ticks and axis labels. @internal */
export function axesSvg(x: Axis, y: Axis, m: { l: number; r: number; t: number; b: number }, width: number, height: number, xLabel: string, yLabel: string, xTickFmt: (v: number) => string, yTickFmt: (v: number) => string): string[] {
  const out: string[] = [];
  const x0 = m.l;
  const x1 = width - m.r;
  const y0 = height - m.b;
  const y1 = m.t;
  out.push(`<g stroke="#e0e0e0">`);
  for (const t of x.ticks) out.push(`<line x1="${f2(x.map(t))}" y1="${f2(y0)}" x2="${f2(x.map(t))}" y2="${f2(y1)}"/>`);
  for (const t of y.ticks) out.push(`<line x1="${f2(x0)}" y1="${f2(y.map(t))}" x2="${f2(x1)}" y2="${f2(y.map(t))}"/>`);
  out.push(`</g>`);
  out.push(`<g stroke="#000000"><line x1="${f2(x0)}" y1="${f2(y0)}" x2="${f2(x1)}" y2="${f2(y0)}"/><line x1="${f2(x0)}" y1="${f2(y0)}" x2="${f2(x0)}" y2="${f2(y1)}"/></g>`);
  for (const t of x.ticks) out.push(`<text x="${f2(x.map(t))}" y="${f2(y0 + 16)}" text-anchor="middle">${esc(xTickFmt(t))}</text>`);
  for (const t of y.ticks) out.push(`<text x="${f2(x0 - 6)}" y="${f2(y.map(t) + 4)}" text-anchor="end">${esc(yTickFmt(t))}</text>`);
  out.push(`<text x="${f2((x0 + x1) / 2)}" y="${f2(height - 8)}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(`<text x="14" y="${f2((y0 + y1) / 2)}" text-anchor="middle" transform="rotate(-90 14 ${f2((y0 + y1) / 2)})">${esc(yLabel)}</text>`);
  return out;
}

/** A point with coordinates, as {@link paretoFront} needs. */
export interface XY {
  /** Cost (lower is better). */
  x: number;
  /** Quality (higher is better). */
  y: number;
}

/**
 * Points on the Pareto front: no other point has x ≤ and y ≥ with one strict. Sorted by x.
 *
 * @example
 * ```ts
 * paretoFront([{ x: 1, y: 1 }, { x: 2, y: 0 }, { x: 3, y: 2 }]); // [{ x: 1, y: 1 }, { x: 3, y: 2 }]
 * ```
 */
export function paretoFront<T extends XY>(points: readonly T[]): T[] {
  const sorted = [...points].sort((a, b) => a.x - b.x || b.y - a.y);
  const front: T[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.y > best) {
      front.push(p);
      best = p.y;
    }
  }
  return front;
}

/**
 * A deterministic SVG scatter plot (accuracy vs memory or FLOPs, paper style): one colour per
 * series, one shape per marker (when points carry one), points of a series and marker joined in
 * x order, the Pareto front dashed, log x axis.
 *
 * @example
 * ```ts
 * const svg = scatterSvg([{ series: 'asi', label: 'r4', x: 0.01, y: 90 }], { title: 'Pets', xLabel: 'activation memory (MiB)', yLabel: 'top-1 (%)' });
 * ```
 */
export function scatterSvg(points: readonly PlotPoint[], o: ScatterOptions): string {
  const width = o.width ?? 640;
  const height = o.height ?? 420;
  const m = { l: 64, r: 150, t: 36, b: 48 };
  const x = axis(points.map((p) => p.x), o.logX ?? true, m.l, width - m.r, 'x');
  const y = axis(points.map((p) => p.y), o.logY ?? false, height - m.b, m.t, 'y');
  const out = frame(width, height, o.title);
  out.push(...axesSvg(x, y, m, width, height, o.xLabel, o.yLabel, formatCompact, formatCompact));
  const series = [...new Set(points.map((p) => p.series))];
  if (o.pareto ?? true) {
    const front = paretoFront(points);
    if (front.length > 1) {
      out.push(`<polyline fill="none" stroke="#777777" stroke-dasharray="4 3" points="${front.map((p) => `${f2(x.map(p.x))},${f2(y.map(p.y))}`).join(' ')}"/>`);
    }
  }
  const markers = [...new Set(points.flatMap((p) => (p.marker == null ? [] : [p.marker])))];
  if (markers.length > SHAPES.length) throw new ArgumentError(`plot: ${markers.length} markers, at most ${SHAPES.length} shapes; merge markers into series`);
  const shapeOf = (p: PlotPoint) => (p.marker == null ? SHAPES[0] : SHAPES[markers.indexOf(p.marker)]);
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const inSeries = points.filter((p) => p.series === s);
    for (const mk of [...new Set(inSeries.map((p) => p.marker))]) {
      const pts = inSeries.filter((p) => p.marker === mk).sort((a, b) => a.x - b.x || a.y - b.y);
      if (pts.length > 1) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.map((p) => `${f2(x.map(p.x))},${f2(y.map(p.y))}`).join(' ')}"/>`);
      for (const p of pts) out.push(mark(shapeOf(p), x.map(p.x), y.map(p.y), colour, `${s}${p.marker == null ? '' : `, ${p.marker}`} ${p.label}: x=${formatCompact(p.x)}, y=${formatCompact(p.y)}`));
    }
    const ly = m.t + 10 + i * 18;
    out.push(`${mark('circle', width - m.r + 16, ly, colour)}<text x="${f2(width - m.r + 26)}" y="${f2(ly + 4)}">${esc(s)}</text>`);
  });
  markers.forEach((mk, j) => {
    const ly = m.t + 10 + (series.length + 1 + j) * 18;
    out.push(`${mark(SHAPES[j], width - m.r + 16, ly, '#555555')}<text x="${f2(width - m.r + 26)}" y="${f2(ly + 4)}">${esc(mk)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** One bar group of {@link barChartSvg}: a category (layer) with one value per series. */
export interface BarGroup {
  /** Category label (layer name). */
  label: string;
  /** Value per series (e.g. MiB per method); missing series draw no bar. */
  values: Record<string, number>;
}

/** Options of {@link barChartSvg}. */
export interface BarChartOptions {
  /** Plot title. */
  title: string;
  /** y-axis label (with units). */
  yLabel: string;
  /** Log-scale y axis; default true (vanilla and compressed differ by orders of magnitude). */
  logY?: boolean;
  /** Width in px; default: grows with the number of bars. */
  width?: number;
  /** Height in px; default 420. */
  height?: number;
}

/**
 * A deterministic grouped bar chart (e.g. activation memory per layer, one bar per method).
 *
 * @example
 * ```ts
 * const svg = barChartSvg([{ label: 'conv1', values: { vanilla: 2.3, asi: 0.01 } }], { title: 'memory', yLabel: 'MiB' });
 * ```
 */
export function barChartSvg(groups: readonly BarGroup[], o: BarChartOptions): string {
  const series = [...new Set(groups.flatMap((g) => Object.keys(g.values)))];
  const logY = o.logY ?? true;
  const values = groups.flatMap((g) => Object.values(g.values)).filter((v) => !logY || v > 0);
  const barW = 14;
  const groupW = series.length * barW + 16;
  const m = { l: 64, r: 150, t: 36, b: 110 };
  const width = o.width ?? Math.max(360, m.l + m.r + groups.length * groupW);
  const height = o.height ?? 460;
  const y = axis(values, logY, height - m.b, m.t, 'y');
  const x0 = m.l;
  const x: Axis = { map: (v) => v, ticks: [] };
  const out = frame(width, height, o.title);
  out.push(...axesSvg(x, y, m, width, height, '', o.yLabel, () => '', formatCompact));
  const base = height - m.b;
  const span = (width - m.r - x0) / Math.max(groups.length, 1);
  groups.forEach((g, gi) => {
    const gx = x0 + gi * span + (span - series.length * barW) / 2;
    series.forEach((s, si) => {
      const v = g.values[s];
      if (v == null || (logY && !(v > 0))) return;
      const top = y.map(v);
      out.push(`<rect x="${f2(gx + si * barW)}" y="${f2(top)}" width="${barW - 2}" height="${f2(Math.max(base - top, 0))}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${g.label} ${s}: ${formatCompact(v)}`)}</title></rect>`);
    });
    const cx = x0 + gi * span + span / 2;
    out.push(`<text x="${f2(cx)}" y="${f2(base + 12)}" text-anchor="end" transform="rotate(-45 ${f2(cx)} ${f2(base + 12)})" font-size="10">${esc(g.label)}</text>`);
  });
  series.forEach((s, i) => {
    const ly = m.t + 10 + i * 18;
    out.push(`<rect x="${f2(width - m.r + 12)}" y="${f2(ly - 5)}" width="10" height="10" fill="${PALETTE[i % PALETTE.length]}"/><text x="${f2(width - m.r + 26)}" y="${f2(ly + 4)}">${esc(s)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
