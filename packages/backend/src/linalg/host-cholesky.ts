// Float64 Cholesky factorisation and triangular inverse on the host, for the small k×k Gram
// matrices of the Cholesky-QR passes in orthonormal-basis.ts. Matrices are row-major Float64Arrays.

/**
 * Lower-triangular L with L·Lᵀ = A + shift·I for the symmetric n×n matrix `a` (row-major; only
 * the lower triangle is read), or `null` when a pivot is not positive and finite (A + shift·I is
 * not numerically positive definite). ≈ n³/6 multiply-adds, each inner loop a dot product of two
 * contiguous rows. `a` is not modified.
 *
 * @example
 * ```ts
 * const l = hostCholesky(Float64Array.of(4, 2, 2, 5), 2); // [2, 0, 1, 2]
 * ```
 */
export function hostCholesky(a: Float64Array, n: number, shift = 0): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = 0; j <= i; j++) {
      const rj = j * n;
      let s = a[ri + j] + (i === j ? shift : 0);
      for (let p = 0; p < j; p++) s -= l[ri + p] * l[rj + p];
      if (i === j) {
        if (!(s > 0) || !Number.isFinite(s)) return null;
        l[ri + i] = Math.sqrt(s);
      } else {
        l[ri + j] = s / l[rj + j];
      }
    }
  }
  return l;
}

/**
 * L⁻¹ (row-major, lower triangular) of the lower-triangular n×n matrix `l` with non-zero
 * diagonal. Each row of L⁻¹ is one back-substitution with Lᵀ that reads rows of L contiguously
 * (≈ n³/6 multiply-adds in all).
 *
 * @example
 * ```ts
 * hostLowerInverse(Float64Array.of(2, 0, 1, 2), 2); // [0.5, 0, -0.25, 0.5]
 * ```
 */
export function hostLowerInverse(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Row i of L⁻¹ is yᵀ with yᵀ·L = e_iᵀ, i.e. Lᵀ·y = e_i: back-substitution, column-oriented
    // on Lᵀ (so row l of L is read contiguously); y_l = 0 for l > i.
    y.fill(0, 0, i + 1);
    y[i] = 1;
    for (let r = i; r >= 0; r--) {
      const rr = r * n;
      const yr = y[r] / l[rr + r];
      y[r] = yr;
      for (let p = 0; p < r; p++) y[p] -= l[rr + p] * yr;
    }
    inv.set(y.subarray(0, i + 1), i * n);
  }
  return inv;
}
