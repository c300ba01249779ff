import { MethodOptionError, rejectUnknownOptions, type LayerGeometry, type OptionSpec, type TuckerStorage } from '@odl/core';

/**
 * The ε grid ASI's planner measures by default (docs/method.md §5): the paper's 0.4 … 0.9,
 * extended up to 0.9999 so that larger budgets (such as int8 storage buys) can buy larger ranks.
 *
 * @example
 * ```ts
 * resolveOptions(asiPlugin, {}).epsilons; // RANK_SELECTION_EPSILONS
 * ```
 */
export const RANK_SELECTION_EPSILONS: readonly number[] = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999];

/**
 * Options of the `'asi'` method: the compressor's (`ranks`, `warmStart`, `seed`, `schedule`,
 * `powerSteps`, `storage`) and its planner's (`epsilons`, `defaultEpsilon`, `spectrum`). One
 * object flows from the user to every layer: the compressor ignores the planner's options.
 *
 * @example
 * ```ts
 * const options: AsiOptions = { ranks: [8, 4, 4, 16], warmStart: true, seed: 7 };
 * ```
 */
export interface AsiOptions {
  /**
   * Rank per mode of the layer input, one per axis (conv: `[r_B, r_H, r_W, r_C]`; dense 2-D:
   * `[r_B, r_I]`). The effective rank of mode n is `min(r_n, d_n, m_n)`. Required to train;
   * absent, ASI's planner chooses them on a calibration batch.
   */
  ranks?: number[];
  /** Start each step's subspace iteration from the previous step's factors (default `true`). */
  warmStart?: boolean;
  /**
   * Seed of the layer's own Gaussian generator for cold starts (default 0 for a compressor made
   * directly; through the session, the run's seed plus the layer's index, see `layerOptions`).
   */
  seed?: number;
  /**
   * How the modes' subspace-iteration steps are arranged (default `'sequential'`):
   * - `'sequential'`: each mode's step on the activation already projected onto the modes
   *   visited before it (the sequentially truncated HOSVD), in the order with the fewest
   *   multiply-adds (`sequentialModeOrder` of @odl/core): only the first step reads the full
   *   activation, in place. See docs/asi-schedules.md.
   * - `'independent'`: every mode from the full activation, as in the paper (docs/method.md §3).
   */
  schedule?: AsiSchedule;
  /**
   * Power steps per mode and training step with the `'sequential'` schedule (default 1, ASI's
   * single step). More steps track a subspace that drifts during training more closely, at two
   * thin products per extra step.
   */
  powerSteps?: number;
  /**
   * How the core and factors are kept between forward and backward, and the factors between
   * steps (default `'float32'`). `'int8'` stores every tensor as 8-bit codes with a float32 scale
   * per column: about 4× less memory for the same ranks, so 4× the elements for the same budget,
   * with a per-element error of at most 0.4 % of its column's largest magnitude (the warm start
   * continues from the decoded factors). See docs/asi-accuracy.md.
   */
  storage?: TuckerStorage;
  /** Planner: the ε grid measured per layer (each in (0, 1]); default {@link RANK_SELECTION_EPSILONS}. */
  epsilons?: number[];
  /** Planner: without a budget, each layer takes the candidate whose ε is closest to this; default 0.8. */
  defaultEpsilon?: number;
  /** Planner: how HOSVD_ε finds the singular vectors of the calibration batch (`'gram'`, default, or `'svd'`). */
  spectrum?: 'gram' | 'svd';
}

/** The two arrangements of ASI's per-mode steps; see {@link AsiOptions.schedule}. */
export type AsiSchedule = 'sequential' | 'independent';

/** The compressor's options of {@link AsiOptions}, validated and with defaults filled in. */
export interface AsiCompressorOptions {
  /** Rank per mode. */
  ranks: number[];
  /** Warm start. */
  warmStart: boolean;
  /** Seed of the layer's generator. */
  seed: number;
  /** Schedule of the per-mode steps. */
  schedule: AsiSchedule;
  /** Power steps per mode. */
  powerSteps: number;
  /** Storage of the core and factors. */
  storage: TuckerStorage;
}

/**
 * The options `'asi'` declares (docs/architecture.md §3): the compressor's and the planner's.
 *
 * @example
 * ```ts
 * ASI_OPTIONS.map((o) => o.name); // ['ranks', 'warmStart', 'seed', 'schedule', 'powerSteps', 'storage', 'epsilons', 'defaultEpsilon', 'spectrum']
 * ```
 */
export const ASI_OPTIONS: readonly OptionSpec[] = [
  { name: 'ranks', type: 'integer-list', min: 1, required: true, doc: 'rank per input axis (conv NHWC [r_B, r_H, r_W, r_C]); absent: the planner chooses them under the budget' },
  { name: 'warmStart', type: 'boolean', default: true, doc: "start each step's subspace iteration from the previous step's factors" },
  { name: 'seed', type: 'integer', min: 0, max: 0xffffffff, doc: "seed of the layer's Gaussian generator for cold starts (default: the run's seed + the layer's index)" },
  { name: 'schedule', type: 'enum', values: ['sequential', 'independent'], default: 'sequential', doc: "'sequential': each mode on the already projected activation; 'independent': every mode from the full activation (the paper)" },
  { name: 'powerSteps', type: 'integer', default: 1, min: 1, max: 64, doc: 'power steps per mode and training step (sequential schedule only)' },
  { name: 'storage', type: 'enum', values: ['float32', 'int8'], default: 'float32', doc: "how the core and factors are kept: 'float32' (4 bytes per value) or 'int8' (1 byte per value + a float32 scale per column)" },
  { name: 'epsilons', type: 'number-list', default: RANK_SELECTION_EPSILONS, min: 0, minExclusive: true, max: 1, doc: 'planner: the ε grid measured per layer on the calibration batch' },
  { name: 'defaultEpsilon', type: 'number', default: 0.8, min: 0, minExclusive: true, max: 1, doc: 'planner: without a budget, each layer takes the candidate closest to this ε' },
  { name: 'spectrum', type: 'enum', values: ['gram', 'svd'], default: 'gram', doc: "planner: how HOSVD_ε finds singular vectors ('gram' fast, 'svd' the paper's full SVD)" },
];

const fail = (option: string, detail: string) => new MethodOptionError('asi', option, detail);

/**
 * Checks ASI options against a layer and returns the compressor's options with defaults filled
 * in. Throws `MethodOptionError` (an `ArgumentError`) naming the bad field: an option ASI does not
 * declare, missing or malformed ranks, a value out of range. The planner's options (`epsilons`,
 * `defaultEpsilon`, `spectrum`) are declared, so they pass (and are not read here).
 *
 * @example
 * ```ts
 * validateAsiOptions(denseGeometry([32, 64], [64, 10]), { ranks: [8, 8] }); // { ranks: [8, 8], warmStart: true, seed: 0, schedule: 'sequential', powerSteps: 1, storage: 'float32' }
 * ```
 */
export function validateAsiOptions(geometry: LayerGeometry, options: AsiOptions): AsiCompressorOptions {
  rejectUnknownOptions('asi', ASI_OPTIONS, options);
  if (options == null || !Array.isArray(options.ranks)) {
    throw fail('ranks', `options.ranks is required: one rank per input axis (${geometry.inputShape.length} for input [${geometry.inputShape.join(', ')}]), or let ASI's planner choose them`);
  }
  const { ranks } = options;
  if (ranks.length !== geometry.inputShape.length) {
    throw fail('ranks', `${ranks.length} ranks given for a rank-${geometry.inputShape.length} input [${geometry.inputShape.join(', ')}]; give one rank per axis`);
  }
  if (!ranks.every((r) => Number.isInteger(r) && r >= 1)) {
    throw fail('ranks', `ranks must be positive integers, got [${ranks.join(', ')}]`);
  }
  if (options.warmStart != null && typeof options.warmStart !== 'boolean') {
    throw fail('warmStart', `warmStart must be a boolean, got ${String(options.warmStart)}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw fail('seed', `seed must be an integer in [0, 2^32), got ${String(options.seed)}`);
  }
  const schedule = options.schedule ?? 'sequential';
  if (schedule !== 'sequential' && schedule !== 'independent') {
    throw fail('schedule', `schedule must be 'sequential' or 'independent', got ${String(options.schedule)}`);
  }
  const powerSteps = options.powerSteps ?? 1;
  if (!Number.isInteger(powerSteps) || powerSteps < 1 || powerSteps > 64) {
    throw fail('powerSteps', `powerSteps must be an integer in [1, 64], got ${String(options.powerSteps)}`);
  }
  if (powerSteps > 1 && schedule !== 'sequential') {
    throw fail('powerSteps', `powerSteps > 1 needs schedule 'sequential' (the 'independent' schedule is the paper's single step)`);
  }
  const storage = options.storage ?? 'float32';
  if (storage !== 'float32' && storage !== 'int8') {
    throw fail('storage', `storage must be 'float32' or 'int8', got ${String(options.storage)}`);
  }
  return { ranks: [...ranks], warmStart: options.warmStart ?? true, seed, schedule, powerSteps, storage };
}
