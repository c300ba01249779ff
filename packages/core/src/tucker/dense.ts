import { contractionOrder, modeProduct, ShapeError, tf, tuckerDims, type TuckerFactors } from '@odl/backend';

/**
 * Weight gradient of a dense layer (weight `[I, O]`) from a Tucker-compressed input of rank 2,
 * 3 or 4 (`[B, I]`, `[B, N, I]`, `[B, H, W, I]`), never rebuilding the activation:
 * `Z = dy ×_n U_nᵀ` over every leading mode (shrinking modes first, so every intermediate is
 * smaller than `dy`), then `ΔW = U_I · (S_flatᵀ · Z_flat)` with `S_flat = [Π k_lead, K_I]`.
 * A `null` factor keeps its mode whole. Equals the exact gradient for `Ã = S ×_n U_n`.
 *
 * @param core - `S`, shape `[K0, …, K_I]`
 * @param factors - one `[d_n, k_n]` factor (or `null`) per input mode, the feature mode last
 * @param dy - output gradient `[B, …, O]`
 * @returns the weight gradient `[I, O]`
 * @example
 * ```ts
 * const dW = tuckerDenseWeightGradient(S, [UB, UN, UI], dy); // 3-D tokens input
 * ```
 */
export function tuckerDenseWeightGradient(core: tf.Tensor, factors: TuckerFactors, dy: tf.Tensor): tf.Tensor2D {
  if (core.rank < 2 || core.rank > 4) throw new ShapeError(`tuckerDenseWeightGradient: core must have rank 2, 3 or 4, got [${core.shape.join(', ')}]`);
  const dims = tuckerDims(core, factors);
  const r = dims.length;
  const lead = dims.slice(0, r - 1);
  if (dy.rank !== r || lead.some((d, i) => dy.shape[i] !== d)) {
    throw new ShapeError(`tuckerDenseWeightGradient: dy has shape [${dy.shape.join(', ')}], expected [${lead.join(', ')}, O] for an input [${dims.join(', ')}]`);
  }
  const O = dy.shape[r - 1];
  const kLead = core.shape.slice(0, r - 1);
  const KI = core.shape[r - 1];
  const UI = factors[r - 1];
  return tf.tidy(() => {
    let Z: tf.Tensor = dy;
    for (const n of contractionOrder(lead, kLead)) {
      const U = factors[n];
      if (U != null) Z = modeProduct(Z, U, n, true);
    }
    const rows = kLead.reduce((a, b) => a * b, 1);
    const St = tf.transpose(tf.reshape(core, [rows, KI])) as tf.Tensor2D; // [K_I, rows]
    const T = tf.matMul(St, tf.reshape(Z, [rows, O]) as tf.Tensor2D) as tf.Tensor2D; // [K_I, O]
    return UI == null ? T : (tf.matMul(UI, T) as tf.Tensor2D);
  });
}
