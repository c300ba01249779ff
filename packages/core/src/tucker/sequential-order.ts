/**
 * Multiply-adds of a sequential (ST-HOSVD-style) pass over the modes in `order`: each visited
 * mode n costs 3·N·k_n (two products of one power step and the projection) on the tensor of size
 * N left by the modes before it, which the projection shrinks by k_n/d_n. A mode kept whole
 * (k_n = d_n) costs nothing: its factor is the identity.
 *
 * @param shape - the activation's shape
 * @param ranks - effective rank per mode, `k_n ≤ d_n`
 * @param order - mode indices in visiting order
 * @returns multiply-adds of the pass (projections included)
 *
 * @example
 * ```ts
 * sequentialPassMacs([64, 7, 7, 576], [4, 4, 4, 16], [0, 1, 2, 3]); // 3·(4·1806336 + 4·112896 + …)
 * ```
 */
export function sequentialPassMacs(shape: readonly number[], ranks: readonly number[], order: readonly number[]): number {
  let size = shape.reduce((a, b) => a * b, 1);
  let macs = 0;
  for (const n of order) {
    if (ranks[n] === shape[n]) continue;
    macs += 3 * size * ranks[n]!;
    size = (size / shape[n]!) * ranks[n]!;
  }
  return macs;
}

/** The order by shrink ratio: non-batch modes by increasing k_n/d_n (ties: later axis), batch last. */
function shrinkOrder(shape: readonly number[], ranks: readonly number[]): number[] {
  const rest = shape
    .map((d, n) => ({ n, ratio: ranks[n]! / d }))
    .slice(1)
    .sort((x, y) => x.ratio - y.ratio || y.n - x.n)
    .map((e) => e.n);
  return [...rest, 0];
}

/** Every permutation of 0 … r−1. */
function permutations(r: number): number[][] {
  if (r === 0) return [[]];
  return permutations(r - 1).flatMap((p) => Array.from({ length: r }, (_, at) => [...p.slice(0, at), r - 1, ...p.slice(at)]));
}

/** Above this rank, {@link sequentialModeOrder} does not search (8! = 40 320 orders). */
const MAX_SEARCHED_RANK = 8;

/** Orders found so far, by shape and ranks. */
const orderCache = new Map<string, readonly number[]>();

/** Most (shape, ranks) pairs kept in {@link orderCache}; a network has one per compressed layer. */
const ORDER_CACHE_ENTRIES = 1024;

/**
 * The order in which a sequentially truncated Tucker decomposition (ST-HOSVD, and ASI's
 * `'sequential'` schedule) visits the modes of an activation: the one with the fewest
 * multiply-adds (3·N·k_n per visited mode, N the size of the tensor left by the modes before it;
 * none for a mode kept whole). Only the first step reads the full activation, and it costs in
 * proportion to that mode's rank: on a 64×7×7×576 activation with ranks [4, 4, 4, 16] the batch
 * mode goes first (rank 4, and the tensor shrinks 16×), on a 128×1×1×576 one with ranks
 * [36, 1, 1, 36] the channel mode does. Among equally cheap orders the one by shrink ratio wins
 * (non-batch modes by increasing k_n/d_n, ties to the later axis, the batch mode last): when the
 * batch rank covers the product of the others, as on MCUNet's 1×1 maps at 32 px, that order's
 * batch projection loses nothing.
 *
 * @param shape - the activation's shape (batch first)
 * @param ranks - effective rank per mode, `k_n ≤ d_n`
 * @returns mode indices in visiting order
 *
 * @example
 * ```ts
 * sequentialModeOrder([64, 7, 7, 576], [4, 4, 4, 16]); // [0, 2, 1, 3]: batch, width, height, channel
 * sequentialModeOrder([128, 576], [10, 10]);           // [1, 0]
 * ```
 */
export function sequentialModeOrder(shape: readonly number[], ranks: readonly number[]): number[] {
  // Every training step asks again for the same few (shape, ranks): the search (24 orders for a
  // rank-4 activation, ~0.07 ms on wasm per layer and step) runs once per pair.
  const key = `${shape.join(',')}|${ranks.join(',')}`;
  let order = orderCache.get(key);
  if (order == null) {
    if (orderCache.size >= ORDER_CACHE_ENTRIES) orderCache.clear();
    order = searchModeOrder(shape, ranks);
    orderCache.set(key, order);
  }
  return [...order];
}

/** The search of {@link sequentialModeOrder}, uncached. */
function searchModeOrder(shape: readonly number[], ranks: readonly number[]): number[] {
  let best = shrinkOrder(shape, ranks);
  if (shape.length > MAX_SEARCHED_RANK) return best;
  let bestMacs = sequentialPassMacs(shape, ranks, best);
  for (const order of permutations(shape.length)) {
    const macs = sequentialPassMacs(shape, ranks, order);
    // Strictly cheaper by more than rounding: equal costs keep the shrink order.
    if (macs < bestMacs * (1 - 1e-9)) {
      best = order;
      bestMacs = macs;
    }
  }
  return best;
}
