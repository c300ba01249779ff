import { modeCombine, modeProduct, ShapeError, tf, tuckerDims, type TuckerFactors } from '@odl/backend';
import type { LayerGeometry } from '../contract';
import { convParams } from '../geometry';
import { convWeightGradient, depthwiseWeightGradient, smallConvWeightGradient } from '../internal/kernels';

const NO_PAD: [[number, number], [number, number]] = [[0, 0], [0, 0]];

/**
 * The branch of {@link tuckerConv2dWeightGradient} for a depthwise layer: true when the channels
 * go back to C first (`Z3 ×_C U_C`, then the depthwise weight gradient itself), false when the
 * weight gradient runs on K3 channels and is then contracted on the channel diagonal. Channels go
 * first when the channel multiplier is 1 and the spatially expanded `Z3` (K0 × Hp × Wp positions)
 * spans no more batch × spatial positions than the input (B × H × W) does: that way is
 * K0·Hp·Wp·K3·C + taps·K0·H′·W′·C multiply-adds instead of taps·K3·K0·H′·W′·C, with no intermediate
 * larger than the input. The contraction and its exact cost (`exactTuckerConvBackward`) both call
 * this predicate, so changing the branch changes the count.
 *
 * @param multiplier - the depthwise channel multiplier M (`weightShape[3]`)
 * @param k0 - the batch rank K0 (the core's batch size)
 * @param padded - `[Hp, Wp]`, the padded input height and width
 * @param input - `[B, H, W]`, the input's batch, height and width
 * @example
 * ```ts
 * depthwiseChannelsFirst(1, 4, [9, 9], [32, 7, 7]); // true: 4·81 = 324 ≤ 32·49 = 1568
 * ```
 */
export function depthwiseChannelsFirst(multiplier: number, k0: number, padded: readonly [number, number], input: readonly number[]): boolean {
  return multiplier === 1 && k0 * padded[0] * padded[1] <= input[0]! * input[1]! * input[2]!;
}

/**
 * Step 4 for a 1×1 kernel with stride 1 on an unpadded `Z3` (spatially as large as `Z1`):
 * `Z4[k, o] = Σ_{b,h,w} Z3[b,h,w,k] · Z1[b,h,w,o]`, i.e. `Z1` (as `[K0·H·W, C']`) ×_0 `Z3`ᵀ, one
 * in-place pass over `Z1` (`modeCombine`) with no transpose of it and no matMul that would pack
 * it as a right operand. Returns `null` for any other layer (the caller then runs the conv weight
 * gradient).
 */
function pointwiseWeightGradient(Z3: tf.Tensor4D, Z1: tf.Tensor4D, strides: [number, number]): tf.Tensor4D | null {
  const [K0, H, W, K3] = Z3.shape;
  const [, Ho, Wo, Co] = Z1.shape;
  if (strides[0] !== 1 || strides[1] !== 1 || H !== Ho || W !== Wo) return null;
  const n = K0 * H * W;
  const z4 = modeCombine(tf.reshape(Z1, [n, Co]), 0, tf.reshape(Z3, [n, K3]) as tf.Tensor2D);
  return tf.reshape(z4, [1, 1, K3, Co]) as tf.Tensor4D;
}

/**
 * Weight gradient of a conv2d or depthwise layer straight from a Tucker-compressed input
 * (docs/method.md §3), never rebuilding the activation:
 *
 * 1. `Z1 = dy ×_B U_Bᵀ` (batch B → K0);
 * 2. `Ū_H`, `Ū_W` = `U_H`, `U_W` with the conv's padding rows (zeros) added;
 * 3. `Z3 = S ×_H Ū_H ×_W Ū_W` (K0×Hp×Wp×K3);
 * 4. `Z4` = conv weight gradient of input `Z3` and output gradient `Z1`, no padding (KH×KW×K3×C');
 * 5. contract `Z4` with `U_C` over K3: per group for grouped convs, on the diagonal for depthwise.
 *    A depthwise layer (channel multiplier 1) whose `Z3` spans no more batch × spatial positions
 *    than its input does steps 5 and 4 the other way round: `Z3 ×_C U_C`, then the depthwise
 *    weight gradient (fewer multiply-adds, no intermediate larger than the input).
 *
 * A `null` factor keeps its mode whole. The result equals the exact weight gradient for the
 * reconstructed input `Ã = S ×_n U_n` (and the vanilla gradient at full rank).
 *
 * @param core - `S`, shape `[K0, K1, K2, K3]`
 * @param factors - `[U_B, U_H, U_W, U_C]`, shapes `[B, K0]`, `[H, K1]`, `[W, K2]`, `[C, K3]` (or `null`)
 * @param dy - output gradient `[B, H', W', C']`
 * @param geometry - the layer (`kind` `'conv2d'` or `'depthwise'`, weight shape, strides, padding, dilations, groups)
 * @returns the weight gradient, shape `geometry.weightShape`
 * @example
 * ```ts
 * const dW = tuckerConv2dWeightGradient(S, [UB, UH, UW, UC], dy, conv2dGeometry([8, 16, 16, 4], [3, 3, 4, 8], { pad: 'same' }));
 * ```
 */
export function tuckerConv2dWeightGradient(core: tf.Tensor, factors: TuckerFactors, dy: tf.Tensor, geometry: LayerGeometry): tf.Tensor4D {
  if (geometry.kind !== 'conv2d' && geometry.kind !== 'depthwise') {
    throw new ShapeError(`tuckerConv2dWeightGradient: geometry kind is '${geometry.kind}'; use tuckerDenseWeightGradient for dense layers`);
  }
  if (core.rank !== 4) throw new ShapeError(`tuckerConv2dWeightGradient: core must be rank 4 [K0, K1, K2, K3], got [${core.shape.join(', ')}]`);
  const [B, H, W, C] = tuckerDims(core, factors);
  const [, gH, gW, gC] = geometry.inputShape;
  if (H !== gH || W !== gW || C !== gC) {
    throw new ShapeError(`tuckerConv2dWeightGradient: the Tucker form describes an input [${B}, ${H}, ${W}, ${C}] but the layer expects [B, ${gH}, ${gW}, ${gC}]`);
  }
  const { strides, dilations, pad, groups, kernel } = convParams(geometry);
  const Co = geometry.weightShape[geometry.kind === 'depthwise' ? 2 : 3] * (geometry.kind === 'depthwise' ? geometry.weightShape[3] : 1);
  if (dy.rank !== 4 || dy.shape[0] !== B || dy.shape[3] !== Co) {
    throw new ShapeError(`tuckerConv2dWeightGradient: dy has shape [${dy.shape.join(', ')}], expected [${B}, H', W', ${Co}]`);
  }
  const [UB, UH, UW, UC] = factors;
  // Step 4 on the small Z3: one im2col matMul when it has several taps, one in-place pass over Z1
  // for a 1×1 kernel with stride 1, else the backend kernel.
  const z4 = (Z3: tf.Tensor4D, Z1: tf.Tensor4D): tf.Tensor4D =>
    (kernel[0] * kernel[1] > 1 ? smallConvWeightGradient(Z3, Z1, kernel, strides, dilations) : pointwiseWeightGradient(Z3, Z1, strides)) ??
    convWeightGradient(Z3, Z1, kernel, strides, NO_PAD, dilations);
  // Step 2's padding rows; none to add for an unpadded mode (a 1×1 kernel).
  const unpadded = (p: [number, number]): boolean => p[0] === 0 && p[1] === 0;
  const padRows = (U: tf.Tensor2D, p: [number, number]): tf.Tensor2D => (unpadded(p) ? U : (tf.pad(U, [p, [0, 0]]) as tf.Tensor2D));
  return tf.tidy(() => {
    // 1. the batch shrinks from B to K0
    const Z1 = (UB == null ? dy : modeProduct(dy, UB, 0, true)) as tf.Tensor4D;
    // 2-3. spatially full, padded, channels still K3
    let Z3: tf.Tensor = core;
    if (UH != null) Z3 = modeProduct(Z3, padRows(UH, pad[0]), 1);
    else if (!unpadded(pad[0])) Z3 = tf.pad(Z3, [[0, 0], pad[0], [0, 0], [0, 0]]);
    if (UW != null) Z3 = modeProduct(Z3, padRows(UW, pad[1]), 2);
    else if (!unpadded(pad[1])) Z3 = tf.pad(Z3, [[0, 0], [0, 0], pad[1], [0, 0]]);
    const Z3b = Z3 as tf.Tensor4D;
    const K3 = core.shape[3] as number;
    if (geometry.kind === 'depthwise') {
      const M = geometry.weightShape[3];
      const weightShape = geometry.weightShape as [number, number, number, number];
      if (UC == null) return depthwiseWeightGradient(Z3b, Z1, weightShape, strides, NO_PAD, dilations);
      if (depthwiseChannelsFirst(M, Z3b.shape[0], [Z3b.shape[1], Z3b.shape[2]], [B, H, W])) {
        // 5 before 4: channels back to C first (Z3 ×_C U_C, no larger than the input the Tucker
        // form describes), then the depthwise weight gradient itself — K0·Hp·Wp·K3·C + taps·K0·H'·W'·C
        // multiply-adds instead of taps·K3·K0·H'·W'·C.
        return depthwiseWeightGradient(modeProduct(Z3b, UC, 3) as tf.Tensor4D, Z1, weightShape, strides, NO_PAD, dilations);
      }
      // 4-5. Z4[kh,kw,k,c·M+m] contracted with U_C[c,k] on the channel diagonal
      const Z4 = z4(Z3b, Z1);
      const taps = kernel[0] * kernel[1];
      const prod = tf.mul(tf.reshape(Z4, [taps, K3, C, M] as number[]), tf.reshape(tf.transpose(UC), [1, K3, C, 1] as number[]));
      const dW: tf.Tensor = tf.reshape(tf.sum(prod, 1), geometry.weightShape);
      return dW as tf.Tensor4D;
    }
    // 4. conv weight gradient with batch K0 and K3 input channels
    const Z4 = z4(Z3b, Z1);
    // 5. back to C input channels
    if (groups === 1) return (UC == null ? Z4 : modeProduct(Z4, UC, 2)) as tf.Tensor4D;
    const Cg = C / groups;
    const Cog = Co / groups;
    const parts: tf.Tensor[] = [];
    for (let q = 0; q < groups; q++) {
      if (UC == null) {
        parts.push(tf.slice(Z4, [0, 0, q * Cg, q * Cog], [-1, -1, Cg, Cog]));
      } else {
        const UCq = tf.slice(UC, [q * Cg, 0], [Cg, K3] as number[]) as tf.Tensor2D;
        const Z4q = tf.slice(Z4, [0, 0, 0, q * Cog], [-1, -1, -1, Cog]);
        parts.push(modeProduct(Z4q, UCq, 2));
      }
    }
    return tf.concat(parts, 3) as tf.Tensor4D;
  });
}
