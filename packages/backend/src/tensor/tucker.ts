import { tf } from '../engine';
import { ArgumentError, ShapeError } from '../errors';
import { checkShape, checkTensor } from './checks';
import { modeProduct } from './mode-product';

/** One factor per mode: a d_n×k_n matrix, or `null` for the identity (the mode is not compressed). */
export type TuckerFactors = ReadonlyArray<tf.Tensor2D | null>;

function checkFactors(rank: number, factors: TuckerFactors, where: string): void {
  if (!Array.isArray(factors) || factors.length !== rank) {
    throw new ShapeError(`${where}: expected ${rank} factors (one per mode, null for identity), got ${factors?.length}`);
  }
  factors.forEach((f, n) => {
    if (f === null) return;
    checkTensor(f, `${where} (factor ${n})`, ['float32']);
    if (f.rank !== 2) throw new ShapeError(`${where}: factor ${n} must be 2-D (d_n×k_n), got rank ${f.rank}`);
  });
}

/** Applies mode products in the order that shrinks (or grows) the tensor most cheaply. */
function applyAll(t: tf.Tensor, mats: Array<{ mode: number; m: tf.Tensor2D }>): tf.Tensor {
  // Shrinking products first (largest reduction ratio first) keeps intermediates small.
  const order = mats.slice().sort((a, b) => a.m.shape[0] / a.m.shape[1] - b.m.shape[0] / b.m.shape[1]);
  let x = t;
  for (const { mode, m } of order) x = modeProduct(x, m, mode);
  return x === t ? tf.clone(t) : x;
}

/**
 * Tucker core S = t ×_0 U_0ᵀ ×_1 U_1ᵀ … (k_0×k_1×…) for factors U_n ∈ R^{d_n×k_n}; a `null`
 * factor leaves its mode untouched (identity). With orthonormal factors this is the projection
 * of `t` onto the Tucker subspace; {@link tuckerCompose} maps it back.
 *
 * @example
 * ```ts
 * const core = tuckerCore(x, [uB, uH, uW, uC]);   // [kB, kH, kW, kC]
 * ```
 */
export function tuckerCore(t: tf.Tensor, factors: TuckerFactors): tf.Tensor {
  checkTensor(t, 'tuckerCore', ['float32']);
  checkFactors(t.rank, factors, 'tuckerCore');
  factors.forEach((f, n) => {
    if (f !== null && f.shape[0] !== t.shape[n]) {
      throw new ShapeError(`tuckerCore: factor ${n} is [${f.shape}] but mode ${n} has size ${t.shape[n]}; expected [${t.shape[n]}, k]`);
    }
  });
  return tf.tidy(() => {
    const mats = factors.flatMap((f, mode) => (f === null ? [] : [{ mode, m: tf.transpose(f) as tf.Tensor2D }]));
    return applyAll(t, mats);
  });
}

/**
 * Reconstruction core ×_0 U_0 ×_1 U_1 … from a Tucker core (k_0×k_1×…) and factors U_n
 * (d_n×k_n; `null` = identity).
 *
 * @example
 * ```ts
 * const approx = tuckerCompose(core, [uB, uH, uW, uC]);   // [B, H, W, C]
 * ```
 */
export function tuckerCompose(core: tf.Tensor, factors: TuckerFactors): tf.Tensor {
  checkTensor(core, 'tuckerCompose', ['float32']);
  checkFactors(core.rank, factors, 'tuckerCompose');
  factors.forEach((f, n) => {
    if (f !== null && f.shape[1] !== core.shape[n]) {
      throw new ShapeError(`tuckerCompose: factor ${n} is [${f.shape}] but core mode ${n} has size ${core.shape[n]}; expected [d, ${core.shape[n]}]`);
    }
  });
  return tf.tidy(() => applyAll(core, factors.flatMap((f, mode) => (f === null ? [] : [{ mode, m: f }]))));
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
