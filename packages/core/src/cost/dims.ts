import { ShapeError } from '@odl/backend';
import type { LayerGeometry } from '../contract';
import { convOutputSize, resolvePadding } from '../geometry';

/** Every size of a convolution layer the cost formulas need, in NHWC terms. */
export interface ConvDims {
  /** Batch size. */
  B: number;
  /** Input height (pixels). */
  H: number;
  /** Input width (pixels). */
  W: number;
  /** Input channels. */
  C: number;
  /** Output height. */
  Ho: number;
  /** Output width. */
  Wo: number;
  /** Output channels. */
  Cout: number;
  /** Kernel height. */
  KH: number;
  /** Kernel width. */
  KW: number;
  /** Input channels seen by one output channel (`C / groups`; 1 for depthwise). */
  Cg: number;
  /** Number of groups (C for depthwise). */
  groups: number;
  /** True for a depthwise layer. */
  depthwise: boolean;
  /** Strides `[sh, sw]`. */
  strides: [number, number];
  /** Dilations `[dh, dw]`. */
  dilations: [number, number];
  /** Padded input height (H + top + bottom). */
  Hp: number;
  /** Padded input width (W + left + right). */
  Wp: number;
}

/** Sizes of a dense layer: input `[B, ..., I]`, weight `[I, O]`. */
export interface DenseDims {
  /** Input shape. */
  shape: number[];
  /** Batch size. */
  B: number;
  /** Product of the middle axes (tokens or pixels); 1 for 2-D input. */
  M: number;
  /** Input features. */
  I: number;
  /** Output features. */
  O: number;
  /** Rows of the matrix product (`B·M`). */
  R: number;
}

function positiveInts(name: string, v: number[], n: number): void {
  if (!Array.isArray(v) || v.length !== n || v.some((x) => !Number.isInteger(x) || x <= 0)) {
    throw new ShapeError(`${name} must be ${n} positive integers, got [${String(v)}]`);
  }
}

/**
 * Reads the sizes of a conv2d or depthwise geometry and resolves its padding to pixels; throws
 * `ShapeError` when the output does not follow from the input, kernel, strides and padding.
 *
 * @example
 * ```ts
 * const d = convDims({ kind: 'conv2d', inputShape: [8, 7, 7, 16], weightShape: [1, 1, 16, 32], outputShape: [8, 7, 7, 32] });
 * d.Cg; // 16
 * ```
 */
export function convDims(g: LayerGeometry): ConvDims {
  if (g.kind !== 'conv2d' && g.kind !== 'depthwise') throw new ShapeError(`convDims: kind '${g.kind}' is not a convolution`);
  positiveInts('conv inputShape [B, H, W, C]', g.inputShape, 4);
  positiveInts('conv weightShape [KH, KW, Cin, Cout|multiplier]', g.weightShape, 4);
  positiveInts('conv outputShape [B, Ho, Wo, Cout]', g.outputShape, 4);
  const [B, H, W, C] = g.inputShape;
  const [KH, KW, wIn, wOut] = g.weightShape;
  const [Bo, Ho, Wo, Cout] = g.outputShape;
  if (Bo !== B) throw new ShapeError(`conv geometry: output batch ${Bo} differs from input batch ${B}`);
  const depthwise = g.kind === 'depthwise';
  let groups: number;
  let Cg: number;
  if (depthwise) {
    if (wIn !== C || Cout !== C * wOut) {
      throw new ShapeError(`depthwise geometry: weight [${g.weightShape}] needs [KH, KW, ${C}, m] with output channels ${C}·m, got ${Cout}`);
    }
    groups = C;
    Cg = 1;
  } else {
    groups = g.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1 || C % groups !== 0 || Cout % groups !== 0) {
      throw new ShapeError(`conv2d geometry: groups ${groups} must divide input channels ${C} and output channels ${Cout}`);
    }
    Cg = C / groups;
    if (wIn !== Cg || wOut !== Cout) {
      throw new ShapeError(`conv2d geometry: weight [${g.weightShape}] must be [KH, KW, ${Cg}, ${Cout}] (HWIO with C/groups inputs)`);
    }
  }
  const strides: [number, number] = g.strides ?? [1, 1];
  const dilations: [number, number] = g.dilations ?? [1, 1];
  const pad = g.pad ?? 'valid';
  // @odl/core's convolution arithmetic (tfjs rules): the padding in pixels and the output size it gives.
  const [[pt, pb], [pl, pr]] = resolvePadding(pad, [H, W], [KH, KW], strides, dilations);
  const padH = pt + pb;
  const padW = pl + pr;
  const [eh, ew] = convOutputSize([H, W], [KH, KW], strides, dilations, pad);
  if (eh !== Ho || ew !== Wo) {
    throw new ShapeError(
      `conv geometry: output ${Ho}×${Wo} does not follow from input ${H}×${W}, kernel ${KH}×${KW}, strides [${strides}], dilations [${dilations}] and padding ${JSON.stringify(pad)}`,
    );
  }
  return { B, H, W, C, Ho, Wo, Cout, KH, KW, Cg, groups, depthwise, strides, dilations, Hp: H + padH, Wp: W + padW };
}

/**
 * Reads the sizes of a dense geometry (2-D, 3-D or 4-D input).
 *
 * @example
 * ```ts
 * denseDims({ kind: 'dense', inputShape: [4, 10, 32], weightShape: [32, 8], outputShape: [4, 10, 8] }).R; // 40
 * ```
 */
export function denseDims(g: LayerGeometry): DenseDims {
  if (g.kind !== 'dense') throw new ShapeError(`denseDims: kind '${g.kind}' is not dense`);
  const shape = g.inputShape;
  if (!Array.isArray(shape) || shape.length < 2 || shape.length > 4 || shape.some((x) => !Number.isInteger(x) || x <= 0)) {
    throw new ShapeError(`dense inputShape must be 2 to 4 positive integers ([B, I], [B, N, I] or [B, H, W, I]), got [${String(shape)}]`);
  }
  positiveInts('dense weightShape [I, O]', g.weightShape, 2);
  const I = shape[shape.length - 1];
  const [wI, O] = g.weightShape;
  if (wI !== I) throw new ShapeError(`dense geometry: weight [${g.weightShape}] must have ${I} input rows`);
  const out = g.outputShape;
  if (out.length !== shape.length || out[out.length - 1] !== O || out.slice(0, -1).some((v, i) => v !== shape[i])) {
    throw new ShapeError(`dense geometry: outputShape [${out}] must be [${shape.slice(0, -1)}, ${O}]`);
  }
  const B = shape[0];
  const M = shape.slice(1, -1).reduce((a, b) => a * b, 1);
  return { shape, B, M, I, O, R: B * M };
}

/**
 * Product of a list of sizes (1 for an empty list).
 *
 * @example
 * ```ts
 * prod([2, 3, 4]); // 24
 * ```
 */
export function prod(v: readonly number[]): number {
  return v.reduce((a, b) => a * b, 1);
}
