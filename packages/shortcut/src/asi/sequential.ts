import { tf, orthonormalBasis, type SeededRandom } from '@odl/backend';
import { sequentialModeOrder } from '@odl/core';

/*
 * ASI's 'sequential' schedule: the subspace-iteration step of each mode runs on the activation
 * already projected onto the modes visited before it (the sequentially truncated HOSVD of
 * Vannieuwenhoven, Vandebril & Meerbergen, SIAM J. Sci. Comput. 2012, with HOSVD's exact
 * eigenvectors replaced by ASI's one warm power step). The channel mode, which shrinks most,
 * goes first and is the only step that reads the full activation; the spatial and batch modes
 * then work on a tensor k_C/C as large, and the core is what is left after the last projection.
 *
 * Per visited mode n, with T the current tensor moved so that mode n is its last axis and
 * M = T as [m, d_n] (a free reshape):
 *   warm:  Y = M·U_prev (m×k), Pᵀ = Yᵀ·M (k×d_n)   i.e. P = T_(n) T_(n)ᵀ U_prev
 *   cold:  Pᵀ = Ωᵀ·M, Ω Gaussian m×k               i.e. P = T_(n) Ω
 *   U_n = orthonormal basis of P;  T ← M·U_n (m×k_n), the mode-n projection.
 * No matMul carries a transpose flag (those run ~12× slower on wasm); the only transposes are of
 * the small m×k products, and of T for a mode that is not last (after the channel step, T is small).
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
  let axes = a.shape.map((_, i) => i); // original mode held by each current axis of t
  for (const n of sequentialModeOrder(a.shape, ks)) {
    const pos = axes.indexOf(n);
    if (pos !== rank - 1) {
      const perm = [...axes.keys()].filter((i) => i !== pos).concat(pos);
      t = tf.transpose(t, perm);
      axes = perm.map((i) => axes[i]!);
    }
    const d = a.shape[n]!;
    const k = ks[n]!;
    const m = t.size / d;
    const lead = t.shape.slice(0, -1);
    const mat = tf.reshape(t, [m, d]) as tf.Tensor2D;
    const prev = previous[n];
    warm[n] = warmStart && prev != null && prev.shape[0] === d && prev.shape[1] === k;
    const matT = tf.transpose(mat) as tf.Tensor2D;
    const right = warm[n] ? tf.matMul(mat, prev!) : (rng.normal([m, k]) as tf.Tensor2D);
    let u = orthonormalBasis(tf.matMul(matT, right));
    for (let q = 1; q < powerSteps; q++) u = orthonormalBasis(tf.matMul(matT, tf.matMul(mat, u)));
    factors[n] = u;
    t = tf.reshape(tf.matMul(mat, u), [...lead, k]);
  }
  const inverse = a.shape.map((_, i) => axes.indexOf(i));
  const core = inverse.some((p, i) => p !== i) ? tf.transpose(t, inverse) : t;
  return { factors, warm, core };
}
