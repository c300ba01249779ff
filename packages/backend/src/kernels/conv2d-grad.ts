// Gradients of a 2-D convolution, expressed as forward convolutions (docs/traps.md): the backends'
// forward Conv2D is fast everywhere, their backprop kernels are slow (cpu, wasm) or missing (wasm).
import { tf } from '../engine';
import {
  checkOutputGradient,
  convGeometry,
  cropOrPad,
  cropSpatial,
  dilateSpatial,
  forwardConv2d,
  inputGradientPads,
  interleavePhases,
  isPointwise,
  type ConvGeometry,
  type TfjsConvPadding,
  type DimRoundingMode,
  type SpatialPair,
} from './conv-geometry';
import { canRunConv2dWeightDirect, conv2dWeightGradientDirect } from './conv2d-weight-direct';

/**
 * Gradient of a 2-D convolution with respect to its filter, computed as one forward convolution:
 * batch and channels of `x` swap roles, `dy` becomes the kernel, and the forward stride becomes
 * that kernel's dilation. 1×1 stride-1 convolutions use one matrix product instead. On the cpu
 * backend (slow forward convolution) a WebAssembly SIMD loop accumulates x ⊗ dy directly when the
 * output channel count is a multiple of 4.
 *
 * @param x - The forward input, NHWC `[B, H, W, C]`.
 * @param dy - Gradient of the forward output, `[B, H', W', C']`.
 * @param filterShape - The forward filter shape `[kh, kw, C, C']` (HWIO).
 * @param strides - Forward strides.
 * @param pad - Forward padding (`'same'`, `'valid'`, a number or explicit NHWC padding).
 * @param dilations - Forward dilations (default 1; strides and dilations cannot both exceed 1).
 * @param dimRoundingMode - Output-size rounding used with a numeric `pad`, as in tfjs.
 * @returns ∂L/∂filter, shape `filterShape`.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([2, 9, 9, 3]) as tf.Tensor4D;
 * const dy = tf.ones([2, 5, 5, 8]) as tf.Tensor4D;
 * const dW = conv2dWeightGradient(x, dy, [3, 3, 3, 8], 2, 'same'); // [3, 3, 3, 8]
 * ```
 */
export function conv2dWeightGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: SpatialPair,
  pad: TfjsConvPadding,
  dilations: SpatialPair = 1,
  dimRoundingMode?: DimRoundingMode,
): tf.Tensor4D {
  const op = 'conv2dWeightGradient';
  const g = convGeometry(op, x.shape, filterShape, strides, pad, dilations, false, dimRoundingMode);
  checkOutputGradient(op, dy, g);
  if (tf.getBackend() === 'cpu' && canRunConv2dWeightDirect(g)) return conv2dWeightGradientDirect(x, dy, g);
  return tf.tidy(() => {
    if (isPointwise(g)) {
      // Explicit transposes (matMul with a transpose flag is ~12× slower on wasm), and the larger
      // of x and dy on the left: wasm re-packs a new right operand, which costs more per element
      // than a transpose.
      const n = g.batch * g.inH * g.inW;
      const x2 = tf.reshape(x, [n, g.inC]) as tf.Tensor2D;
      const dy2 = tf.reshape(dy, [n, g.outC]) as tf.Tensor2D;
      if (g.outC > g.inC) return tf.reshape(tf.transpose(tf.matMul(tf.transpose(dy2), x2)), filterShape);
      return tf.reshape(tf.matMul(tf.transpose(x2), dy2), filterShape);
    }
    // dW[kh,kw,c,o] = Σ_{b,i,j} xpad[b, i·s + kh·d, j·s + kw·d, c] · dy[b,i,j,o]: a convolution of
    // xᵀ [C, H, W, B] with kernel dyᵀ [H', W', B, C'], stride d and dilation s → [C, kh, kw, C'].
    const xT = tf.transpose(x, [3, 1, 2, 0]);
    const dyT = tf.transpose(dy, [1, 2, 0, 3]);
    const needH = (g.kh - 1) * g.dilationH + (g.outH - 1) * g.strideH + 1;
    const needW = (g.kw - 1) * g.dilationW + (g.outW - 1) * g.strideW + 1;
    const padBottom = Math.max(0, needH - g.inH - g.padTop);
    const padRight = Math.max(0, needW - g.inW - g.padLeft);
    const w = forwardConv2d(
      xT,
      dyT,
      [g.dilationH, g.dilationW],
      [[0, 0], [g.padTop, padBottom], [g.padLeft, padRight], [0, 0]],
      [g.strideH, g.strideW],
    );
    return tf.transpose(cropSpatial(w, 0, 0, g.kh, g.kw), [1, 2, 0, 3]);
  });
}

/**
 * Gradient of a 2-D convolution with respect to its input, computed as a forward convolution of
 * the stride-dilated, padded `dy` with the spatially flipped, in/out-transposed filter.
 * 1×1 stride-1 convolutions use one matrix product instead.
 *
 * @param dy - Gradient of the forward output, `[B, H', W', C']`.
 * @param filter - The forward filter `[kh, kw, C, C']` (HWIO).
 * @param inputShape - The forward input shape `[B, H, W, C]`.
 * @param strides - Forward strides.
 * @param pad - Forward padding (`'same'`, `'valid'`, a number or explicit NHWC padding).
 * @param dilations - Forward dilations (default 1; strides and dilations cannot both exceed 1).
 * @param dimRoundingMode - Output-size rounding used with a numeric `pad`, as in tfjs.
 * @returns ∂L/∂x, shape `inputShape`.
 *
 * @example
 * ```ts
 * const w = tf.randomNormal([3, 3, 3, 8]) as tf.Tensor4D;
 * const dy = tf.ones([2, 5, 5, 8]) as tf.Tensor4D;
 * const dx = conv2dInputGradient(dy, w, [2, 9, 9, 3], 2, 'same'); // [2, 9, 9, 3]
 * ```
 */
export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: SpatialPair,
  pad: TfjsConvPadding,
  dilations: SpatialPair = 1,
  dimRoundingMode?: DimRoundingMode,
): tf.Tensor4D {
  const op = 'conv2dInputGradient';
  const g = convGeometry(op, inputShape, filter.shape, strides, pad, dilations, false, dimRoundingMode);
  checkOutputGradient(op, dy, g);
  return tf.tidy(() => {
    if (isPointwise(g)) {
      const n = g.batch * g.inH * g.inW;
      const wT = tf.transpose(tf.reshape(filter, [g.inC, g.outC])); // [C', C], explicit transpose
      return tf.reshape(tf.matMul(tf.reshape(dy, [n, g.outC]), wT), inputShape);
    }
    if (g.strideH > 1 && g.strideH === g.strideW && g.dilationH === 1 && g.dilationW === 1) {
      return g.kh === 1 && g.kw === 1 ? stridedPointwiseInputGradient(dy, filter, g) : subPixelInputGradient(dy, filter, g);
    }
    return dilatedInputGradient(dy, filter, g);
  });
}

/**
 * Input gradient as one stride-1 convolution of the stride-dilated dy with the flipped,
 * in/out-transposed filter (any stride and dilation). Exported for tests and benchmarks.
 */
export function dilatedInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const dyD = dilateSpatial(dy, g.strideH, g.strideW);
    const ph = inputGradientPads(g.inH, g.padTop, g.effKh, dyD.shape[1]);
    const pw = inputGradientPads(g.inW, g.padLeft, g.effKw, dyD.shape[2]);
    const wFlip = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [kh, kw, C', C]
    const dx = forwardConv2d(
      dyD,
      wFlip,
      [1, 1],
      [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]],
      [g.dilationH, g.dilationW],
    );
    return cropSpatial(dx, ph.offset, pw.offset, g.inH, g.inW);
  });
}

/**
 * Input gradient of a 1×1 convolution with stride s: dy·Wᵀ scattered to every s-th pixel
 * (zeros elsewhere), then shifted by the top/left padding.
 */
function stridedPointwiseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const n = g.batch * g.outH * g.outW;
  const wT = tf.transpose(tf.reshape(filter, [g.inC, g.outC]));
  const z = tf.reshape(tf.matMul(tf.reshape(dy, [n, g.outC]), wT), [g.batch, g.outH, g.outW, g.inC]);
  return cropOrPad(dilateSpatial(z as tf.Tensor4D, g.strideH, g.strideW), g.padTop, g.padLeft, g.inH, g.inW);
}

/**
 * Input gradient of a strided convolution (stride s on both axes, dilation 1) by sub-pixel
 * decomposition: input pixel h + top = u·s + φ receives Σ_t dy[u − t]·W[φ + s·t], so one stride-1
 * convolution of dy with a ⌈kh/s⌉×⌈kw/s⌉ kernel producing s²·C channels (one group per phase φ),
 * then depth-to-space, computes every phase without multiplying the zeros a stride-dilated dy has.
 */
export function subPixelInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  return tf.tidy(() => subPixel(dy, filter, g));
}

function subPixel(dy: tf.Tensor4D, filter: tf.Tensor4D, g: ConvGeometry): tf.Tensor4D {
  const s = g.strideH;
  const th = Math.ceil(g.kh / s);
  const tw = Math.ceil(g.kw / s);
  // Sub-kernel of phase (φh, φw) at tap (a, e): W[φh + s·(th − 1 − a), φw + s·(tw − 1 − e)] (0 outside).
  const padded = tf.pad(filter, [[0, th * s - g.kh], [0, tw * s - g.kw], [0, 0], [0, 0]]); // [th·s, tw·s, C, C']
  const flipped = tf.reverse(tf.reshape(padded, [th, s, tw, s, g.inC, g.outC]), [0, 2]); // taps reversed
  // → [a, e, C', φh, φw, C]: kernel [th, tw, C', s²·C] with channel (φh·s + φw)·C + c.
  const sub = tf.reshape(tf.transpose(flipped, [0, 2, 5, 1, 3, 4]), [th, tw, g.outC, s * s * g.inC]) as tf.Tensor4D;
  const rows = Math.ceil((g.padTop + g.inH) / s);
  const cols = Math.ceil((g.padLeft + g.inW) / s);
  const z = forwardConv2d(
    dy,
    sub,
    [1, 1],
    [[0, 0], [th - 1, Math.max(0, rows - g.outH)], [tw - 1, Math.max(0, cols - g.outW)], [0, 0]],
    [1, 1],
  );
  return cropOrPad(interleavePhases(z, s), g.padTop, g.padLeft, g.inH, g.inW);
}
