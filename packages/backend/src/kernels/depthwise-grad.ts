// Gradients of a depthwise 2-D convolution, expressed as forward depthwise convolutions.
import { tf } from '../engine';
import {
  checkOutputGradient,
  convGeometry,
  cropSpatial,
  dilateSpatial,
  forwardDepthwiseConv2d,
  inputGradientPads,
  type ConvGeometry,
  type TfjsConvPadding,
  type DimRoundingMode,
  type SpatialPair,
} from './conv-geometry';
import {
  canRunDepthwiseInputDirect,
  depthwiseInputGradientDirect,
  depthwiseWeightGradientDirect,
} from './depthwise-weight-direct';

/**
 * Gradient of a depthwise 2-D convolution with respect to its filter. On cpu and wasm it
 * accumulates x·dy directly over the output pixels (a small WebAssembly SIMD loop when the channel
 * count is a multiple of 4); on GPU backends it runs one forward depthwise convolution over B·C
 * channels (`dy` as the kernel, the forward stride as its dilation) and sums over the batch.
 * Supports dilation (tfjs cpu's stock kernel ignores it).
 *
 * @param x - The forward input, NHWC `[B, H, W, C]`.
 * @param dy - Gradient of the forward output, `[B, H', W', C·M]`.
 * @param filterShape - The forward filter shape `[kh, kw, C, M]` (M: channel multiplier).
 * @param strides - Forward strides.
 * @param pad - Forward padding (`'same'`, `'valid'`, a number or explicit NHWC padding).
 * @param dilations - Forward dilations (default 1; strides and dilations cannot both exceed 1).
 * @param dimRoundingMode - Output-size rounding used with a numeric `pad`, as in tfjs.
 * @returns ∂L/∂filter, shape `filterShape`.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([2, 9, 9, 4]) as tf.Tensor4D;
 * const dy = tf.ones([2, 5, 5, 8]) as tf.Tensor4D;
 * const dW = depthwiseConv2dWeightGradient(x, dy, [3, 3, 4, 2], 2, 'same'); // [3, 3, 4, 2]
 * ```
 */
export function depthwiseConv2dWeightGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: SpatialPair,
  pad: TfjsConvPadding,
  dilations: SpatialPair = 1,
  dimRoundingMode?: DimRoundingMode,
): tf.Tensor4D {
  const op = 'depthwiseConv2dWeightGradient';
  const g = convGeometry(op, x.shape, filterShape, strides, pad, dilations, true, dimRoundingMode);
  checkOutputGradient(op, dy, g);
  const m = filterShape[3];
  const backend = tf.getBackend();
  if (backend === 'wasm' || backend === 'cpu') return depthwiseWeightGradientDirect(x, dy, g, m);
  return depthwiseWeightGradientByConv(x, dy, g, m);
}

/**
 * The GPU formulation of {@link depthwiseConv2dWeightGradient}: one forward depthwise convolution
 * of x as [1, H, W, C·B] with dy as the [H', W', C·B, M] kernel, then a sum over the batch.
 * Exported for tests (cpu and wasm use the direct accumulation).
 */
export function depthwiseWeightGradientByConv(x: tf.Tensor4D, dy: tf.Tensor4D, g: ConvGeometry, m: number): tf.Tensor4D {
  return tf.tidy(() => {
    // dW[kh,kw,c,m] = Σ_b Σ_{i,j} xpad[b, i·s + kh·d, j·s + kw·d, c] · dy[b,i,j,c·M+m]: a depthwise
    // convolution of x as [1, H, W, C·B] with kernel dy as [H', W', C·B, M] (stride d, dilation s).
    const xT = tf.reshape(tf.transpose(x, [1, 2, 3, 0]), [1, g.inH, g.inW, g.inC * g.batch]);
    const dyT =
      m === 1
        ? tf.reshape(tf.transpose(dy, [1, 2, 3, 0]), [g.outH, g.outW, g.inC * g.batch, 1])
        : tf.reshape(
            tf.transpose(tf.reshape(dy, [g.batch, g.outH, g.outW, g.inC, m]), [1, 2, 3, 0, 4]),
            [g.outH, g.outW, g.inC * g.batch, m],
          );
    const needH = (g.kh - 1) * g.dilationH + (g.outH - 1) * g.strideH + 1;
    const needW = (g.kw - 1) * g.dilationW + (g.outW - 1) * g.strideW + 1;
    const padBottom = Math.max(0, needH - g.inH - g.padTop);
    const padRight = Math.max(0, needW - g.inW - g.padLeft);
    const w = forwardDepthwiseConv2d(
      xT as tf.Tensor4D,
      dyT as tf.Tensor4D,
      [g.dilationH, g.dilationW],
      [[0, 0], [g.padTop, padBottom], [g.padLeft, padRight], [0, 0]],
      [g.strideH, g.strideW],
    );
    const cropped = cropSpatial(w, 0, 0, g.kh, g.kw); // [1, kh, kw, C·B·M]
    return tf.sum(tf.reshape(cropped, [g.kh, g.kw, g.inC, g.batch, m]), 3) as tf.Tensor4D;
  });
}

/**
 * Gradient of a depthwise 2-D convolution with respect to its input, computed as a forward
 * depthwise convolution of the stride-dilated, padded `dy` with the spatially flipped filter
 * (C·M channels, multiplier 1), then a sum over the multiplier; on cpu with multiplier 1 and C
 * divisible by 4, by direct WebAssembly SIMD accumulation. Supports dilation.
 *
 * @param dy - Gradient of the forward output, `[B, H', W', C·M]`.
 * @param filter - The forward filter `[kh, kw, C, M]`.
 * @param inputShape - The forward input shape `[B, H, W, C]`.
 * @param strides - Forward strides.
 * @param pad - Forward padding (`'same'`, `'valid'`, a number or explicit NHWC padding).
 * @param dilations - Forward dilations (default 1; strides and dilations cannot both exceed 1).
 * @param dimRoundingMode - Output-size rounding used with a numeric `pad`, as in tfjs.
 * @returns ∂L/∂x, shape `inputShape`.
 *
 * @example
 * ```ts
 * const w = tf.randomNormal([3, 3, 4, 2]) as tf.Tensor4D;
 * const dy = tf.ones([2, 5, 5, 8]) as tf.Tensor4D;
 * const dx = depthwiseConv2dInputGradient(dy, w, [2, 9, 9, 4], 2, 'same'); // [2, 9, 9, 4]
 * ```
 */
export function depthwiseConv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: SpatialPair,
  pad: TfjsConvPadding,
  dilations: SpatialPair = 1,
  dimRoundingMode?: DimRoundingMode,
): tf.Tensor4D {
  const op = 'depthwiseConv2dInputGradient';
  const g = convGeometry(op, inputShape, filter.shape, strides, pad, dilations, true, dimRoundingMode);
  checkOutputGradient(op, dy, g);
  const m = filter.shape[3];
  // The direct SIMD accumulation is 7–100× the depthwise-convolution route on cpu, but not faster
  // on wasm, where building the output tensor in the wasm heap costs what the zeros save.
  if (tf.getBackend() === 'cpu' && canRunDepthwiseInputDirect(g, m)) return depthwiseInputGradientDirect(dy, filter, g);
  // A sub-pixel split (as conv2dInputGradient uses for strides) measured 2× slower here: the
  // depthwise convolution is cheap and the phase interleaving costs more than the zeros it skips.
  return depthwiseDilatedInputGradient(dy, filter, g, m);
}

/**
 * Depthwise input gradient as one depthwise convolution of the stride-dilated dy with the flipped
 * filter (any stride and dilation). Exported for tests.
 */
export function depthwiseDilatedInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry, m: number): tf.Tensor4D {
  return tf.tidy(() => {
    const dyD = dilateSpatial(dy, g.strideH, g.strideW);
    const ph = inputGradientPads(g.inH, g.padTop, g.effKh, dyD.shape[1]);
    const pw = inputGradientPads(g.inW, g.padLeft, g.effKw, dyD.shape[2]);
    const wFlip = tf.reshape(tf.reverse(filter, [0, 1]), [g.kh, g.kw, g.outC, 1]) as tf.Tensor4D;
    let dx = forwardDepthwiseConv2d(
      dyD,
      wFlip,
      [1, 1],
      [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]],
      [g.dilationH, g.dilationW],
    );
    if (m > 1) {
      const [b, h, w] = dx.shape;
      dx = tf.sum(tf.reshape(dx, [b, h, w, g.inC, m]), 4) as tf.Tensor4D;
    }
    return cropSpatial(dx, ph.offset, pw.offset, g.inH, g.inW);
  });
}

