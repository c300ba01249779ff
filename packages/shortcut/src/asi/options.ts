import { ArgumentError } from '@odl/backend';
import type { LayerGeometry, TuckerStorage } from '@odl/core';

/**
 * Per-layer options of the `'asi'` compressor.
 *
 * @example
 * ```ts
 * const options: AsiOptions = { ranks: [8, 4, 4, 16], warmStart: true, seed: 7 };
 * ```
 */
export interface AsiOptions {
  /**
   * Rank per mode of the layer input, one per axis (conv: `[r_B, r_H, r_W, r_C]`; dense 2-D:
   * `[r_B, r_I]`). The effective rank of mode n is `min(r_n, d_n, m_n)`.
   */
  ranks: number[];
  /** Start each step's subspace iteration from the previous step's factors (default `true`). */
  warmStart?: boolean;
  /** Seed of the layer's own Gaussian generator for cold starts (default 0). */
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
}

/** The two arrangements of ASI's per-mode steps; see {@link AsiOptions.schedule}. */
export type AsiSchedule = 'sequential' | 'independent';

/**
 * Checks ASI options against a layer and returns them with defaults filled in. Throws
 * `ArgumentError` naming the bad field.
 *
 * @example
 * ```ts
 * validateAsiOptions(denseGeometry([32, 64], [64, 10]), { ranks: [8, 8] }); // { ranks: [8, 8], warmStart: true, seed: 0, schedule: 'sequential', powerSteps: 1, storage: 'float32' }
 * ```
 */
export function validateAsiOptions(geometry: LayerGeometry, options: AsiOptions): Required<AsiOptions> {
  if (options == null || !Array.isArray(options.ranks)) {
    throw new ArgumentError(`asi: options.ranks is required: one rank per input axis (${geometry.inputShape.length} for input [${geometry.inputShape.join(', ')}])`);
  }
  const { ranks } = options;
  if (ranks.length !== geometry.inputShape.length) {
    throw new ArgumentError(
      `asi: ${ranks.length} ranks given for a rank-${geometry.inputShape.length} input [${geometry.inputShape.join(', ')}]; give one rank per axis`,
    );
  }
  if (!ranks.every((r) => Number.isInteger(r) && r >= 1)) {
    throw new ArgumentError(`asi: ranks must be positive integers, got [${ranks.join(', ')}]`);
  }
  if (options.warmStart != null && typeof options.warmStart !== 'boolean') {
    throw new ArgumentError(`asi: warmStart must be a boolean, got ${String(options.warmStart)}`);
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new ArgumentError(`asi: seed must be an integer in [0, 2^32), got ${String(options.seed)}`);
  }
  const schedule = options.schedule ?? 'sequential';
  if (schedule !== 'sequential' && schedule !== 'independent') {
    throw new ArgumentError(`asi: schedule must be 'sequential' or 'independent', got ${String(options.schedule)}`);
  }
  const powerSteps = options.powerSteps ?? 1;
  if (!Number.isInteger(powerSteps) || powerSteps < 1 || powerSteps > 64) {
    throw new ArgumentError(`asi: powerSteps must be an integer in [1, 64], got ${String(options.powerSteps)}`);
  }
  if (powerSteps > 1 && schedule !== 'sequential') {
    throw new ArgumentError(`asi: powerSteps > 1 needs schedule 'sequential' (the 'independent' schedule is the paper's single step)`);
  }
  const storage = options.storage ?? 'float32';
  if (storage !== 'float32' && storage !== 'int8') {
    throw new ArgumentError(`asi: storage must be 'float32' or 'int8', got ${String(options.storage)}`);
  }
  return { ranks: [...ranks], warmStart: options.warmStart ?? true, seed, schedule, powerSteps, storage };
}
