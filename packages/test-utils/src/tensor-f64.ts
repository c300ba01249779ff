// Tensor algebra in Float64 on row-major arrays, written from the definitions (docs/method.md §2).
import type { tf } from '@odl/backend';

/** A dense row-major Float64 tensor. */
export interface F64Tensor {
  data: Float64Array;
  shape: number[];
}

/** A tensor viewed as [P, d, Q] around `mode`. */
function around(shape: readonly number[], mode: number): [number, number, number] {
  const P = shape.slice(0, mode).reduce((a, b) => a * b, 1);
  const Q = shape.slice(mode + 1).reduce((a, b) => a * b, 1);
  return [P, shape[mode]!, Q];
}

/**
 * Mode-n unfolding as a d_n × m row-major matrix (columns: the other axes in order).
 *
 * @example
 * ```ts
 * unfoldF64(Float64Array.from(x.dataSync()), x.shape, 1); // d_1 × (numel / d_1)
 * ```
 */
export function unfoldF64(t: ArrayLike<number>, shape: readonly number[], mode: number): Float64Array {
  const [P, d, Q] = around(shape, mode);
  const out = new Float64Array(P * d * Q);
  for (let p = 0; p < P; p++) for (let i = 0; i < d; i++) for (let q = 0; q < Q; q++) out[i * P * Q + p * Q + q] = t[(p * d + i) * Q + q]!;
  return out;
}

/**
 * t ×_mode M: M is `rows × d_mode` (row-major), or `d_mode × rows` with `transposeM` (then Mᵀ is
 * applied: t ×_n Uᵀ for a factor U).
 *
 * @example
 * ```ts
 * const core = modeProductF64(a, shape, u, k, 0, true); // A ×_0 Uᵀ
 * ```
 */
export function modeProductF64(t: ArrayLike<number>, shape: readonly number[], m: ArrayLike<number>, rows: number, mode: number, transposeM = false): F64Tensor {
  const [P, d, Q] = around(shape, mode);
  const out = new Float64Array(P * rows * Q);
  for (let p = 0; p < P; p++)
    for (let r = 0; r < rows; r++)
      for (let i = 0; i < d; i++) {
        const coef = transposeM ? m[i * rows + r]! : m[r * d + i]!;
        if (coef === 0) continue;
        const src = (p * d + i) * Q;
        const dst = (p * rows + r) * Q;
        for (let q = 0; q < Q; q++) out[dst + q] += coef * t[src + q]!;
      }
  const outShape = shape.slice();
  outShape[mode] = rows;
  return { data: out, shape: outShape };
}

/**
 * A_(n) Z_(n)ᵀ: out[i, j] = Σ a[…, i, …]·z[…, j, …] over every index but mode n's (`z` has `a`'s
 * shape except k on mode n). With z = A ×_n Uᵀ this is ASI's warm product A_(n) A_(n)ᵀ U.
 *
 * @example
 * ```ts
 * const p = modeDotsF64(a, shape, n, modeProductF64(a, shape, u, k, n, true).data, k); // d_n × k
 * ```
 */
export function modeDotsF64(a: ArrayLike<number>, shape: readonly number[], mode: number, z: ArrayLike<number>, k: number): Float64Array {
  const [P, d, Q] = around(shape, mode);
  const out = new Float64Array(d * k);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let p = 0; p < P; p++) for (let q = 0; q < Q; q++) s += a[(p * d + i) * Q + q]! * z[(p * k + j) * Q + q]!;
      out[i * k + j] = s;
    }
  return out;
}

/**
 * Tucker reconstruction S ×_0 U_0 ×_1 U_1 … in Float64 from float32 tensors (factors `[d_n, k_n]`).
 *
 * @example
 * ```ts
 * const rebuilt = tuckerComposeF64(core, factors); // { data, shape: [d_0, d_1, …] }
 * ```
 */
export function tuckerComposeF64(core: tf.Tensor, factors: readonly tf.Tensor[]): F64Tensor {
  let cur: F64Tensor = { data: Float64Array.from(core.dataSync()), shape: [...core.shape] };
  factors.forEach((u, n) => {
    cur = modeProductF64(cur.data, cur.shape, u.dataSync(), u.shape[0]!, n);
  });
  return cur;
}
