/**
 * The order in which a sequentially truncated Tucker decomposition (ST-HOSVD, and ASI's
 * `'sequential'` schedule) visits the modes of an activation: the non-batch modes first, the one
 * that shrinks most (smallest k_n/d_n) first, so that every later step runs on the smallest
 * possible tensor; the batch mode (axis 0) last, because its subspace changes with every batch
 * and is best found on the tensor already projected onto the others. Ties go to the later axis
 * (the channel axis of NHWC, which needs no transpose).
 *
 * @param shape - the activation's shape (batch first)
 * @param ranks - effective rank per mode, `k_n ≤ d_n`
 * @returns mode indices in visiting order
 *
 * @example
 * ```ts
 * sequentialModeOrder([64, 7, 7, 576], [4, 4, 4, 16]); // [3, 2, 1, 0]
 * sequentialModeOrder([128, 576], [10, 10]);           // [1, 0]
 * ```
 */
export function sequentialModeOrder(shape: readonly number[], ranks: readonly number[]): number[] {
  const rest = shape
    .map((d, n) => ({ n, ratio: ranks[n]! / d }))
    .slice(1)
    .sort((x, y) => x.ratio - y.ratio || y.n - x.n)
    .map((e) => e.n);
  return [...rest, 0];
}
