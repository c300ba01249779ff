import { ArgumentError } from '@odl/backend';
import { prod } from './dims';

/**
 * Clamps per-mode ranks of a Tucker decomposition to what the tensor allows:
 * `k_n = min(r_n, d_n, numel / d_n)` (docs/method.md §3). Ranks are given in the tensor's own axis
 * order (NHWC for convolutions: `[kB, kH, kW, kC]`).
 *
 * @example
 * ```ts
 * clampRanks([128, 7, 7, 96], [4, 10, 4, 13]); // [4, 7, 4, 13]
 * ```
 */
export function clampRanks(shape: readonly number[], ranks: readonly number[]): number[] {
  if (!Array.isArray(ranks) || ranks.length !== shape.length) {
    throw new ArgumentError(
      `ranks must give one rank per axis of the activation [${shape}] (${shape.length} values, NHWC order for convolutions), got [${String(ranks)}]`,
    );
  }
  const n = prod(shape);
  return ranks.map((r, i) => {
    if (!Number.isInteger(r) || r < 1) throw new ArgumentError(`rank ${r} of mode ${i} must be a positive integer`);
    return Math.min(r, shape[i], n / shape[i]);
  });
}

/**
 * Converts conv ranks from the reference code's NCHW mode order `[K0 (B), K1 (C), K2 (H), K3 (W)]`
 * to ours, NHWC `[kB, kH, kW, kC]`.
 *
 * @example
 * ```ts
 * nchwRanksToNhwc([4, 13, 4, 4]); // [4, 4, 4, 13]
 * ```
 */
export function nchwRanksToNhwc(ranks: readonly number[]): [number, number, number, number] {
  if (ranks.length !== 4) throw new ArgumentError(`NCHW ranks need 4 values [kB, kC, kH, kW], got [${String(ranks)}]`);
  return [ranks[0], ranks[2], ranks[3], ranks[1]];
}

/**
 * Converts conv ranks from NHWC `[kB, kH, kW, kC]` (ours) to the reference code's NCHW order
 * `[kB, kC, kH, kW]`.
 *
 * @example
 * ```ts
 * nhwcRanksToNchw([4, 4, 4, 13]); // [4, 13, 4, 4]
 * ```
 */
export function nhwcRanksToNchw(ranks: readonly number[]): [number, number, number, number] {
  if (ranks.length !== 4) throw new ArgumentError(`NHWC ranks need 4 values [kB, kH, kW, kC], got [${String(ranks)}]`);
  return [ranks[0], ranks[3], ranks[1], ranks[2]];
}

/**
 * The HOSVD_ε rank rule: for each mode, the smallest k whose leading squared singular values
 * reach the fraction ε of the total (Σ_{i<k} σ_i² ≥ ε·Σ σ_i²). `spectra[n]` holds the singular
 * values of the mode-n unfolding, in any order.
 *
 * @example
 * ```ts
 * ranksFromSpectra([[3, 1], [2, 2, 0]], 0.8); // [1, 2]
 * ```
 */
export function ranksFromSpectra(spectra: readonly (readonly number[])[], epsilon: number): number[] {
  if (!(epsilon > 0 && epsilon <= 1)) throw new ArgumentError(`epsilon must be in (0, 1], got ${epsilon}`);
  return spectra.map((s, mode) => {
    if (s.length === 0) throw new ArgumentError(`spectrum of mode ${mode} is empty`);
    const sq = s.map((v) => v * v).sort((a, b) => b - a);
    const total = sq.reduce((a, b) => a + b, 0);
    if (total === 0) return 1;
    let acc = 0;
    for (let k = 0; k < sq.length; k++) {
      acc += sq[k];
      // relative tolerance so that exact ties (ε·total reached in exact arithmetic) count as reached
      if (acc >= epsilon * total * (1 - 1e-12)) return k + 1;
    }
    return sq.length;
  });
}
