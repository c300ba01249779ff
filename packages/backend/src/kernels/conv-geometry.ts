// Shapes, paddings and low-level forward-convolution calls shared by the gradient kernels.
import { tf } from '../engine';
import { ArgumentError, ShapeError } from '../errors';
import { runKernel } from '../memory/engine-internals';

/**
 * Explicit per-side padding of an NHWC convolution in tfjs' own argument form:
 * `[[0, 0], [top, bottom], [left, right], [0, 0]]` (batch and channel entries must be 0). odl's
 * layers describe padding as `ConvPadding` of `@odl/core` (`[[top, bottom], [left, right]]`);
 * `toTfjsPadding` there is the one conversion.
 */
export type TfjsExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * The `pad` argument of tfjs' convolution ops and kernels, which odl's gradient kernels take too:
 * `'same'` or `'valid'`, one number of zero rows/columns added on every spatial side, or a
 * {@link TfjsExplicitPadding}.
 */
export type TfjsConvPadding = 'same' | 'valid' | number | TfjsExplicitPadding;

/** A stride or dilation: one number for both spatial axes, or `[height, width]`. */
export type SpatialPair = number | [number, number];

/** Rounding of the output size when `pad` is a number (tfjs `dimRoundingMode`). */
export type DimRoundingMode = 'floor' | 'round' | 'ceil';

/** Everything the gradient kernels need to know about one forward convolution. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  /** Output channels (inC · multiplier for a depthwise convolution). */
  outC: number;
  kh: number;
  kw: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padTop: number;
  padBottom: number;
  padLeft: number;
  padRight: number;
  /** Dilated kernel extent, (kh − 1)·dilationH + 1. */
  effKh: number;
  effKw: number;
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

function pair(op: string, what: string, v: SpatialPair): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!Array.isArray(p) || p.length !== 2 || !isPosInt(p[0]) || !isPosInt(p[1])) {
    throw new ArgumentError(`${op}: ${what} must be a positive integer or [h, w] of positive integers, got ${JSON.stringify(v)}`);
  }
  return p;
}

function checkShape4(op: string, what: string, shape: readonly number[]): void {
  if (shape.length !== 4 || !shape.every(isPosInt)) {
    throw new ShapeError(`${op}: ${what} must be a rank-4 shape of positive integers, got [${shape.join(', ')}]`);
  }
}

/**
 * Resolves the geometry of the forward convolution of an input of shape `inShape` (NHWC) with a
 * filter of shape `filterShape` (HWIO, or HW·C·multiplier when `depthwise`), with tfjs semantics
 * for `'same'`/`'valid'`/number/explicit padding.
 */
export function convGeometry(
  op: string,
  inShape: readonly number[],
  filterShape: readonly number[],
  strides: SpatialPair,
  pad: TfjsConvPadding,
  dilations: SpatialPair,
  depthwise: boolean,
  dimRoundingMode?: DimRoundingMode,
): ConvGeometry {
  checkShape4(op, 'input shape', inShape);
  checkShape4(op, 'filter shape', filterShape);
  const [sh, sw] = pair(op, 'strides', strides);
  const [dh, dw] = pair(op, 'dilations', dilations);
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) {
    throw new ArgumentError(`${op}: strides [${sh}, ${sw}] and dilations [${dh}, ${dw}] are both > 1; tfjs convolutions allow one or the other, so set one of them to 1`);
  }
  if (inShape[3] !== filterShape[2]) {
    throw new ShapeError(`${op}: input has ${inShape[3]} channels but the filter expects ${filterShape[2]} (filter shape [${filterShape.join(', ')}]); make axis 3 of the input equal axis 2 of the filter`);
  }
  if (typeof pad === 'number') {
    if (!Number.isInteger(pad) || pad < 0) throw new ArgumentError(`${op}: numeric pad must be a non-negative integer, got ${pad}`);
  } else if (Array.isArray(pad)) {
    const ok = pad.length === 4 && pad.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
    if (!ok || pad[0][0] !== 0 || pad[0][1] !== 0 || pad[3][0] !== 0 || pad[3][1] !== 0) {
      throw new ArgumentError(`${op}: explicit pad must be [[0, 0], [top, bottom], [left, right], [0, 0]] of non-negative integers, got ${JSON.stringify(pad)}`);
    }
  } else if (pad !== 'same' && pad !== 'valid') {
    throw new ArgumentError(`${op}: pad must be 'same', 'valid', a number or explicit [[0,0],[t,b],[l,r],[0,0]], got ${JSON.stringify(pad)}`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    [sh, sw],
    [dh, dw],
    pad,
    dimRoundingMode,
    depthwise,
  );
  if (info.outHeight <= 0 || info.outWidth <= 0) {
    throw new ShapeError(`${op}: the dilated ${info.effectiveFilterHeight}×${info.effectiveFilterWidth} kernel does not fit the padded ${inShape[1]}×${inShape[2]} input; use a smaller kernel or more padding`);
  }
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    strideH: sh,
    strideW: sw,
    dilationH: dh,
    dilationW: dw,
    padTop: info.padInfo.top,
    padBottom: info.padInfo.bottom,
    padLeft: info.padInfo.left,
    padRight: info.padInfo.right,
    effKh: info.effectiveFilterHeight,
    effKw: info.effectiveFilterWidth,
  };
}

/** Throws a {@link ShapeError} unless `dy` has the forward output shape of `g`. */
export function checkOutputGradient(op: string, dy: tf.Tensor, g: ConvGeometry): void {
  const want = [g.batch, g.outH, g.outW, g.outC];
  if (dy.rank !== 4 || dy.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(`${op}: dy has shape [${dy.shape.join(', ')}] but the forward convolution outputs [${want.join(', ')}]; pass the gradient of that output`);
  }
}

/** True when the convolution is a plain per-pixel matrix product (1×1 kernel, stride 1, no padding). */
export function isPointwise(g: ConvGeometry): boolean {
  return (
    g.kh === 1 && g.kw === 1 && g.strideH === 1 && g.strideW === 1 &&
    g.padTop === 0 && g.padBottom === 0 && g.padLeft === 0 && g.padRight === 0
  );
}

/**
 * Runs the backend's forward Conv2D kernel directly. Going through the kernel, not `tf.conv2d`,
 * lets stride and dilation both exceed 1 and never dispatches the gradient kernels odl overrides.
 */
export function forwardConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number],
  pad: TfjsExplicitPadding,
  dilations: [number, number],
): tf.Tensor4D {
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations, dimRoundingMode: undefined };
  return runKernel('Conv2D', { x, filter }, attrs) as tf.Tensor4D;
}

/** Runs the backend's forward DepthwiseConv2dNative kernel directly (see {@link forwardConv2d}). */
export function forwardDepthwiseConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  strides: [number, number],
  pad: TfjsExplicitPadding,
  dilations: [number, number],
): tf.Tensor4D {
  const attrs = { strides, pad, dilations, dimRoundingMode: undefined };
  return runKernel('DepthwiseConv2dNative', { x, filter }, attrs) as tf.Tensor4D;
}

/**
 * Inserts `sh − 1` zero rows after every row and `sw − 1` zero columns after every column of an
 * NHWC tensor: [B, H, W, C] → [B, H·sh, W·sw, C], element (i, j) moving to (i·sh, j·sw).
 */
export function dilateSpatial(t: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return t;
  const [b, h, w, c] = t.shape;
  let r: tf.Tensor = tf.reshape(t, [b * h, 1, w, 1, c]);
  r = tf.pad(r, [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.reshape(r, [b, h * sh, w * sw, c]);
}

/** Crops rows `[r0, r0 + h)` and columns `[c0, c0 + w)` of an NHWC tensor; no copy when nothing is cut. */
export function cropSpatial(t: tf.Tensor4D, r0: number, c0: number, h: number, w: number): tf.Tensor4D {
  if (r0 === 0 && c0 === 0 && t.shape[1] === h && t.shape[2] === w) return t;
  return tf.slice(t, [0, r0, c0, 0], [t.shape[0], h, w, t.shape[3]]);
}

/**
 * Padding that turns a "full" correlation of the output gradient into the input gradient along one
 * axis. The forward pass read padded input rows `i·s + k·d` (k < kernel taps); `dyLen` is the
 * length of the stride-dilated gradient (element i at i·s). Returns the pads of a stride-1
 * correlation with the flipped kernel (dilation d), and the output offset/length to keep.
 */
export function inputGradientPads(
  inLen: number,
  padBefore: number,
  effK: number,
  dyLen: number,
): { before: number; after: number; offset: number } {
  const want = effK - 1 - padBefore;
  const before = Math.max(0, want);
  const offset = before - want;
  const after = Math.max(0, offset + inLen - dyLen - before + effK - 1);
  return { before, after, offset };
}

/** Rows [r0, r0 + h) and columns [c0, c0 + w) of an NHWC tensor, zero-padding past its end. */
export function cropOrPad(t: tf.Tensor4D, r0: number, c0: number, h: number, w: number): tf.Tensor4D {
  const [, th, tw] = t.shape;
  const padBottom = Math.max(0, r0 + h - th);
  const padRight = Math.max(0, c0 + w - tw);
  const full = padBottom > 0 || padRight > 0 ? tf.pad(t, [[0, 0], [0, padBottom], [0, padRight], [0, 0]]) : t;
  return cropSpatial(full, r0, c0, h, w);
}

/**
 * Interleaves s×s phase images: [B, U, V, s·s·C] with channel (φh·s + φw)·C + c → [B, U·s, V·s, C]
 * (tfjs depthToSpace order, by reshape and transpose: wasm's DepthToSpace kernel is slow).
 */
export function interleavePhases(z: tf.Tensor4D, s: number): tf.Tensor4D {
  const [b, u, v, sc] = z.shape;
  const c = sc / (s * s);
  const t = tf.transpose(tf.reshape(z, [b * u, v, s, s, c]), [0, 2, 1, 3, 4]); // [b·u, φh, v, φw, c]
  return tf.reshape(t, [b, u * s, v * s, c]);
}
