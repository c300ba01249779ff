// Human units for the tables odl prints (JSON and CSV keep the raw counts).

/**
 * A FLOP count in the largest unit that keeps it ≥ 1: `52022476800` → `'52.02 GFLOPs'`.
 *
 * @example
 * ```ts
 * formatFlops(3.2e6); // '3.20 MFLOPs'
 * ```
 */
export function formatFlops(flops: number): string {
  if (!Number.isFinite(flops)) return String(flops);
  const units: [number, string][] = [[1e12, 'TFLOPs'], [1e9, 'GFLOPs'], [1e6, 'MFLOPs'], [1e3, 'kFLOPs']];
  for (const [scale, unit] of units) if (Math.abs(flops) >= scale) return `${(flops / scale).toFixed(2)} ${unit}`;
  return `${flops} FLOPs`;
}

/**
 * A byte count in binary units: `28901376` → `'27.56 MiB'`.
 *
 * @example
 * ```ts
 * formatBytes(1536); // '1.50 KiB'
 * ```
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const units: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [scale, unit] of units) if (Math.abs(bytes) >= scale) return `${(bytes / scale).toFixed(2)} ${unit}`;
  return `${bytes} B`;
}
