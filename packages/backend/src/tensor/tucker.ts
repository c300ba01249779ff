import { tf } from '../engine';
import { ArgumentError, ShapeError } from '../errors';
import { checkShape, checkTensor } from './checks';
import { modeProduct } from './mode-product';

/**
 * One Tucker factor per mode: a `[d_n, k_n]` matrix (orthonormal columns in ASI and HOSVD_ε), or
 * `null` for a mode kept whole (identity factor: nothing stored, the core keeps the full size
 * d_n on that mode). The one type of a Tucker form's factors across odl.
 */
export type TuckerFactors = ReadonlyArray<tf.Tensor2D | null>;

function checkFactors(rank: number, factors: TuckerFactors, where: string): void {
  if (!Array.isArray(factors) || factors.length !== rank) {
    throw new ShapeError(`${where}: expected ${rank} factors (one per mode, null for identity), got ${factors?.length}`);
  }
  factors.forEach((f, n) => {
    if (f == null) return;
    checkTensor(f, `${where} (factor ${n})`, ['float32']);
    if (f.rank !== 2) throw new ShapeError(`${where}: factor ${n} must be 2-D (d_n×k_n), got rank ${f.rank}`);
  });
}

/**
 * Order in which to apply mode products to a tensor of shape `from` so that it reaches shape
 * `to` (mode by mode) with the smallest intermediates: shrinking modes first, largest shrink
 * first; growing modes last, smallest growth first (ties in mode order).
 *
 * @example
 * ```ts
 * contractionOrder([64, 7, 7, 96], [4, 7, 7, 8]); // [0, 3, 1, 2]
 * ```
 */
export function contractionOrder(from: readonly number[], to: readonly number[]): number[] {
  return from.map((_, n) => n).sort((a, b) => to[a]! / from[a]! - to[b]! / from[b]!);
}

/**
 * Sizes d_n of the tensor a Tucker form (core + factors) represents; throws `ShapeError` when
 * a factor does not fit the core.
 *
 * @example
 * ```ts
 * tuckerDims(S, [UB, null, UC]); // [UB.shape[0], S.shape[1], UC.shape[0]]
 * ```
 */
export function tuckerDims(core: tf.Tensor, factors: TuckerFactors): number[] {
  checkFactors(core.rank, factors, 'tuckerDims');
  return factors.map((f, n) => {
    if (f == null) return core.shape[n]!;
    if (f.shape[1] !== core.shape[n]) {
      throw new ShapeError(`Tucker form: factor ${n} is [${f.shape}] but core mode ${n} has size ${core.shape[n]}; expected [d_${n}, ${core.shape[n]}]`);
    }
    return f.shape[0]!;
  });
}

/**
 * Tucker core S = t ×_0 U_0ᵀ ×_1 U_1ᵀ … (k_0×k_1×…) for factors U_n ∈ R^{d_n×k_n}; a `null`
 * factor leaves its mode untouched (identity). With orthonormal factors this is the projection
 * of `t` onto the Tucker subspace; {@link tuckerCompose} maps it back. The products run in
 * {@link contractionOrder} (largest shrink first), each a {@link modeProduct} (the activation
 * stays the left operand or is read in place: no transpose of it).
 *
 * @example
 * ```ts
 * const core = tuckerCore(x, [uB, uH, uW, uC]);   // [kB, kH, kW, kC]
 * ```
 */
export function tuckerCore(t: tf.Tensor, factors: TuckerFactors): tf.Tensor {
  checkTensor(t, 'tuckerCore', ['float32']);
  checkFactors(t.rank, factors, 'tuckerCore');
  const target = t.shape.map((d, n) => {
    const f = factors[n];
    if (f == null) return d;
    if (f.shape[0] !== d) throw new ShapeError(`tuckerCore: factor ${n} is [${f.shape}] but mode ${n} has size ${d}; expected [${d}, k]`);
    return f.shape[1]!;
  });
  return tf.tidy(() => {
    let out = t;
    for (const n of contractionOrder(t.shape, target)) {
      const f = factors[n];
      if (f != null) out = modeProduct(out, f, n, true);
    }
    return out === t ? tf.clone(t) : out;
  });
}

/**
 * Reconstruction core ×_0 U_0 ×_1 U_1 … from a Tucker core (k_0×k_1×…) and factors U_n
 * (d_n×k_n; `null` = identity), in {@link contractionOrder} (smallest growth first). For tests
 * and for methods whose backward rebuilds the activation; the Tucker contractions never need it.
 *
 * @example
 * ```ts
 * const approx = tuckerCompose(core, [uB, uH, uW, uC]);   // [B, H, W, C]
 * ```
 */
export function tuckerCompose(core: tf.Tensor, factors: TuckerFactors): tf.Tensor {
  checkTensor(core, 'tuckerCompose', ['float32']);
  const dims = tuckerDims(core, factors);
  return tf.tidy(() => {
    let out = core;
    for (const n of contractionOrder(core.shape, dims)) {
      const f = factors[n];
      if (f != null) out = modeProduct(out, f, n);
    }
    return out === core ? tf.clone(core) : out;
  });
}

/**
 * Elements stored by a Tucker decomposition of a tensor of `shape` with per-mode `ranks`:
 * Π k_n + Σ d_n·k_n (docs/method.md §2). A `null` rank means an identity mode: k_n = d_n and no factor
 * is stored. Multiply by 4 for float32 bytes.
 *
 * @example
 * ```ts
 * tuckerElements([128, 28, 28, 64], [8, 6, 6, 10]);   // 8·6·6·10 + 128·8 + 28·6 + 28·6 + 64·10
 * ```
 */
export function tuckerElements(shape: readonly number[], ranks: ReadonlyArray<number | null>): number {
  checkShape(shape, 'tuckerElements');
  if (!Array.isArray(ranks) || ranks.length !== shape.length) {
    throw new ShapeError(`tuckerElements: ${ranks?.length} ranks for a rank-${shape.length} shape; give one per mode`);
  }
  let core = 1;
  let factors = 0;
  ranks.forEach((r, n) => {
    if (r === null) {
      core *= shape[n];
      return;
    }
    if (!Number.isInteger(r) || r < 1 || r > shape[n]) {
      throw new ArgumentError(`tuckerElements: rank ${r} for mode ${n} must be an integer in 1..${shape[n]}`);
    }
    core *= r;
    factors += shape[n] * r;
  });
  return core + factors;
}
