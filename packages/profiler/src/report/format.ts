/**
 * Deterministic number formatting shared by the reports: integers with no separators, others
 * with up to `digits` significant digits and no trailing zeros.
 *
 * @example
 * ```ts
 * formatNumber(2.296875); // '2.296875'
 * formatNumber(1 / 3, 4); // '0.3333'
 * ```
 */
export function formatNumber(v: number, digits = 10): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const s = Number(v.toPrecision(digits)).toString();
  return s;
}

/**
 * Compact engineering form for tables: 346816512 → '346.8 M', 2648 → '2648'.
 *
 * @example
 * ```ts
 * formatCompact(346816512); // '346.8M'
 * ```
 */
export function formatCompact(v: number): string {
  const a = Math.abs(v);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [f, u] of units) if (a >= f) return `${Number((v / f).toPrecision(4))}${u}`;
  return formatNumber(Number(v.toPrecision(4)));
}

/**
 * A byte count in binary units with three significant digits, for tables people read (JSON and
 * CSV keep the raw count): `1536` → `'1.50 KiB'`, `28901376` → `'27.6 MiB'`. Below 1 KiB the
 * exact count (`'512 B'`); a non-finite value is `'—'`.
 *
 * @example
 * ```ts
 * formatBytes(3 * 1024 * 1024); // '3.00 MiB'
 * ```
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '—';
  const units: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [scale, unit] of units) if (Math.abs(bytes) >= scale) return `${(bytes / scale).toPrecision(3)} ${unit}`;
  return `${Math.round(bytes)} B`;
}

/**
 * A FLOP count in the largest decimal unit that keeps it at least 1, three significant digits,
 * for tables people read (JSON and CSV keep the raw count): `52022476800` → `'52.0 GFLOPs'`.
 * Below 1000 the exact count; a non-finite value is `'—'`.
 *
 * @example
 * ```ts
 * formatFlops(3.2e6); // '3.20 MFLOPs'
 * ```
 */
export function formatFlops(flops: number): string {
  if (!Number.isFinite(flops)) return '—';
  const units: [number, string][] = [[1e12, 'TFLOPs'], [1e9, 'GFLOPs'], [1e6, 'MFLOPs'], [1e3, 'kFLOPs']];
  for (const [scale, unit] of units) if (Math.abs(flops) >= scale) return `${(flops / scale).toPrecision(3)} ${unit}`;
  return `${Math.round(flops)} FLOPs`;
}
