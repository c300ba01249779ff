// Slow, obvious Float64 references for convolution and dense gradients (plain loops, no tfjs, no
// odl code). Output sizes and paddings follow TensorFlow's documented rules, derived here
// independently of tfjs and of @odl/core's geometry.
import type { tf } from '@odl/backend';

/**
 * A convolution's padding in any of the forms the tests use: `'same'`, `'valid'`, tfjs' number
 * (that many zeros on every side), odl's `[[top, bottom], [left, right]]` or tfjs'
 * `[[0, 0], [top, bottom], [left, right], [0, 0]]`.
 */
export type RefPad = 'same' | 'valid' | number | [[number, number], [number, number]] | [[number, number], [number, number], [number, number], [number, number]];

/** Everything the reference loops need about one NHWC convolution. */
export interface RefGeom {
  b: number; h: number; w: number; c: number;
  kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number;
  oh: number; ow: number; top: number; left: number;
}

/** The fields of a layer geometry the references read (structurally odl's `LayerGeometry`). */
export interface GeometryLike {
  kind: 'conv2d' | 'depthwise' | 'dense';
  inputShape: number[];
  weightShape: number[];
  strides?: [number, number];
  dilations?: [number, number];
  pad?: RefPad;
  groups?: number;
}

function axis(inLen: number, k: number, s: number, d: number, pad: RefPad, ax: 0 | 1): { out: number; before: number } {
  const eff = (k - 1) * d + 1;
  if (pad === 'valid') return { out: Math.ceil((inLen - eff + 1) / s), before: 0 };
  if (pad === 'same') {
    const out = Math.ceil(inLen / s);
    const total = Math.max(0, (out - 1) * s + eff - inLen);
    return { out, before: Math.floor(total / 2) };
  }
  if (typeof pad === 'number') return { out: Math.floor((inLen + 2 * pad - eff) / s) + 1, before: pad };
  const [before, after] = pad.length === 4 ? pad[ax + 1]! : pad[ax]!;
  return { out: Math.floor((inLen + before + after - eff) / s) + 1, before };
}

/**
 * The geometry of a convolution of an NHWC input `x` with a `k` kernel, strides `s`, dilations
 * `d` and padding `pad`: output size and top/left padding.
 *
 * @example
 * ```ts
 * refGeom([1, 7, 7, 3], [3, 3], [2, 2], [1, 1], 'same'); // oh = ow = 4, top = left = 1
 * ```
 */
export function refGeom(x: readonly number[], k: readonly [number, number], s: readonly [number, number], d: readonly [number, number], pad: RefPad): RefGeom {
  const ah = axis(x[1]!, k[0], s[0], d[0], pad, 0);
  const aw = axis(x[2]!, k[1], s[1], d[1], pad, 1);
  return {
    b: x[0]!, h: x[1]!, w: x[2]!, c: x[3]!, kh: k[0], kw: k[1], sh: s[0], sw: s[1], dh: d[0], dw: d[1],
    oh: ah.out, ow: aw.out, top: ah.before, left: aw.before,
  };
}

/** Calls f(b, i, j, r, q, ki, kj) for every output pixel and kernel tap that reads input (r, q). */
function forEachTap(g: RefGeom, f: (b: number, i: number, j: number, r: number, q: number, ki: number, kj: number) => void): void {
  for (let b = 0; b < g.b; b++)
    for (let i = 0; i < g.oh; i++)
      for (let j = 0; j < g.ow; j++)
        for (let ki = 0; ki < g.kh; ki++) {
          const r = i * g.sh + ki * g.dh - g.top;
          if (r < 0 || r >= g.h) continue;
          for (let kj = 0; kj < g.kw; kj++) {
            const q = j * g.sw + kj * g.dw - g.left;
            if (q < 0 || q >= g.w) continue;
            f(b, i, j, r, q, ki, kj);
          }
        }
}

/**
 * dW[ki,kj,c,o] = Σ x[b,r,q,g·Cg+c]·dy[b,i,j,o] of a conv2d with `co` output channels in `groups`
 * groups (weight `[KH, KW, C/groups, co]`).
 *
 * @example
 * ```ts
 * const ref = refConvWeightGrad(refGeom(xShape, [3, 3], [1, 1], [1, 1], 'same'), 8, x, dy);
 * ```
 */
export function refConvWeightGrad(g: RefGeom, co: number, x: ArrayLike<number>, dy: ArrayLike<number>, groups = 1): Float64Array {
  const cg = g.c / groups;
  const og = co / groups;
  const out = new Float64Array(g.kh * g.kw * cg * co);
  forEachTap(g, (b, i, j, r, q, ki, kj) => {
    const xo = ((b * g.h + r) * g.w + q) * g.c;
    const yo = ((b * g.oh + i) * g.ow + j) * co;
    const wo = (ki * g.kw + kj) * cg * co;
    for (let o = 0; o < co; o++) {
      const x0 = xo + Math.floor(o / og) * cg;
      for (let c = 0; c < cg; c++) out[wo + c * co + o] += x[x0 + c]! * dy[yo + o]!;
    }
  });
  return out;
}

/**
 * dx[b,r,q,c] = Σ dy[b,i,j,o]·W[ki,kj,c,o] of a conv2d (groups = 1) with `co` output channels.
 *
 * @example
 * ```ts
 * const ref = refConvInputGrad(g, 8, dy, w);
 * ```
 */
export function refConvInputGrad(g: RefGeom, co: number, dy: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.b * g.h * g.w * g.c);
  forEachTap(g, (b, i, j, r, q, ki, kj) => {
    const xo = ((b * g.h + r) * g.w + q) * g.c;
    const yo = ((b * g.oh + i) * g.ow + j) * co;
    const wo = (ki * g.kw + kj) * g.c * co;
    for (let c = 0; c < g.c; c++) for (let o = 0; o < co; o++) out[xo + c] += dy[yo + o]! * w[wo + c * co + o]!;
  });
  return out;
}

/**
 * Depthwise, multiplier m: dW[ki,kj,c,k] = Σ x[b,r,q,c]·dy[b,i,j,c·m+k].
 *
 * @example
 * ```ts
 * const ref = refDepthwiseWeightGrad(g, 1, x, dy);
 * ```
 */
export function refDepthwiseWeightGrad(g: RefGeom, m: number, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.kh * g.kw * g.c * m);
  forEachTap(g, (b, i, j, r, q, ki, kj) => {
    const xo = ((b * g.h + r) * g.w + q) * g.c;
    const yo = ((b * g.oh + i) * g.ow + j) * g.c * m;
    const wo = (ki * g.kw + kj) * g.c * m;
    for (let c = 0; c < g.c; c++) for (let k = 0; k < m; k++) out[wo + c * m + k] += x[xo + c]! * dy[yo + c * m + k]!;
  });
  return out;
}

/**
 * Depthwise, multiplier m: dx[b,r,q,c] = Σ dy[b,i,j,c·m+k]·W[ki,kj,c,k].
 *
 * @example
 * ```ts
 * const ref = refDepthwiseInputGrad(g, 1, dy, w);
 * ```
 */
export function refDepthwiseInputGrad(g: RefGeom, m: number, dy: ArrayLike<number>, w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.b * g.h * g.w * g.c);
  forEachTap(g, (b, i, j, r, q, ki, kj) => {
    const xo = ((b * g.h + r) * g.w + q) * g.c;
    const yo = ((b * g.oh + i) * g.ow + j) * g.c * m;
    const wo = (ki * g.kw + kj) * g.c * m;
    for (let c = 0; c < g.c; c++) for (let k = 0; k < m; k++) out[xo + c] += dy[yo + c * m + k]! * w[wo + c * m + k]!;
  });
  return out;
}

/**
 * dW[i,o] = Σ_rows x[r,i]·dy[r,o] of a dense layer on any leading axes.
 *
 * @example
 * ```ts
 * const ref = refDenseWeightGrad(x.dataSync(), dy.dataSync(), 64, 10);
 * ```
 */
export function refDenseWeightGrad(x: ArrayLike<number>, dy: ArrayLike<number>, inFeatures: number, outFeatures: number): Float64Array {
  const rows = x.length / inFeatures;
  const out = new Float64Array(inFeatures * outFeatures);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < inFeatures; i++) {
      const xi = x[r * inFeatures + i]!;
      for (let o = 0; o < outFeatures; o++) out[i * outFeatures + o] += xi * dy[r * outFeatures + o]!;
    }
  return out;
}

/**
 * The weight gradient of a layer (conv2d with groups, depthwise with any multiplier, dense on
 * 2-D to 4-D inputs) for input `x` and output gradient `dy`, from the definition. The batch is
 * read from `x`, everything else from the geometry.
 *
 * @example
 * ```ts
 * expect(relFro(dw, refWeightGradient(geometry, x, dy))).toBeLessThan(1e-5);
 * ```
 */
export function refWeightGradient(geometry: GeometryLike, x: tf.Tensor, dy: tf.Tensor): Float64Array {
  const xs = x.dataSync();
  const ds = dy.dataSync();
  const [KH, KW, , WO] = geometry.weightShape as [number, number, number, number];
  if (geometry.kind === 'dense') return refDenseWeightGrad(xs, ds, geometry.weightShape[0]!, geometry.weightShape[1]!);
  const g = refGeom(x.shape, [KH, KW], geometry.strides ?? [1, 1], geometry.dilations ?? [1, 1], geometry.pad ?? 'valid');
  if (geometry.kind === 'depthwise') return refDepthwiseWeightGrad(g, WO, xs, ds);
  return refConvWeightGrad(g, WO, xs, ds, geometry.groups ?? 1);
}
