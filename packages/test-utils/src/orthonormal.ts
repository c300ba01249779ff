// Orthonormal bases and subspace comparisons in Float64 (independent of odl's linalg).

/**
 * Orthonormal columns of a d×k row-major matrix by Gram–Schmidt, twice (modified Gram–Schmidt
 * over all columns, then again), in Float64. The columns must be linearly independent.
 *
 * @example
 * ```ts
 * const u = gramSchmidtF64(gaussian(d * k, 7), d, k); // d×k, uᵀu = I
 * ```
 */
export function gramSchmidtF64(p: ArrayLike<number>, d: number, k: number): Float64Array {
  const q = Float64Array.from(p);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      for (let l = 0; l < j; l++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i * k + j]! * q[i * k + l]!;
        for (let i = 0; i < d; i++) q[i * k + j] -= dot * q[i * k + l]!;
      }
      let nrm = 0;
      for (let i = 0; i < d; i++) nrm += q[i * k + j]! ** 2;
      nrm = Math.sqrt(nrm);
      for (let i = 0; i < d; i++) q[i * k + j] /= nrm;
    }
  }
  return q;
}

/**
 * The d×d projector U Uᵀ (row-major) of d×k row-major orthonormal columns: compares subspaces
 * whatever the columns' signs and order.
 *
 * @example
 * ```ts
 * expect(relFro(projectorF64(u1, d, k), projectorF64(u2, d, k))).toBeLessThan(1e-3);
 * ```
 */
export function projectorF64(u: ArrayLike<number>, d: number, k: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += u[i * k + c]! * u[j * k + c]!;
      out[i * d + j] = s;
    }
  return out;
}
