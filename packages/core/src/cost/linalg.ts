/**
 * Operation counts of the dense linear algebra the compression methods run (Golub & Van Loan):
 * thin Householder QR of a d×k matrix with Q formed explicitly 4·d·k² − (4/3)·k³; symmetric
 * eigendecomposition with vectors of an n×n matrix 9·n³; mode products 2 FLOPs per multiply-add.
 *
 * @packageDocumentation
 */
import { prod } from './dims';

/**
 * FLOPs of a thin Householder QR of a d×k matrix with the Q factor formed explicitly.
 *
 * @example
 * ```ts
 * qrFlops(4, 2); // 53
 * ```
 */
export function qrFlops(d: number, k: number): number {
  return Math.round(4 * d * k * k - (4 / 3) * k ** 3);
}

/**
 * FLOPs of a symmetric eigendecomposition (values and vectors) of an n×n matrix.
 *
 * @example
 * ```ts
 * symEigFlops(4); // 576
 * ```
 */
export function symEigFlops(n: number): number {
  return 9 * n ** 3;
}

/**
 * FLOPs of S = A ×_0 U_0ᵀ ×_1 U_1ᵀ … applied one mode at a time, greedily contracting the mode
 * with the largest shrink factor d/k first. Each product costs 2·(current elements)·k_n.
 *
 * @param shape - the activation's shape
 * @param ks - the core's shape (effective ranks)
 * @example
 * ```ts
 * coreFormationFlops([2, 4, 4, 3], [1, 2, 2, 2]); // 528
 * ```
 */
export function coreFormationFlops(shape: readonly number[], ks: readonly number[]): number {
  const order = shape.map((_, i) => i).sort((a, b) => shape[b] / ks[b] - shape[a] / ks[a] || a - b);
  let cur = prod(shape);
  let flops = 0;
  for (const n of order) {
    flops += 2 * cur * ks[n];
    cur = (cur / shape[n]) * ks[n];
  }
  return flops;
}

/**
 * FLOPs of expanding a core over the given modes, in order: each product costs
 * 2·(current elements)·d_n and grows mode n from k_n to d_n.
 *
 * @param shape - the full sizes d_n
 * @param ks - the core's sizes k_n
 * @param modes - the modes to expand, in order
 * @example
 * ```ts
 * expansionFlops([2, 3, 4], [1, 2, 2], [1, 2]); // 2·4·3 + 2·6·4 = 72
 * ```
 */
export function expansionFlops(shape: readonly number[], ks: readonly number[], modes: readonly number[]): number {
  const cur = [...ks];
  let flops = 0;
  for (const n of modes) {
    flops += 2 * prod(cur) * shape[n];
    cur[n] = shape[n];
  }
  return flops;
}
