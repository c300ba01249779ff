// One pass of orthonormalBasis's Gram path, on the host in Float64: from the k×k Gram QᵀQ of the
// current m×k Q (computed in float32 on the backend, its diagonal re-summed accurately), the k×k
// transform X with (Q·X)ᵀ(Q·X) ≈ I, and an a-priori bound for the orthogonality error of Q·X.
import { hostCholesky, hostLowerInverse } from './host-cholesky';
import { hostSymmetricEigen } from './host-eigen';

const U32 = 2 ** -24; // float32 unit roundoff
const SHIFT_TRIES = 4; // shifted Cholesky attempts (shift ×16 each) before the eigen pass

/**
 * How a Gram pass computed its transform: `'cholesky'` X = D^{-1/2}·R⁻¹ from the Cholesky factor
 * R of the correlation matrix (Cholesky-QR); `'shifted-cholesky'` the same for C + s·I when C may
 * have eigenvalues below the error floor (shifted Cholesky-QR, never the final pass); `'eigen'`
 * the symmetric (polar) X = D^{-1/2}·V·Λ^{-1/2}·Vᵀ from C's eigen-decomposition, small eigenvalues
 * floored: the fallback when Cholesky breaks down even shifted, or when asked for.
 */
export type GramPassKind = 'cholesky' | 'shifted-cholesky' | 'eigen';

/** The transform of one Gram pass and its predicted orthogonality error. */
export interface GramPass {
  /** Row-major k×k Float64 transform X: the pass computes Q·X. */
  x: Float64Array;
  /** A-priori bound for ‖(QX)ᵀ(QX) − I‖_F; `Infinity` when the pass cannot be the last. */
  predictedError: number;
  /** Which transform ran. */
  kind: GramPassKind;
}

/**
 * The transform of one pass from the Gram `gram` (row-major k×k, symmetric, Float64) of an m×k
 * float32 matrix whose column norms² are `diag` (all > 0). With `transform: 'cholesky'` (the
 * default) it factors the correlation matrix C = D^{-1/2}·G·D^{-1/2} by Cholesky, shifted when
 * C may hold eigenvalues below the error floor, and falls back to the eigen pass only when even
 * the shifted factorisation breaks down; `'eigen'` always runs the eigen pass.
 *
 * Error model: a float32 dot product of length m accumulated sequentially has error
 * ≈ u·sqrt(G_ij²·m/3 + G_ii·G_jj/2) (drift of same-sign terms plus random walk), so C has
 * off-diagonal errors ε_ij ≈ u·sqrt(16·(C_ij² − 4/m)₊·m/3 + 1) (drift counted only beyond chance
 * correlation ~1/√m; factor 16 = 4²: the drift measured on wasm's XNNPACK GEMM is ~3.5× the model).
 * A pass then leaves an orthogonality error ≈ ‖ε‖_F·λ_max/λ_min of C, for either transform;
 * eigenvalues below the floor 2‖ε‖_F·λ_max are not trusted (their directions are amplified, the
 * pass is never final). The Cholesky pass bounds λ_max ≤ 1 + δ and λ_min ≥ max(1 − δ, 1/‖R⁻¹‖_F²),
 * δ = min(‖C − I‖_F, max row sum of |C − I|) ≥ ‖C − I‖₂, without an eigen-decomposition, for
 * the final-pass test; its floor takes λ_max from 8 power steps (×1.25, capped by the bound).
 *
 * @example
 * ```ts
 * const { x, predictedError, kind } = gramPass(gram, diag, m, k); // then Q ← Q·X
 * ```
 */
export function gramPass(
  gram: Float64Array,
  diag: Float64Array,
  m: number,
  k: number,
  transform: 'cholesky' | 'eigen' = 'cholesky',
): GramPass {
  const invSqrtD = new Float64Array(k);
  for (let j = 0; j < k; j++) invSqrtD[j] = 1 / Math.sqrt(diag[j]);
  const c = new Float64Array(k * k);
  let errSq = 0;
  let offSq = 0;
  let offRow = 0;
  for (let i = 0; i < k; i++) {
    let row = 0;
    for (let j = 0; j < k; j++) {
      const cij = i === j ? 1 : gram[i * k + j] * invSqrtD[i] * invSqrtD[j];
      c[i * k + j] = cij;
      if (i === j) continue;
      // Drift only where the correlation exceeds what a sum of m zero-mean terms shows by chance.
      errSq += 16 * Math.max(0, cij * cij - 4 / m) * (m / 3) + 1;
      offSq += cij * cij;
      row += Math.abs(cij);
    }
    offRow = Math.max(offRow, row);
  }
  const eps = U32 * Math.sqrt(errSq) + 1e-15;
  if (transform === 'cholesky') {
    const pass = choleskyPass(c, invSqrtD, eps, k, Math.min(Math.sqrt(offSq), offRow));
    if (pass !== null) return pass;
  }
  return eigenPass(c, invSqrtD, eps, k);
}

/**
 * Cholesky-QR pass on the correlation matrix `c` (unit diagonal), δ ≥ ‖C − I‖₂; null when even
 * the largest shift leaves C + s·I numerically indefinite.
 */
function choleskyPass(c: Float64Array, invSqrtD: Float64Array, eps: number, k: number, delta: number): GramPass | null {
  const lmaxBound = Math.min(1 + delta, k); // λ_max ≤ trace(C) = k too
  // The floor as the eigen pass sets it (2ε·λ_max), λ_max from 8 power steps (which approach it
  // from below; 1.25 for safety), capped by the bound.
  const floor = 2 * eps * Math.min(lmaxBound, 1.25 * lmaxEstimate(c, k));
  let lower = hostCholesky(c, k);
  // Each pivot² is ≥ λ_min of a leading block, hence ≥ λ_min(C): one below the floor proves an
  // eigenvalue below it, without the inverse.
  for (let j = 0; j < k && lower !== null; j++) if (!(lower[j * k + j] ** 2 >= floor)) lower = null;
  let inverse: Float64Array | null = null;
  let lminBound = 0;
  if (lower !== null) {
    inverse = hostLowerInverse(lower, k);
    let traceInv = 0; // trace(C⁻¹) = ‖L⁻¹‖_F² ≥ 1/λ_min
    for (let i = 0; i < inverse.length; i++) traceInv += inverse[i] * inverse[i];
    lminBound = Math.max(1 - delta, 1 / traceInv);
    // C may hold eigenvalues below the floor: its factor would amplify noise without bound.
    if (!(lminBound >= floor)) lower = null;
  }
  let shifted = false;
  if (lower === null) {
    shifted = true;
    for (let t = 0, shift = floor; t < SHIFT_TRIES && lower === null; t++, shift *= 16) lower = hostCholesky(c, k, shift);
    if (lower === null) return null;
    inverse = hostLowerInverse(lower, k);
  }
  // X = D^{-1/2}·L⁻ᵀ, so that (QX)ᵀ(QX) = L⁻¹·C·L⁻ᵀ = I.
  const x = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    const rj = j * k;
    for (let i = 0; i <= j; i++) x[i * k + j] = invSqrtD[i] * inverse![rj + i];
  }
  // Rounding of the final product Q·X itself adds ≈ u·√k per entry of QᵀQ.
  const predictedError = shifted ? Infinity : (eps * lmaxBound) / lminBound + U32 * Math.sqrt(k) * 2;
  return { x, predictedError, kind: shifted ? 'shifted-cholesky' : 'cholesky' };
}

/** λ_max of the symmetric positive semi-definite k×k `c` by 8 power steps (≤ λ_max). */
function lmaxEstimate(c: Float64Array, k: number): number {
  let v = Float64Array.from({ length: k }, (_, i) => 1 + ((i * 7919) % 13) / 13);
  let mu = 0;
  for (let it = 0; it < 8; it++) {
    let nv = 0;
    for (let i = 0; i < k; i++) nv += v[i] * v[i];
    nv = Math.sqrt(nv);
    const u = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      const ri = i * k;
      let s = 0;
      for (let j = 0; j < k; j++) s += c[ri + j] * v[j];
      u[i] = s / nv;
    }
    mu = 0;
    for (let i = 0; i < k; i++) mu += u[i] * u[i];
    mu = Math.sqrt(mu);
    v = u;
  }
  return mu;
}

/** The eigen pass: X = D^{-1/2}·V·Λ^{-1/2}·Vᵀ with eigenvalues below the floor raised to it. */
function eigenPass(c: Float64Array, invSqrtD: Float64Array, eps: number, k: number): GramPass {
  const { values, vectors } = hostSymmetricEigen(c, k);
  const lmax = values[0];
  const floor = 2 * eps * lmax;
  let lmin = Infinity;
  let floored = false;
  const scale = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let l = values[j];
    if (l < floor) {
      l = floor;
      floored = true;
    }
    lmin = Math.min(lmin, l);
    scale[j] = 1 / Math.sqrt(l);
  }
  // The symmetric (polar) form keeps Q close to the scaled input.
  const w = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) w[i * k + j] = vectors[i * k + j] * scale[j];
  const x = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += w[i * k + l] * vectors[j * k + l];
      x[i * k + j] = invSqrtD[i] * s;
    }
  }
  const predictedError = floored ? Infinity : (eps * lmax) / lmin + U32 * Math.sqrt(k) * 2;
  return { x, predictedError, kind: 'eigen' };
}
