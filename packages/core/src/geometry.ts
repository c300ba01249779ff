import { ArgumentError, ShapeError, type TfjsExplicitPadding } from '@odl/backend';
import type { ConvPadding, ExplicitPadding2D, LayerGeometry } from './contract';

/** Convolution options shared by the geometry builders and the compressed conv ops. */
export interface ConvOptions {
  /** Strides `[sh, sw]` or one number for both (default 1). */
  strides?: number | [number, number];
  /** Padding: `'same'`, `'valid'` or explicit `[[top, bottom], [left, right]]` (default `'valid'`). */
  pad?: ConvPadding;
  /** Dilations `[dh, dw]` or one number for both (default 1). */
  dilations?: number | [number, number];
  /** Groups of a conv2d (default 1; ignored by depthwise). */
  groups?: number;
}

const pair = (v: number | [number, number] | undefined, what: string): [number, number] => {
  const p: [number, number] = v == null ? [1, 1] : typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 1)) {
    throw new ArgumentError(`${what} must be positive integers, got [${p.join(', ')}]`);
  }
  return p;
};

/**
 * Resolves a convolution's padding to explicit pixel counts exactly as tfjs does
 * (`'same'` puts the odd pixel at the bottom/right).
 *
 * @param inputHW - input height and width in pixels
 * @param kernelHW - kernel height and width in taps
 * @example
 * ```ts
 * resolvePadding('same', [7, 7], [3, 3], [2, 2], [1, 1]); // [[1, 1], [1, 1]]
 * ```
 */
export function resolvePadding(
  pad: ConvPadding,
  inputHW: [number, number],
  kernelHW: [number, number],
  strides: [number, number],
  dilations: [number, number],
): ExplicitPadding2D {
  if (pad === 'valid') return [[0, 0], [0, 0]];
  if (pad === 'same') {
    const out: [number, number][] = [0, 1].map((i) => {
      const eff = (kernelHW[i] - 1) * dilations[i] + 1;
      const outSize = Math.ceil(inputHW[i] / strides[i]);
      const total = Math.max(0, (outSize - 1) * strides[i] + eff - inputHW[i]);
      const before = Math.floor(total / 2);
      return [before, total - before];
    }) as [number, number][];
    return [out[0], out[1]];
  }
  if (!Array.isArray(pad) || pad.length !== 2 || !pad.every((p) => Array.isArray(p) && p.length === 2 && p.every((x) => Number.isInteger(x) && x >= 0))) {
    throw new ArgumentError(`pad must be 'same', 'valid' or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(pad)}`);
  }
  return [[pad[0][0], pad[0][1]], [pad[1][0], pad[1][1]]];
}

/**
 * The one conversion from odl's padding vocabulary ({@link ConvPadding}, what a layer geometry
 * holds) to the `pad` argument of tfjs' conv ops and of `@odl/backend`'s gradient kernels
 * (`TfjsConvPadding`): `'same'` and `'valid'` pass through, `[[t, b], [l, r]]` becomes
 * `[[0, 0], [t, b], [l, r], [0, 0]]`.
 *
 * @example
 * ```ts
 * tf.conv2d(x, w, 1, toTfjsPadding([[1, 0], [0, 1]]));
 * ```
 */
export function toTfjsPadding(pad: ConvPadding): 'same' | 'valid' | TfjsExplicitPadding {
  if (pad === 'same' || pad === 'valid') return pad;
  return [[0, 0], [pad[0][0], pad[0][1]], [pad[1][0], pad[1][1]], [0, 0]];
}

/**
 * Output spatial size of a convolution (tfjs rules).
 *
 * @example
 * ```ts
 * convOutputSize([7, 7], [3, 3], [2, 2], [1, 1], 'same'); // [4, 4]
 * ```
 */
export function convOutputSize(
  inputHW: [number, number],
  kernelHW: [number, number],
  strides: [number, number],
  dilations: [number, number],
  pad: ConvPadding,
): [number, number] {
  const p = resolvePadding(pad, inputHW, kernelHW, strides, dilations);
  const out = [0, 1].map((i) => {
    const eff = (kernelHW[i] - 1) * dilations[i] + 1;
    return Math.floor((inputHW[i] + p[i][0] + p[i][1] - eff) / strides[i]) + 1;
  });
  if (out[0] < 1 || out[1] < 1) {
    throw new ShapeError(
      `convolution output would be empty: input ${inputHW.join('×')}, kernel ${kernelHW.join('×')}, dilation ${dilations.join('×')}, padding ${JSON.stringify(pad)}; pad the input or use a smaller kernel`,
    );
  }
  return [out[0], out[1]];
}

const checkStrideDilation = (strides: [number, number], dilations: [number, number], what: string): void => {
  if (Math.max(...strides) > 1 && Math.max(...dilations) > 1) {
    throw new ArgumentError(`${what}: tfjs convolutions cannot combine strides > 1 (${strides.join('×')}) with dilations > 1 (${dilations.join('×')}); use one or the other`);
  }
};

const checkShape = (shape: number[], rank: number | number[], what: string): void => {
  const ranks = Array.isArray(rank) ? rank : [rank];
  if (!ranks.includes(shape.length) || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ShapeError(`${what} must be a rank-${ranks.join('/')} shape of positive integers, got [${shape.join(', ')}]`);
  }
};

/**
 * Geometry of a (possibly grouped) conv2d layer, NHWC input and HWIO weight `[KH, KW, C/groups, C']`.
 *
 * @example
 * ```ts
 * const g = conv2dGeometry([8, 32, 32, 16], [3, 3, 16, 32], { strides: 2, pad: 'same' });
 * g.outputShape; // [8, 16, 16, 32]
 * ```
 */
export function conv2dGeometry(inputShape: number[], weightShape: number[], options: ConvOptions = {}): LayerGeometry {
  checkShape(inputShape, 4, 'conv2d input shape [B, H, W, C]');
  checkShape(weightShape, 4, 'conv2d weight shape [KH, KW, C/groups, C\']');
  const groups = options.groups ?? 1;
  const [, H, W, C] = inputShape;
  const [KH, KW, Cg, Co] = weightShape;
  if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0 || Co % groups !== 0) {
    throw new ArgumentError(`conv2d groups=${groups} must be a positive integer dividing both input channels ${C} and output channels ${Co}`);
  }
  if (Cg * groups !== C) {
    throw new ShapeError(`conv2d weight has ${Cg} input channels per group but the input has ${C} channels in ${groups} group(s); expected weight [${KH}, ${KW}, ${C / groups}, ${Co}]`);
  }
  const strides = pair(options.strides, 'conv2d strides');
  const dilations = pair(options.dilations, 'conv2d dilations');
  const pad = options.pad ?? 'valid';
  checkStrideDilation(strides, dilations, 'conv2d');
  const [Ho, Wo] = convOutputSize([H, W], [KH, KW], strides, dilations, pad);
  return { kind: 'conv2d', inputShape: [...inputShape], weightShape: [...weightShape], outputShape: [inputShape[0], Ho, Wo, Co], strides, dilations, pad, groups };
}

/**
 * Geometry of a depthwise conv layer, NHWC input and weight `[KH, KW, C, multiplier]`.
 *
 * @example
 * ```ts
 * depthwiseGeometry([8, 32, 32, 16], [3, 3, 16, 1], { pad: 'same' }).outputShape; // [8, 32, 32, 16]
 * ```
 */
export function depthwiseGeometry(inputShape: number[], weightShape: number[], options: ConvOptions = {}): LayerGeometry {
  checkShape(inputShape, 4, 'depthwise input shape [B, H, W, C]');
  checkShape(weightShape, 4, 'depthwise weight shape [KH, KW, C, multiplier]');
  const [, H, W, C] = inputShape;
  const [KH, KW, Cw, M] = weightShape;
  if (Cw !== C) throw new ShapeError(`depthwise weight has ${Cw} channels but the input has ${C}; expected weight [${KH}, ${KW}, ${C}, multiplier]`);
  const strides = pair(options.strides, 'depthwise strides');
  const dilations = pair(options.dilations, 'depthwise dilations');
  const pad = options.pad ?? 'valid';
  checkStrideDilation(strides, dilations, 'depthwise');
  const [Ho, Wo] = convOutputSize([H, W], [KH, KW], strides, dilations, pad);
  return { kind: 'depthwise', inputShape: [...inputShape], weightShape: [...weightShape], outputShape: [inputShape[0], Ho, Wo, C * M], strides, dilations, pad };
}

/**
 * Geometry of a dense layer with input `[B, I]`, `[B, N, I]` or `[B, H, W, I]` and weight `[I, O]`.
 *
 * @example
 * ```ts
 * denseGeometry([4, 10, 64], [64, 32]).outputShape; // [4, 10, 32]
 * ```
 */
export function denseGeometry(inputShape: number[], weightShape: number[]): LayerGeometry {
  checkShape(inputShape, [2, 3, 4], 'dense input shape [B, I], [B, N, I] or [B, H, W, I]');
  checkShape(weightShape, 2, 'dense weight shape [I, O]');
  const I = inputShape[inputShape.length - 1];
  if (weightShape[0] !== I) throw new ShapeError(`dense weight has ${weightShape[0]} input features but the input has ${I}; expected weight [${I}, O]`);
  return { kind: 'dense', inputShape: [...inputShape], weightShape: [...weightShape], outputShape: [...inputShape.slice(0, -1), weightShape[1]] };
}

/**
 * Checks a geometry for internal consistency (as built by hand or read from a file) and returns
 * a normalised copy (strides, dilations, pad and groups filled in, output shape recomputed).
 * Throws `ShapeError` or `ArgumentError` naming the inconsistency.
 *
 * @example
 * ```ts
 * const g = normalizeGeometry({ kind: 'dense', inputShape: [2, 3], weightShape: [3, 4], outputShape: [2, 4] });
 * ```
 */
export function normalizeGeometry(g: LayerGeometry): LayerGeometry {
  let n: LayerGeometry;
  if (g.kind === 'conv2d') n = conv2dGeometry(g.inputShape, g.weightShape, g);
  else if (g.kind === 'depthwise') n = depthwiseGeometry(g.inputShape, g.weightShape, g);
  else if (g.kind === 'dense') n = denseGeometry(g.inputShape, g.weightShape);
  else throw new ArgumentError(`unknown layer kind '${String((g as LayerGeometry).kind)}'; use 'conv2d', 'depthwise' or 'dense'`);
  if (g.outputShape != null && (g.outputShape.length !== n.outputShape.length || g.outputShape.some((d, i) => d !== n.outputShape[i]))) {
    throw new ShapeError(`geometry outputShape [${g.outputShape.join(', ')}] does not match the computed [${n.outputShape.join(', ')}]`);
  }
  return n;
}

/** Convolution parameters of a conv geometry, defaults filled in and padding explicit. */
export interface ConvParams {
  /** Strides `[sh, sw]`. */
  strides: [number, number];
  /** Dilations `[dh, dw]`. */
  dilations: [number, number];
  /** Padding in pixels `[[top, bottom], [left, right]]`. */
  pad: ExplicitPadding2D;
  /** Groups (1 for ordinary and depthwise convolutions). */
  groups: number;
  /** Kernel size `[KH, KW]` in taps. */
  kernel: [number, number];
}

/**
 * The conv parameters of a conv geometry with defaults filled in and the padding made explicit
 * for the given input height/width (the batch may differ from the nominal one).
 *
 * @example
 * ```ts
 * const { strides, dilations, pad, groups } = convParams(conv2dGeometry([1, 5, 5, 2], [3, 3, 2, 4], { pad: 'same' }));
 * ```
 */
export function convParams(g: LayerGeometry): ConvParams {
  if (g.kind === 'dense') throw new ArgumentError('convParams: a dense geometry has no convolution parameters');
  const strides = pair(g.strides, 'strides');
  const dilations = pair(g.dilations, 'dilations');
  const kernel: [number, number] = [g.weightShape[0], g.weightShape[1]];
  const pad = resolvePadding(g.pad ?? 'valid', [g.inputShape[1], g.inputShape[2]], kernel, strides, dilations);
  return { strides, dilations, pad, groups: g.kind === 'conv2d' ? (g.groups ?? 1) : 1, kernel };
}

/**
 * The weight of a dense or conv2d layer seen as one matrix `[rows, cols]` (its row-major reshape,
 * no copy of values): dense `[I, O]` as is; conv2d HWIO `[KH, KW, C/groups, C']` as
 * `[KH·KW·C/groups, C']`, the rows an output channel reads. Weight-side methods (LoRA's
 * `W + A·B`, WASI's basis; docs/architecture.md §3) re-parameterise this matrix. A depthwise
 * weight `[KH, KW, C, m]` has no such matrix (m outputs per channel): `ArgumentError`.
 *
 * @example
 * ```ts
 * weightMatrixShape(conv2dGeometry([1, 8, 8, 4], [3, 3, 4, 6])); // [36, 6]
 * ```
 */
export function weightMatrixShape(g: LayerGeometry): [number, number] {
  if (g.kind === 'dense') return [g.weightShape[0], g.weightShape[1]];
  if (g.kind === 'conv2d') return [g.weightShape[0] * g.weightShape[1] * g.weightShape[2], g.weightShape[3]];
  throw new ArgumentError(`weightMatrixShape: a ${g.kind} weight [${g.weightShape.join(', ')}] is not a matrix of inputs × output channels; only dense and conv2d weights are`);
}
