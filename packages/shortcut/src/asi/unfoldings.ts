import { tf, ShapeError } from '@odl/backend';

/*
 * Mode-wise contractions used by ASI, shaped by two measured facts about tfjs-wasm (Node 20):
 *
 * 1. matMul runs fast (XNNPACK) only without transpose flags, and it packs its RIGHT operand on
 *    every new tensor: a fresh 1.2 M-element right operand cost 10–75 ms, the same tensor as the
 *    LEFT operand 0.8 ms. So the activation (and every full-size copy of it) is only ever the left
 *    operand; right operands are the small d×k / m×k matrices.
 * 2. The packed right operand is cached by tensor id, not by shape: the same data used as right
 *    operand under two different 2-D shapes returns NaN or aborts the module. Keeping big tensors
 *    on the left avoids that too.
 *
 * Unfoldings come from cyclic permutations of A. With C_s = A permuted to axes
 * (s, s+1, …, N−1, 0, …, s−1) (C_0 = A, C_N = A), the mode-s unfolding is the free reshape
 * X_s = C_s as [d_s, m_s], and its transpose is the free reshape Y_s = C_{s+1} as [m_s, d_s]: the
 * columns of X_s and the rows of Y_s both run over the other axes in the order s+1, …, N−1, 0, …,
 * s−1. A warm ASI step over all N modes therefore needs N−1 transposes of A (C_1 … C_{N−1}).
 */

/** Axes of the cyclic permutation starting at `s`: `(s, s+1, …, N−1, 0, …, s−1)`. */
export function cyclicAxes(rank: number, s: number): number[] {
  return Array.from({ length: rank }, (_, i) => (s + i) % rank);
}

/**
 * Cyclic permutations of an activation, made on demand and released once no mode needs them.
 * `permuted(s)` is C_s (C_0 and C_N are the activation itself, never copied).
 */
export class CyclicUnfoldings {
  private readonly cache = new Map<number, tf.Tensor>();

  /**
   * @param a - the activation A (rank ≥ 2); not disposed
   */
  constructor(private readonly a: tf.Tensor) {
    if (a.rank < 2) throw new ShapeError(`ASI: the activation must have rank ≥ 2, got shape [${a.shape.join(', ')}]`);
  }

  /** C_s: A with its axes rotated to start at s. */
  permuted(s: number): tf.Tensor {
    const r = s % this.a.rank;
    if (r === 0) return this.a;
    let t = this.cache.get(r);
    if (t == null) {
      // Kept so that a tidy around one mode's work does not release it; released by release().
      t = tf.keep(tf.transpose(this.a, cyclicAxes(this.a.rank, r)));
      this.cache.set(r, t);
    }
    return t;
  }

  /** Size d_s of mode s and m_s = numel / d_s. */
  sizes(s: number): { d: number; m: number } {
    const d = this.a.shape[s];
    return { d, m: this.a.size / d };
  }

  /** X_s = A_(s), `d_s × m_s`. */
  unfolding(s: number): tf.Tensor2D {
    const { d, m } = this.sizes(s);
    return tf.reshape(this.permuted(s), [d, m]);
  }

  /** Y_s = A_(s)ᵀ, `m_s × d_s` (rows in the same order as the columns of X_s). */
  unfoldingTransposed(s: number): tf.Tensor2D {
    const { d, m } = this.sizes(s);
    return tf.reshape(this.permuted(s + 1), [m, d]);
  }

  /** Releases C_s (never the activation itself). */
  release(s: number): void {
    const r = s % this.a.rank;
    this.cache.get(r)?.dispose();
    this.cache.delete(r);
  }

  /** Releases every cached permutation. */
  releaseAll(): void {
    for (const t of this.cache.values()) t.dispose();
    this.cache.clear();
  }
}
