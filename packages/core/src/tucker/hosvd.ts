/**
 * HOSVD_ε, once for the whole of odl (docs/method.md §4, §5): for every mode n of an activation,
 * the leading left singular vectors of the unfolding A_(n) whose cumulative explained variance
 * Σσ² first reaches ε of the total. `@odl/lowrank`'s HOSVD_ε and SVD_ε compressors, their
 * data-dependent cost options, and `@odl/shortcut`'s perplexity measurement (ASI's rank
 * selection) all call these functions, so they agree on every rank.
 *
 * @packageDocumentation
 */
import { ArgumentError, explainedRank, leadingSingularVectors, symmetricEigen, tf, unfold } from '@odl/backend';

/**
 * How the leading singular vectors of an unfolding are computed: `'gram'` takes the eigenvectors
 * of the small d×d Gram matrix M·Mᵀ (fast); `'svd'` runs a full SVD of the wide matrix M in
 * Float64, as in the HOSVD_ε paper (slow, accurate for tiny singular values).
 */
export type SpectrumPath = 'gram' | 'svd';

/**
 * The HOSVD_ε / SVD_ε rank rule: the smallest k ≥ 1 such that the k largest squared singular
 * values hold at least a fraction ε of their total, Σ_{i<k} σ_i² ≥ ε · Σ_i σ_i² (compared in
 * Float64 with a 1e-12 relative slack for rounding, as `@odl/backend`'s `explainedRank`).
 * Negative inputs (round-off of a Gram matrix's zero eigenvalues) count as 0; an all-zero
 * spectrum gives 1.
 *
 * ε = 1 returns the full length of the spectrum: every direction is kept, so the decomposition is
 * exact (the `'gram'` path keeps all d_n eigenvectors at ε = 1; the literal rule would stop at the
 * numerical rank, where round-off decides which near-zero directions count).
 *
 * @param sigmaSquared - squared singular values (or Gram eigenvalues), in any order
 * @param epsilon - fraction of explained variance to keep, in (0, 1]
 * @returns the rank k, 1 ≤ k ≤ sigmaSquared.length
 *
 * @example
 * ```ts
 * explainedVarianceRank([9, 4, 1], 0.8); // 2, since 9/14 < 0.8 <= 13/14
 * ```
 */
export function explainedVarianceRank(sigmaSquared: ArrayLike<number>, epsilon: number): number {
  const n = sigmaSquared.length;
  if (n === 0) throw new ArgumentError('explainedVarianceRank: empty spectrum; pass at least one value');
  checkEpsilon('explainedVarianceRank', epsilon);
  if (epsilon === 1) return n;
  const sorted = Float64Array.from(sigmaSquared, (v) => (v > 0 ? v : 0)).sort().reverse();
  return explainedRank(sorted, epsilon);
}

/** Leading left singular vectors of a matrix chosen by the explained-variance rule. */
export interface ExplainedSubspace {
  /** d × k orthonormal columns (float32 tensor, owned by the caller). */
  u: tf.Tensor2D;
  /** k, the rank chosen by the explained-variance rule. */
  rank: number;
}

/**
 * Leading left singular vectors of `matrix` (d × m, d ≤ 2048) holding a fraction ε of Σσ² (the
 * rule of {@link explainedVarianceRank}), on `@odl/backend`'s Float64 host solvers:
 * - `'gram'`: eigenvectors of the d × d Gram matrix M Mᵀ (one float32 matMul, then Householder
 *   tridiagonalisation + QL in Float64). At ε = 1 every one of the d eigenvectors is kept (a full
 *   orthonormal basis, so the decomposition is exact whatever the Gram's rounding).
 * - `'svd'`: a full SVD of M itself (Float64 one-sided Jacobi), as in the HOSVD_ε paper. At ε = 1
 *   it keeps the numerical rank (≤ min(d, m)), exact to Float64 round-off.
 * Both give the same subspace up to the sign of each column at ε < 1. This is one mode of HOSVD_ε
 * ({@link hosvdFactors}) and the whole of SVD_ε (on the batch-mode unfolding).
 *
 * @param matrix - d × m float32 matrix (not disposed)
 * @param epsilon - explained-variance fraction in (0, 1]
 * @param path - `'gram'` (default) or `'svd'`
 * @example
 * ```ts
 * const { u, rank } = explainedSubspace(tf.reshape(activation, [batch, -1]) as tf.Tensor2D, 0.8);
 * ```
 */
export function explainedSubspace(matrix: tf.Tensor2D, epsilon: number, path: SpectrumPath = 'gram'): ExplainedSubspace {
  checkEpsilon('explainedSubspace', epsilon);
  checkPath('explainedSubspace', path);
  if (epsilon === 1 && path === 'gram') {
    const d = matrix.shape[0];
    const gram = tf.tidy(() => tf.matMul(matrix, tf.transpose(matrix)) as tf.Tensor2D);
    const { vectors } = symmetricEigen(gram);
    gram.dispose();
    return { u: vectors, rank: d };
  }
  const { u, rank } = leadingSingularVectors(matrix, { explainedVariance: epsilon, method: path });
  return { u, rank };
}

/** Per-mode factors and ranks of HOSVD_ε applied to one activation. */
export interface HosvdFactors {
  /** U_n (d_n × k_n, orthonormal columns), one per mode, owned by the caller. */
  factors: tf.Tensor2D[];
  /** k_n, one per mode. */
  ranks: number[];
}

/**
 * The HOSVD_ε factors of `input` (docs/method.md §4): for every mode n, the leading left singular
 * vectors of the unfolding A_(n) whose cumulative Σσ² first reaches ε of the total
 * ({@link explainedSubspace}). The factors are new tensors owned by the caller.
 *
 * @param input - the activation (any rank ≥ 1, float32; not disposed)
 * @param epsilon - explained-variance fraction in (0, 1]
 * @param path - `'gram'` (default) or `'svd'`, see {@link SpectrumPath}
 * @example
 * ```ts
 * const { factors, ranks } = hosvdFactors(tf.randomNormal([8, 6, 6, 4]), 0.9);
 * factors.forEach((u) => u.dispose());
 * ```
 */
export function hosvdFactors(input: tf.Tensor, epsilon: number, path: SpectrumPath = 'gram'): HosvdFactors {
  checkEpsilon('hosvdFactors', epsilon);
  checkPath('hosvdFactors', path);
  return hosvdFactorsAt(input, [epsilon], path)[0]!;
}

/**
 * {@link hosvdFactors} at several ε at once, as ASI's rank selection measures them (docs/method.md
 * §5): each mode's spectrum and leading singular vectors are computed once, at the largest ε, and
 * every ε keeps the leading columns its explained-variance rule asks for (the rule is monotone in
 * ε and the vectors come ordered by σ). The ranks are those of one {@link hosvdFactors} call per
 * ε; the vectors agree with them to Float64 round-off (the host eigensolver may take another
 * route for another count). One eigen-decomposition per mode instead of one per mode and ε.
 *
 * @param input - the activation (any rank ≥ 1, float32; not disposed)
 * @param epsilons - explained-variance fractions, each in (0, 1], any order
 * @param path - `'gram'` (default) or `'svd'`
 * @returns one {@link HosvdFactors} per ε, in the order given; every factor a new tensor owned by the caller
 * @example
 * ```ts
 * const [at08, at09] = hosvdFactorsForEpsilons(activation, [0.8, 0.9]);
 * at08.ranks; // e.g. [4, 2, 2, 9]
 * [...at08.factors, ...at09.factors].forEach((u) => u.dispose());
 * ```
 */
export function hosvdFactorsForEpsilons(input: tf.Tensor, epsilons: readonly number[], path: SpectrumPath = 'gram'): HosvdFactors[] {
  if (epsilons.length === 0) throw new ArgumentError('hosvdFactorsForEpsilons: no ε given; pass at least one value in (0, 1]');
  for (const e of epsilons) checkEpsilon('hosvdFactorsForEpsilons', e);
  checkPath('hosvdFactorsForEpsilons', path);
  return hosvdFactorsAt(input, epsilons, path);
}

function hosvdFactorsAt(input: tf.Tensor, epsilons: readonly number[], path: SpectrumPath): HosvdFactors[] {
  const out: HosvdFactors[] = epsilons.map(() => ({ factors: [], ranks: [] }));
  try {
    for (let mode = 0; mode < input.rank; mode++) {
      const unfolding = unfold(input, mode);
      try {
        modeFactorsAt(unfolding, epsilons, path).forEach(({ u, rank }, i) => {
          out[i]!.factors.push(u);
          out[i]!.ranks.push(rank);
        });
      } finally {
        unfolding.dispose();
      }
    }
  } catch (e) {
    tf.dispose(out.flatMap((o) => o.factors));
    throw e;
  }
  return out;
}

/**
 * One mode's {@link explainedSubspace} at every ε: ε = 1 on the Gram path keeps all d vectors
 * (its own solve); the others are leading columns of one solve at the largest of them.
 */
function modeFactorsAt(unfolding: tf.Tensor2D, epsilons: readonly number[], path: SpectrumPath): ExplainedSubspace[] {
  const whole = path === 'gram' && epsilons.includes(1) ? explainedSubspace(unfolding, 1, path) : null;
  const below = epsilons.filter((e) => whole == null || e < 1);
  const largest = Math.max(...below);
  const top = below.length > 0 ? leadingSingularVectors(unfolding, { explainedVariance: largest, method: path }) : null;
  const sigmaSq = top == null ? null : Float64Array.from(top.singularValues, (v) => v * v);
  const given = new Set<tf.Tensor>(); // a solve's own tensor goes out once; later uses get copies
  const take = (u: tf.Tensor2D, columns: number, rank: number): tf.Tensor2D => {
    if (rank < columns) return tf.slice(u, [0, 0], [-1, rank]) as tf.Tensor2D;
    if (given.has(u)) return tf.clone(u) as tf.Tensor2D;
    given.add(u);
    return u;
  };
  const result = epsilons.map((e): ExplainedSubspace => {
    if (whole != null && e === 1) return { u: take(whole.u, whole.rank, whole.rank), rank: whole.rank };
    // The rank rule on the same spectrum; the largest ε keeps exactly what its solve chose.
    const rank = e === largest ? top!.rank : Math.min(explainedRank(sigmaSq!, e), top!.rank);
    return { u: take(top!.u, top!.rank, rank), rank };
  });
  for (const u of [whole?.u, top?.u]) if (u != null && !given.has(u)) u.dispose();
  return result;
}

/**
 * The per-mode ranks HOSVD_ε reaches on `input` (the ranks of {@link hosvdFactors}, factors
 * released), in the activation's own axis order (NHWC for convolutions).
 *
 * @param input - the activation (not disposed)
 * @param epsilon - explained-variance fraction in (0, 1]
 * @param path - `'gram'` (default) or `'svd'`
 * @example
 * ```ts
 * hosvdRanks(activation, 0.8); // e.g. [5, 4, 4, 12]
 * ```
 */
export function hosvdRanks(input: tf.Tensor, epsilon: number, path: SpectrumPath = 'gram'): number[] {
  const { factors, ranks } = hosvdFactors(input, epsilon, path);
  tf.dispose(factors);
  return ranks;
}

function checkEpsilon(where: string, epsilon: number): void {
  if (typeof epsilon !== 'number' || !(epsilon > 0 && epsilon <= 1)) {
    throw new ArgumentError(`${where}: epsilon must be in (0, 1] (the fraction of explained variance Σσ² to keep), got ${String(epsilon)}`);
  }
}

function checkPath(where: string, path: unknown): void {
  if (path !== 'gram' && path !== 'svd') throw new ArgumentError(`${where}: path must be 'gram' or 'svd', got ${JSON.stringify(path)}`);
}
