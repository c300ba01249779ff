import { tf } from '../engine';
import { ArgumentError, ShapeError } from '../errors';
import { SeededRandom } from '../random/seeded-random';
import { gramPass, type GramPassKind } from './gram-pass';
import { hostOrthonormalize } from './host-orth';

/** Options of {@link orthonormalBasis}. */
export interface OrthonormalBasisOptions {
  /**
   * Target for ‖QᵀQ − I‖_F. The Gram path runs passes until its a-priori error bound for the
   * pass is below this (default 1e-5; raised to 1.2·u·(k + 2√k), u = 2⁻²⁴, which float32 cannot beat).
   */
  tolerance?: number;
  /** Most Gram passes before falling back to the Float64 host path (default 8). */
  maxPasses?: number;
  /**
   * Matrices with m·k² at most this many multiply-adds are orthonormalised on the host in Float64
   * (twice-applied modified Gram-Schmidt), which is exact to Float64 precision before the final
   * rounding and faster than tensor ops for small or squarish inputs. Default: 2¹⁸ (e.g. 64×64 or
   * 128×36) for matrices with fewer than 16 rows per column, 2¹³ for taller ones, whose Gram path
   * costs one thin product plus a k×k eigenproblem (on wasm, 576×16: 0.39 ms against 2.32 ms on
   * the host, docs/benchmarks.md; 64×64: 2.7 against 0.8 ms).
   */
  hostLimitMacs?: number;
  /**
   * How each Gram pass computes its k×k transform on the host: `'cholesky'` (default) factors the
   * k×k correlation matrix by Cholesky (≈ k³/3 multiply-adds with the triangular inverse), shifted
   * when it may be ill-conditioned, with the eigen pass as fallback when even that breaks down;
   * `'eigen'` always uses the Float64 eigen-decomposition (≈ 11k³, the symmetric polar transform).
   * Both give the same span and the same orthogonality target; the basis differs by a rotation.
   */
  transform?: 'cholesky' | 'eigen';
}

/** What {@link orthonormalBasisDetailed} did. */
export interface OrthonormalBasisResult {
  /** m×k float32 with orthonormal columns spanning the input's column space (completed if deficient). */
  q: tf.Tensor2D;
  /** `'host'`: Float64 Gram-Schmidt on the host; `'gram'`: Gram passes on the backend. */
  path: 'host' | 'gram';
  /** Number of Gram passes (0 on the host path). */
  passes: number;
  /** How each Gram pass computed its transform, in order (empty on the host path). */
  passKinds: GramPassKind[];
  /** Columns that were exactly (numerically) zero and were replaced by seeded random directions. */
  completedColumns: number;
}

const U32 = 2 ** -24; // float32 unit roundoff (the tolerance's floor)
const DIAG_BLOCK = 2048; // column norms are summed in blocks of this many rows
const TALL_ROWS_PER_COLUMN = 16; // from this many rows per column on, the Gram path is the faster one

/**
 * An m×k float32 matrix with orthonormal columns (QᵀQ = I) spanning the column space of the m×k
 * matrix `a` (k ≤ m), for m up to ~10⁶ and k ≤ 128, fast enough for every training step.
 * Never builds an m×m matrix (unlike `tf.linalg.qr`).
 *
 * Large inputs take the Gram path: repeated passes Q ← Q·X where the k×k Gram QᵀQ is formed by
 * one tf.matMul (with Qᵀ transposed explicitly), its diagonal is re-summed in blocks for accuracy,
 * and X = D^{-1/2}·R⁻¹ comes from the Float64 Cholesky factor R of the correlation matrix
 * C = D^{-1/2}QᵀQD^{-1/2} on the host (Cholesky-QR); when C may be ill-conditioned the pass
 * factors C + s·I instead (shifted Cholesky-QR), and when even that breaks down it falls back to
 * C's eigen-decomposition with small eigenvalues floored (`transform` selects). Passes stop once
 * the a-priori error bound of the last pass is below `tolerance`: one pass for well-conditioned
 * centred data, 2–4 for ill-conditioned (cond 10⁶) input. Exactly zero
 * directions are completed with seeded random ones, so a rank-deficient input still gives k
 * orthonormal columns. Small inputs (m·k² ≤ `hostLimitMacs`) and inputs the Gram path cannot
 * finish are orthonormalised in Float64 on the host by twice-applied modified Gram-Schmidt.
 *
 * @example
 * ```ts
 * const p = tf.matMul(unfolded, omega) as tf.Tensor2D;  // m×k
 * const u = orthonormalBasis(p);                         // m×k, uᵀu = I
 * ```
 */
export function orthonormalBasis(a: tf.Tensor2D, options: OrthonormalBasisOptions = {}): tf.Tensor2D {
  return orthonormalBasisDetailed(a, options).q;
}

/**
 * {@link orthonormalBasis}, also reporting which path ran and how many passes it took.
 *
 * @example
 * ```ts
 * const { q, path, passes } = orthonormalBasisDetailed(p);
 * ```
 */
export function orthonormalBasisDetailed(a: tf.Tensor2D, options: OrthonormalBasisOptions = {}): OrthonormalBasisResult {
  if (!(a instanceof tf.Tensor) || a.rank !== 2) {
    throw new ShapeError(`orthonormalBasis: expected a 2-D tensor (m×k), got rank ${(a as tf.Tensor)?.rank}`);
  }
  if (a.dtype !== 'float32') {
    throw new ShapeError(`orthonormalBasis: expected float32, got ${a.dtype}; cast with tf.cast(a, 'float32')`);
  }
  const [m, k] = a.shape;
  if (k > m) {
    throw new ShapeError(`orthonormalBasis: ${m}×${k} has more columns than rows; at most ${m} orthonormal columns exist in R^${m}`);
  }
  // A float32 Q cannot be orthonormal beyond ≈ u·k in Frobenius norm: never ask for less.
  const tolerance = Math.max(options.tolerance ?? 1e-5, 1.2 * U32 * (k + 2 * Math.sqrt(k)));
  const maxPasses = options.maxPasses ?? 10;
  const hostLimit = options.hostLimitMacs ?? (m < TALL_ROWS_PER_COLUMN * k ? 2 ** 18 : 2 ** 13);
  if (!(tolerance > 0)) throw new ArgumentError(`orthonormalBasis: tolerance ${tolerance} must be > 0`);
  if (!Number.isInteger(maxPasses) || maxPasses < 1) throw new ArgumentError(`orthonormalBasis: maxPasses ${maxPasses} must be an integer ≥ 1`);
  const transform = options.transform ?? 'cholesky';
  if (transform !== 'cholesky' && transform !== 'eigen') throw new ArgumentError(`orthonormalBasis: transform '${String(transform)}' must be 'cholesky' or 'eigen'`);
  if (k === 0) return { q: tf.zeros([m, 0]) as tf.Tensor2D, path: 'host', passes: 0, passKinds: [], completedColumns: 0 };
  if (m * k * k <= hostLimit) return hostPath(a, m, k);

  let q: tf.Tensor2D = a;
  let completed = 0;
  let passes = 0;
  const passKinds: GramPassKind[] = [];
  const rng = new SeededRandom('odl/orthonormalBasis/completion');
  try {
    for (let pass = 1; pass <= maxPasses; pass++) {
      passes = pass;
      const { gram, diag } = gramWithAccurateDiagonal(q, m, k);
      let maxD = 0;
      for (let j = 0; j < k; j++) {
        if (!Number.isFinite(diag[j])) {
          throw new ArgumentError('orthonormalBasis: the input contains NaN or Infinity');
        }
        maxD = Math.max(maxD, diag[j]);
      }
      // Column norms at the edge of float32 range (squares underflow): only Float64 can tell.
      if (!(maxD > 1e-30)) break;
      const zero: number[] = [];
      for (let j = 0; j < k; j++) if (!(diag[j] > maxD * 1e-24) || diag[j] < 1e-36) zero.push(j);
      if (zero.length > 0) {
        // Replace (numerically) zero columns by seeded random directions and start the pass again.
        completed += zero.length;
        const next = tf.tidy(() => replaceColumns(q, zero, m, k, rng));
        if (q !== a) q.dispose();
        q = next;
        continue;
      }
      const { x, predictedError, kind } = gramPass(gram, diag, m, k, transform);
      passKinds.push(kind);
      const next = tf.tidy(() => tf.matMul(q, tf.tensor2d(Float32Array.from(x), [k, k], 'float32')) as tf.Tensor2D);
      if (q !== a) q.dispose();
      q = next;
      if (predictedError <= tolerance) return { q, path: 'gram', passes: pass, passKinds, completedColumns: completed };
    }
  } catch (e) {
    if (q !== a) q.dispose();
    throw e;
  }
  // The Gram path did not reach the tolerance (or the input is tiny): finish robustly on the host
  // from the current Q, which spans the same space as `a` (plus any completed directions).
  const result = hostPath(q, m, k);
  if (q !== a) q.dispose();
  return { ...result, passes, passKinds, completedColumns: completed };
}

function hostPath(a: tf.Tensor2D, m: number, k: number): OrthonormalBasisResult {
  const data = a.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ArgumentError('orthonormalBasis: the input contains NaN or Infinity');
  }
  const q64 = hostOrthonormalize(Float64Array.from(data), m, k);
  return { q: tf.tensor2d(Float32Array.from(q64), [m, k], 'float32'), path: 'host', passes: 0, passKinds: [], completedColumns: 0 };
}

/** Rows per diagonal block: m itself if small, else a divisor of m near DIAG_BLOCK (no padding copy), else DIAG_BLOCK. */
function diagonalBlock(m: number): number {
  if (m <= 2 * DIAG_BLOCK) return m;
  for (let b = DIAG_BLOCK; b >= DIAG_BLOCK / 4; b--) if (m % b === 0) return b;
  for (let b = DIAG_BLOCK + 1; b <= 2 * DIAG_BLOCK; b++) if (m % b === 0) return b;
  return DIAG_BLOCK;
}

/** QᵀQ (one matMul, Qᵀ explicit) and its diagonal re-summed in blocks of rows, both Float64. */
function gramWithAccurateDiagonal(q: tf.Tensor2D, m: number, k: number): { gram: Float64Array; diag: Float64Array } {
  const block = diagonalBlock(m);
  const blocks = Math.ceil(m / block);
  const [g, partial] = tf.tidy(() => {
    const qt = tf.transpose(q);
    const gramT = tf.matMul(qt, q);
    let sq = tf.square(qt);
    if (blocks * block !== m) sq = tf.pad(sq, [[0, 0], [0, blocks * block - m]]);
    const partialT = tf.sum(tf.reshape(sq, [k, blocks, block]), 2);
    return [gramT, partialT];
  });
  const gram = Float64Array.from(g.dataSync());
  const part = partial.dataSync();
  g.dispose();
  partial.dispose();
  const diag = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let b = 0; b < blocks; b++) s += part[j * blocks + b];
    diag[j] = s;
  }
  // The blocked diagonal is accurate; the matMul's own diagonal is not (sequential float32 sum).
  for (let j = 0; j < k; j++) gram[j * k + j] = diag[j];
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < i; j++) {
      const s = 0.5 * (gram[i * k + j] + gram[j * k + i]);
      gram[i * k + j] = s;
      gram[j * k + i] = s;
    }
  }
  return { gram, diag };
}

/** Q with the listed columns replaced by seeded standard normal columns. */
function replaceColumns(q: tf.Tensor2D, cols: number[], m: number, k: number, rng: SeededRandom): tf.Tensor2D {
  const z = cols.length;
  const noise = tf.tensor2d(rng.normalArray(m * z), [m, z]);
  const select = new Float32Array(z * k);
  const keep = new Float32Array(k).fill(1);
  cols.forEach((col, i) => {
    select[i * k + col] = 1;
    keep[col] = 0;
  });
  const kept = tf.mul(q, tf.tensor1d(keep));
  return tf.add(kept, tf.matMul(noise, tf.tensor2d(select, [z, k]))) as tf.Tensor2D;
}
