import { tf, orthonormalBasis, modeCombine, modeDots, type SeededRandom } from '@odl/backend';
import { sequentialModeOrder } from '@odl/core';

/*
 * ASI's 'sequential' schedule: the subspace-iteration step of each mode runs on the activation
 * already projected onto the modes visited before it (the sequentially truncated HOSVD of
 * Vannieuwenhoven, Vandebril & Meerbergen, SIAM J. Sci. Comput. 2012, with HOSVD's exact
 * eigenvectors replaced by ASI's one warm power step). The modes go in the order with the fewest
 * multiply-adds (sequentialModeOrder): the first step is the only one that reads the full
 * activation, and it costs in proportion to its mode's rank.
 *
 * Per visited mode n, with T the current tensor (always in the activation's axis order):
 *   warm:  Z = T ×_n U_prevᵀ, P = T_(n) Z_(n)ᵀ      i.e. P = T_(n) T_(n)ᵀ U_prev
 *   cold:  P = T_(n) Ω, Ω Gaussian
 *   U_n = orthonormal basis of P;  T ← T ×_n U_nᵀ, the mode-n projection.
 * A mode kept whole (k_n = d_n) takes the identity, with no step.
 * The last axis views T as an m×d_n matrix M (a free reshape): M·U is modeCombine on its last axis
 * (on wasm, for the short M left once the other modes are projected, the dots loop against Uᵀ:
 * tfjs-wasm's matMul would pack U anew as its right operand on every call) and, for P, Mᵀ·Y an
 * in-place product; every other mode reads T in place
 * (modeCombine/modeDots of @odl/backend, on wasm a SIMD loop over the tensor's memory), so no step
 * transposes the activation.
 */

/** One sequential ASI step: the factors, how each started, and the core. */
export interface SequentialStep {
  /** U_n per mode, `[d_n, k_n]`, orthonormal columns. */
  factors: tf.Tensor2D[];
  /** Whether mode n started from its previous factor. */
  warm: boolean[];
  /** The Tucker core, `[k_0, k_1, …]`. */
  core: tf.Tensor;
}

/**
 * Runs one sequential ASI step on `a` with effective ranks `ks`. A mode starts warm when
 * `warmStart` is set and its previous factor has shape `[d_n, k_n]`; otherwise cold, from `rng`.
 * Call inside a tidy: intermediates are left to it; `a` is not disposed.
 *
 * @example
 * ```ts
 * const step = tf.tidy(() => { const s = sequentialAsiStep(a, [4, 4, 4, 16], prev, true, rng); return s; });
 * ```
 */
export function sequentialAsiStep(
  a: tf.Tensor,
  ks: readonly number[],
  previous: readonly (tf.Tensor2D | null)[],
  warmStart: boolean,
  rng: SeededRandom,
  powerSteps = 1,
): SequentialStep {
  const rank = a.rank;
  const factors: tf.Tensor2D[] = new Array<tf.Tensor2D>(rank);
  const warm: boolean[] = new Array<boolean>(rank).fill(false);
  let t: tf.Tensor = a;
  for (const n of sequentialModeOrder(a.shape, ks)) {
    const d = a.shape[n]!;
    const k = ks[n]!;
    const prev = previous[n];
    warm[n] = warmStart && prev != null && prev.shape[0] === d && prev.shape[1] === k;
    if (k === d) {
      factors[n] = tf.eye(d) as tf.Tensor2D;
      continue;
    }
    const step = n === rank - 1 ? lastModeStep(t, d, k) : innerModeStep(t, n, k);
    let u = orthonormalBasis(warm[n] ? step.power(prev!) : step.sketch(rng));
    for (let q = 1; q < powerSteps; q++) u = orthonormalBasis(step.power(u));
    factors[n] = u;
    t = step.project(u);
  }
  return { factors, warm, core: t === a ? tf.clone(a) : t };
}

/** The three products of one mode's step. */
interface ModeStep {
  /** P = T_(n) T_(n)ᵀ U, `[d_n, k]`. */
  power: (u: tf.Tensor2D) => tf.Tensor2D;
  /** P = T_(n) Ω with Ω seeded Gaussian, `[d_n, k]`. */
  sketch: (rng: SeededRandom) => tf.Tensor2D;
  /** T ×_n Uᵀ, in T's axis order. */
  project: (u: tf.Tensor2D) => tf.Tensor;
}

/**
 * The last axis: T as an m×d matrix M (a free reshape). M·U = M ×_1 Uᵀ (modeCombine on the last
 * axis); Mᵀ·Y is (Yᵀ·M)ᵀ = M ×_0 Yᵀ read in place (modeCombine), transposing only the small k×d result.
 */
function lastModeStep(t: tf.Tensor, d: number, k: number): ModeStep {
  const m = t.size / d;
  const mat = tf.reshape(t, [m, d]) as tf.Tensor2D;
  const leftTransposed = (y: tf.Tensor2D): tf.Tensor2D => tf.transpose(modeCombine(mat, 0, y)) as tf.Tensor2D;
  return {
    power: (u) => leftTransposed(modeCombine(mat, 1, u) as tf.Tensor2D),
    sketch: (rng) => leftTransposed(rng.normal([m, k]) as tf.Tensor2D),
    project: (u) => tf.reshape(modeCombine(mat, 1, u), [...t.shape.slice(0, -1), k]),
  };
}

/** Any other axis: T read in place. */
function innerModeStep(t: tf.Tensor, n: number, k: number): ModeStep {
  return {
    power: (u) => modeDots(t, n, modeCombine(t, n, u)),
    sketch: (rng) => modeDots(t, n, rng.normal(t.shape.map((s, i) => (i === n ? k : s))) as tf.Tensor),
    project: (u) => modeCombine(t, n, u),
  };
}
