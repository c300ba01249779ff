import { suggest, type LayerGeometry, type LayerKind, type OptionSpec, type SpectrumPath } from '@odl/core';
import { LowrankOptionError } from '../errors';

const KNOWN_PATHS: readonly SpectrumPath[] = ['gram', 'svd'];

/**
 * Rejects keys a method does not declare (a typo would otherwise silently fall back to a
 * default). Declared options the compressor does not read (`costOnly` ones) pass.
 */
export function checkKnownKeys(method: string, options: object, specs: readonly OptionSpec[]): void {
  const known = specs.map((s) => s.name);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || known.includes(key)) continue;
    throw new LowrankOptionError(method, key, `unknown option '${key}'${suggest(key, known)}; known options are ${known.map((k) => `'${k}'`).join(', ')}`);
  }
}

/** Validates ε ∈ (0, 1] (default `fallback`). */
export function checkEpsilon(method: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1) {
    throw new LowrankOptionError(
      method,
      'epsilon',
      `epsilon must be a number in (0, 1] (the fraction of explained variance Σσ² to keep), got ${String(value)}`,
    );
  }
  return value;
}

/** Validates the spectrum path (default `'gram'`). */
export function checkPath(method: string, value: unknown): SpectrumPath {
  if (value === undefined) return 'gram';
  if (typeof value !== 'string' || !KNOWN_PATHS.includes(value as SpectrumPath)) {
    throw new LowrankOptionError(method, 'path', `path must be 'gram' or 'svd', got ${JSON.stringify(value)}`);
  }
  return value as SpectrumPath;
}

/** Validates an integer ≥ 1 (radius). */
export function checkRadius(method: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new LowrankOptionError(method, 'radius', `radius must be an integer >= 1 (the block size in output pixels), got ${String(value)}`);
  }
  return value;
}

/** Rejects layer kinds the method does not support. */
export function checkKind(method: string, geometry: LayerGeometry, supports: readonly LayerKind[]): void {
  if (!supports.includes(geometry.kind)) {
    throw new LowrankOptionError(
      method,
      'geometry',
      `layer kind '${geometry.kind}' is not supported; supported kinds are ${supports.join(', ')}`,
    );
  }
}

/** The paper-mode SVD convention (docs/method.md §6): max²·min for convolutions, max·min² for dense layers. */
export function paperSvdFlops(kind: LayerKind, rows: number, cols: number): number {
  const hi = Math.max(rows, cols);
  const lo = Math.min(rows, cols);
  return kind === 'dense' ? hi * lo * lo : hi * hi * lo;
}
