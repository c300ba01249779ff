import type { OptionSpec } from '@odl/core';
import { ASI_OPTIONS, type AsiOptions } from '../asi/options';

/**
 * Options of the `'wasi'` method (docs/method.md §10): ASI's options for the activations (the same
 * declarations, {@link ASI_OPTIONS}) plus the weight subspace's `weightEpsilon` and `weightRank`.
 *
 * @example
 * ```ts
 * const options: WasiOptions = { ranks: [4, 8, 32], weightEpsilon: 0.9 };
 * ```
 */
export interface WasiOptions extends AsiOptions {
  /**
   * Fraction of the weight's explained variance Σσ² the basis keeps at the first step, in (0, 1]
   * (default 0.9); 1 keeps every direction (full rank, training equals vanilla).
   */
  weightEpsilon?: number;
  /** Rank of the weight basis, instead of `weightEpsilon` (clamped to the weight matrix's smaller side). */
  weightRank?: number;
}

/** The weight subspace's option names (the rest of {@link WasiOptions} is ASI's). */
const WEIGHT_KEYS = ['weightEpsilon', 'weightRank'] as const;

/** Default of {@link WasiOptions.weightEpsilon}. */
export const DEFAULT_WEIGHT_EPSILON = 0.9;

/**
 * The options `'wasi'` declares: {@link ASI_OPTIONS} (the same objects) followed by
 * `weightEpsilon` and `weightRank`.
 *
 * @example
 * ```ts
 * WASI_OPTIONS.slice(-2).map((o) => o.name); // ['weightEpsilon', 'weightRank']
 * ```
 */
export const WASI_OPTIONS: readonly OptionSpec[] = [
  ...ASI_OPTIONS,
  { name: 'weightEpsilon', type: 'number', default: DEFAULT_WEIGHT_EPSILON, min: 0, minExclusive: true, max: 1, doc: "weight basis: fraction of the weight's explained variance Σσ² kept at the first step (1: full rank, equals vanilla)" },
  { name: 'weightRank', type: 'integer', min: 1, doc: "weight basis: its rank instead of weightEpsilon (clamped to the weight matrix's smaller side)" },
];

/**
 * ASI's part of WASI's options (the weight keys removed; every other key, declared or not, is
 * passed on, so ASI refuses what nobody declares).
 *
 * @example
 * ```ts
 * asiOptionsOf({ ranks: [4, 8], weightEpsilon: 0.8 }); // { ranks: [4, 8] }
 * ```
 */
export function asiOptionsOf(options: WasiOptions): AsiOptions {
  const rest: Record<string, unknown> = { ...(options ?? {}) };
  for (const k of WEIGHT_KEYS) delete rest[k];
  return rest as AsiOptions;
}

/**
 * The weight subspace's part of WASI's options (only the keys present).
 *
 * @example
 * ```ts
 * weightOptionsOf({ ranks: [4, 8], weightEpsilon: 0.8 }); // { weightEpsilon: 0.8 }
 * ```
 */
export function weightOptionsOf(options: WasiOptions): Pick<WasiOptions, 'weightEpsilon' | 'weightRank'> {
  const out: Pick<WasiOptions, 'weightEpsilon' | 'weightRank'> = {};
  if (options?.weightEpsilon !== undefined) out.weightEpsilon = options.weightEpsilon;
  if (options?.weightRank !== undefined) out.weightRank = options.weightRank;
  return out;
}
