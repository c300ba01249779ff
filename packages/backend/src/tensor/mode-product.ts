import { tf } from '../engine';
import { ShapeError } from '../errors';
import { modeCombine } from '../kernels/mode-products';
import { checkMode, checkTensor } from './checks';

/**
 * Mode-n product t ×_n M with M ∈ R^{d'×d_n}: axis `mode` of size d_n is replaced by d' (every
 * mode-n fibre is multiplied by M). With `transposeM`, `m` is given as `[d_n, d']` and Mᵀ is
 * applied (t ×_n Uᵀ for a Tucker factor U, without forming Uᵀ). float32 only.
 *
 * The routing follows the measured wasm costs (docs/traps.md): the last mode is one matMul with
 * `t` as the LEFT operand (wasm re-packs a matMul's right operand for every new tensor, so a
 * large tensor never goes there); any other mode reads `t` in place with {@link modeCombine}
 * (a SIMD loop on wasm, no transpose of `t`). Transposes of the small matrix are explicit
 * (wasm's matMul with transpose flags is ~10× slower).
 *
 * @param t - float32 tensor, any rank
 * @param m - float32 `[d', d_n]` (or `[d_n, d']` with `transposeM`)
 * @param mode - the axis multiplied
 * @param transposeM - apply `mᵀ` (default false)
 * @returns float32, `t`'s shape with axis `mode` of size d'
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([8, 6, 6, 16]);
 * const y = modeProduct(x, tf.randomNormal([4, 16]) as tf.Tensor2D, 3);         // [8, 6, 6, 4]
 * const z = modeProduct(x, tf.randomNormal([8, 2]) as tf.Tensor2D, 0, true);    // x ×_0 Uᵀ: [2, 6, 6, 16]
 * ```
 */
export function modeProduct(t: tf.Tensor, m: tf.Tensor2D, mode: number, transposeM = false): tf.Tensor {
  checkTensor(t, 'modeProduct', ['float32']);
  checkTensor(m, 'modeProduct (matrix)', ['float32']);
  checkMode(mode, t.rank, 'modeProduct');
  if (m.rank !== 2) throw new ShapeError(`modeProduct: the matrix must be 2-D, got rank ${m.rank}`);
  const d = t.shape[mode]!;
  if ((transposeM ? m.shape[0] : m.shape[1]) !== d) {
    throw new ShapeError(
      transposeM
        ? `modeProduct: matrix [${m.shape}] (transposed) cannot multiply mode ${mode} of size ${d}; expected [${d}, d']`
        : `modeProduct: matrix [${m.shape}] cannot multiply mode ${mode} of size ${d}; expected [d', ${d}] (use its transpose?)`,
    );
  }
  return tf.tidy(() => {
    const right = transposeM ? m : (tf.transpose(m) as tf.Tensor2D); // [d, d']
    if (mode === t.rank - 1) {
      const outShape = t.shape.map((s, i) => (i === mode ? right.shape[1]! : s));
      return tf.reshape(tf.matMul(tf.reshape(t, [t.size / d, d]) as tf.Tensor2D, right), outShape);
    }
    return modeCombine(t, mode, right);
  });
}
