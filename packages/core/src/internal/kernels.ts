// The one place where core reaches for training kernels: the forward-convolution formulations
// of @odl/backend (they run on cpu and wasm, with any stride, dilation and padding), and a
// wasm-safe matMul / mode product.
import {
  conv2dInputGradient,
  conv2dWeightGradient,
  depthwiseConv2dInputGradient,
  depthwiseConv2dWeightGradient,
  modeCombine,
  tf,
  type ExplicitPadding,
} from '@odl/backend';
import type { ExplicitPadding2D } from '../geometry';

const explicit = (pad: ExplicitPadding2D): ExplicitPadding => [[0, 0], [pad[0][0], pad[0][1]], [pad[1][0], pad[1][1]], [0, 0]];

/** dW of a conv2d (groups = 1): `[KH, KW, C, O]` from input `[B, H, W, C]` and dy `[B, H', W', O]`. */
export function convWeightGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernel: [number, number],
  strides: [number, number],
  pad: ExplicitPadding2D,
  dilations: [number, number],
): tf.Tensor4D {
  return conv2dWeightGradient(x, dy, [kernel[0], kernel[1], x.shape[3], dy.shape[3]], strides, explicit(pad), dilations);
}

/**
 * Largest patch matrix (taps × input elements) that {@link smallConvWeightGradient} builds
 * (4 M float32 = 16 MiB).
 */
const PATCH_LIMIT_ELEMENTS = 1 << 22;

/**
 * dW of a conv2d (groups = 1, no padding) for a SMALL input, as one matMul on an im2col of the
 * input: `dW[tap, c, o] = Σ_{b,h',w'} x[b, h'·s + kh·δ, w'·s + kw·δ, c] · dy[b, h', w', o]`.
 * The Tucker contraction feeds it `Z3` (batch K0, K3 channels), where wasm's forward-conv
 * formulation runs a convolution with only K0 input channels (4.2 ms for K0 = 4, K3 = 16,
 * C' = 576, 3×3 taps, against ≈1 ms here). Returns `null` when the patches would exceed
 * {@link PATCH_LIMIT_ELEMENTS}; the caller then uses {@link convWeightGradient}.
 */
export function smallConvWeightGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): tf.Tensor4D | null {
  const [B, , , C] = x.shape;
  const [, Ho, Wo, O] = dy.shape;
  const taps = kernel[0] * kernel[1];
  const rows = B * Ho * Wo;
  if (taps * rows * C > PATCH_LIMIT_ELEMENTS) return null;
  return tf.tidy(() => {
    const patches: tf.Tensor[] = [];
    for (let kh = 0; kh < kernel[0]; kh++) {
      for (let kw = 0; kw < kernel[1]; kw++) {
        const h0 = kh * dilations[0];
        const w0 = kw * dilations[1];
        const end = [B, h0 + (Ho - 1) * strides[0] + 1, w0 + (Wo - 1) * strides[1] + 1, C];
        patches.push(tf.stridedSlice(x, [0, h0, w0, 0], end, [1, strides[0], strides[1], 1]));
      }
    }
    // [taps, B, Ho, Wo, C] → [taps·C, rows]: dy is the right operand (small: K0 rows of the batch).
    const cols = tf.reshape(tf.transpose(tf.reshape(tf.stack(patches), [taps, rows, C]), [0, 2, 1]), [taps * C, rows]);
    return tf.reshape(matMul(cols, tf.reshape(dy, [rows, O])), [kernel[0], kernel[1], C, O]) as tf.Tensor4D;
  });
}

/** dX of a conv2d (groups = 1). */
export function convInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: [number, number],
  pad: ExplicitPadding2D,
  dilations: [number, number],
): tf.Tensor4D {
  return conv2dInputGradient(dy, filter, inputShape, strides, explicit(pad), dilations);
}

/** dW of a depthwise conv: `[KH, KW, C, M]`. */
export function depthwiseWeightGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: [number, number],
  pad: ExplicitPadding2D,
  dilations: [number, number],
): tf.Tensor4D {
  return depthwiseConv2dWeightGradient(x, dy, filterShape, strides, explicit(pad), dilations);
}

/** dX of a depthwise conv. */
export function depthwiseInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: [number, number],
  pad: ExplicitPadding2D,
  dilations: [number, number],
): tf.Tensor4D {
  return depthwiseConv2dInputGradient(dy, filter, inputShape, strides, explicit(pad), dilations);
}

/**
 * `a · b` that is safe on wasm. tfjs-backend-wasm 4.22 caches the packed right operand of a
 * matMul by its buffer id, not by its shape: a buffer used as `b` once with one shape and later
 * (through a reshape view) with another gives silently wrong products or "memory access out of
 * bounds". On wasm `b` is therefore copied into a fresh buffer unless it is a variable.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm' || b instanceof tf.Variable) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  return tf.tidy(() => tf.matMul(a as tf.Tensor2D, tf.clone(b) as tf.Tensor2D));
}

/** A copy of `b` in a fresh buffer on wasm (see {@link matMul}); `b` itself elsewhere. */
export function freshRightOperand(b: tf.Tensor): tf.Tensor {
  return tf.getBackend() === 'wasm' && !(b instanceof tf.Variable) ? tf.clone(b) : b;
}

/**
 * Mode product `t ×_axis M` with `M` of shape `[d', d_axis]`; when `transposeM` is true, `M` is
 * given as `[d_axis, d']` and `Mᵀ` is applied. The last axis is one matMul with `t` as the LEFT
 * operand (wasm re-packs the right operand of every new tensor, docs/traps.md); any other axis reads
 * `t` in place (`modeCombine` of @odl/backend: no transpose of `t`). Transposes of `M` are
 * explicit (wasm's matMul with transpose flags is ~10× slower, docs/traps.md).
 */
export function modeProduct(t: tf.Tensor, axis: number, M: tf.Tensor2D, transposeM = false): tf.Tensor {
  return tf.tidy(() => {
    const shape = t.shape;
    const d = shape[axis];
    const dM = transposeM ? M.shape[0] : M.shape[1];
    if (dM !== d) throw new Error(`modeProduct: factor has ${dM} columns, axis ${axis} has ${d}`);
    const right = transposeM ? M : (tf.transpose(M) as tf.Tensor2D); // [d, d']
    if (axis === shape.length - 1) {
      const outShape = shape.map((s, i) => (i === axis ? right.shape[1] : s));
      return tf.reshape(matMul(tf.reshape(t, [t.size / d, d]), right), outShape);
    }
    return modeCombine(t, axis, right);
  });
}

/** Bytes one element of `dtype` occupies on the cpu and wasm backends. */
export function bytesPerElement(dtype: tf.DataType): number {
  switch (dtype) {
    case 'bool':
      return 1;
    case 'float32':
    case 'int32':
      return 4;
    case 'complex64':
      return 8;
    default:
      return 4;
  }
}
