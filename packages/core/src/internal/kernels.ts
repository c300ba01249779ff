// The one place where core reaches for training kernels: the forward-convolution formulations
// of @odl/backend (they run on cpu and wasm, with any stride, dilation and padding). Mode products
// are @odl/backend's modeProduct; wasm's matMul cache bug is handled by backend's
// wasm-matmul-guard for every matMul.
import {
  conv2dInputGradient,
  conv2dWeightGradient,
  depthwiseConv2dInputGradient,
  depthwiseConv2dWeightGradient,
  tf,
} from '@odl/backend';
import type { ExplicitPadding2D } from '../contract';
import { toTfjsPadding } from '../geometry';

/** dW of a conv2d (groups = 1): `[KH, KW, C, O]` from input `[B, H, W, C]` and dy `[B, H', W', O]`. */
export function convWeightGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernel: [number, number],
  strides: [number, number],
  pad: ExplicitPadding2D,
  dilations: [number, number],
): tf.Tensor4D {
  return conv2dWeightGradient(x, dy, [kernel[0], kernel[1], x.shape[3], dy.shape[3]], strides, toTfjsPadding(pad), dilations);
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
    return tf.reshape(tf.matMul(cols as tf.Tensor2D, tf.reshape(dy, [rows, O]) as tf.Tensor2D), [kernel[0], kernel[1], C, O]) as tf.Tensor4D;
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
  return conv2dInputGradient(dy, filter, inputShape, strides, toTfjsPadding(pad), dilations);
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
  return depthwiseConv2dWeightGradient(x, dy, filterShape, strides, toTfjsPadding(pad), dilations);
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
  return depthwiseConv2dInputGradient(dy, filter, inputShape, strides, toTfjsPadding(pad), dilations);
}
