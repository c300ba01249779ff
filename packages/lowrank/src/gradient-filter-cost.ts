/**
 * The gradient filter's cost model (docs/method.md §4, §6), beside the method. Paper mode follows
 * the reference code's overhead terms (which divide H, W by r exactly, so the counts may be
 * fractional); a 4-D dense input (no reference formula) is extended with the same terms around
 * the dense vanilla costs.
 *
 * @packageDocumentation
 */
import { ArgumentError } from '@odl/backend';
import { bw, convDims, denseDims, exactLayerTerms, fromTerms, fw, paperLayerTerms, type CostMode, type DetailedLayerCost, type LayerGeometry } from '@odl/core';
import type { GradientFilterOptions } from './gradient-filter';

const DEFAULT_RADIUS = 2;

/** The block grid of the gradient filter and the size of its pooled activation. */
export interface GradientFilterPooled {
  /** Output blocks along the height, ⌈Ho/r⌉. */
  ph: number;
  /** Output blocks along the width, ⌈Wo/r⌉. */
  pw: number;
  /** Rows of the sum-pooled input. */
  xh: number;
  /** Columns of the sum-pooled input. */
  xw: number;
  /** Elements kept: B·C·xh·xw. */
  elements: number;
}

/**
 * Size of the sum-pooled activation the gradient filter keeps on a convolution, following the
 * reference implementation: the output is split into ⌈Ho/r⌉×⌈Wo/r⌉ blocks, each covering
 * (r·s)×(r·s) input pixels of a symmetrically padded input.
 *
 * @param g - a conv2d or depthwise layer
 * @param radius - the block size r in output pixels
 * @example
 * ```ts
 * gradientFilterPooled(conv2dGeometry([2, 8, 8, 3], [3, 3, 3, 4], { pad: 'same' }), 2).elements; // 2·3·4·4 = 96
 * ```
 */
export function gradientFilterPooled(g: LayerGeometry, radius: number): GradientFilterPooled {
  const d = convDims(g);
  const ph = Math.ceil(d.Ho / radius);
  const pw = Math.ceil(d.Wo / radius);
  const oh = radius * d.strides[0];
  const ow = radius * d.strides[1];
  const padH = Math.ceil((ph * oh - d.H) / 2);
  const padW = Math.ceil((pw * ow - d.W) / 2);
  const xh = Math.floor((d.H + 2 * padH - oh) / oh) + 1;
  const xw = Math.floor((d.W + 2 * padW - ow) / ow) + 1;
  return { ph, pw, xh, xw, elements: d.B * d.C * xh * xw };
}

/** Reads the radius (default 2, as the compressor), with a typed error naming the fix. */
function radiusOf(options: GradientFilterOptions | undefined): number {
  const r = options?.radius ?? DEFAULT_RADIUS;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) {
    throw new ArgumentError(`gradient-filter cost needs options.radius, a positive integer patch radius, got ${String(r)}`);
  }
  return r;
}

function fourD(g: LayerGeometry): [number, number, number, number] {
  const d = denseDims(g);
  if (d.shape.length !== 4) throw new ArgumentError(`gradient-filter needs a 4-D dense input [B, H, W, I] (spatial blocks to pool over), got [${d.shape}]`);
  return d.shape as [number, number, number, number];
}

/**
 * Paper-mode cost of the gradient filter. Conv kinds follow the reference; a 4-D dense input
 * `[B, H, W, I]` (no reference formula) is extended with the same terms around the dense vanilla
 * costs; a 2-D or 3-D dense input is refused.
 *
 * @param g - the layer
 * @param options - `{ radius }` (default 2)
 * @example
 * ```ts
 * paperGradientFilter(geometry, { radius: 2 }).activationElements;
 * ```
 */
export function paperGradientFilter(g: LayerGeometry, options: GradientFilterOptions): DetailedLayerCost {
  const r = radiusOf(options);
  if (g.kind === 'dense') {
    const [B, H, W, I] = fourD(g);
    const v = paperLayerTerms(g);
    const O = g.weightShape[1]!;
    return fromTerms(B * Math.ceil(H / r) * Math.ceil(W / r) * I, [
      fw('sum-pool', (H / r) * (W / r) * (r * r - 1) * I * B),
      v.forward,
      bw('gradient-filtering', B * O * (H / r) * (W / r)),
      bw('scalar-multiply', B * O * (H / r) * (W / r)),
      v.weightGradient,
    ]);
  }
  const d = convDims(g);
  const pooled = gradientFilterPooled(g, r);
  return fromTerms(pooled.elements, [
    fw('sum-pool', (d.H / r) * (d.W / r) * (r * r - 1) * d.C * d.B),
    fw('conv', d.KH * d.KW * d.C * d.Cout * d.B * d.H * d.W),
    bw('gradient-filtering', d.B * d.Cout * (d.Ho / r) * (d.Wo / r)),
    bw('weight-sum', d.Cout * d.C * (d.KH * d.KW - 1)),
    bw('scalar-multiply', d.B * d.Cout * (d.Ho / r) * (d.Wo / r)),
    bw('frobenius', d.KH * d.KW * d.C * d.Cout * d.B * d.H * d.W),
  ]);
}

/**
 * Exact-mode cost of the gradient filter: conv2d/depthwise, or dense with a 4-D input
 * `[B, H, W, I]`. Storage is the block-summed input, B·⌈Ho/r⌉·⌈Wo/r⌉·C (the implementation's
 * block grid: ⌈Ho/r⌉ blocks of r·s pixels, centred); the weight gradient is one block-level
 * product shared by every kernel tap; the input gradient is exact (the compressed ops compute it
 * exactly).
 *
 * @param g - the layer
 * @param options - `{ radius }` (default 2)
 * @example
 * ```ts
 * exactGradientFilter(geometry, { radius: 2 }).activationElements;
 * ```
 */
export function exactGradientFilter(g: LayerGeometry, options: GradientFilterOptions): DetailedLayerCost {
  const r = radiusOf(options);
  if (g.kind === 'dense') {
    const [B, H, W, I] = fourD(g);
    const d = denseDims(g);
    const blocks = B * Math.ceil(H / r) * Math.ceil(W / r);
    return fromTerms(blocks * I, [
      fw('matmul', 2 * d.R * I * d.O),
      fw('sum-pool', blocks * I * (r * r - 1)),
      bw('gradient-average-pool', blocks * d.O * r * r),
      bw('weight-gradient', 2 * blocks * I * d.O),
      bw('input-gradient', 2 * d.R * I * d.O),
    ]);
  }
  const d = convDims(g);
  const blocks = d.B * Math.ceil(d.Ho / r) * Math.ceil(d.Wo / r);
  const t = exactLayerTerms(g);
  return fromTerms(blocks * d.C, [
    t.forward,
    fw('sum-pool', blocks * d.C * (r * d.strides[0] * r * d.strides[1] - 1)),
    bw('gradient-average-pool', blocks * d.Cout * r * r),
    bw('weight-gradient', 2 * blocks * d.Cg * d.Cout),
    t.inputGradient,
  ]);
}

/**
 * The cost model of `'gradient-filter'`: {@link paperGradientFilter} or {@link exactGradientFilter}.
 *
 * @example
 * ```ts
 * gradientFilterCost(geometry, { radius: 2 }, 'exact').backwardFlops;
 * ```
 */
export function gradientFilterCost(g: LayerGeometry, options: GradientFilterOptions, mode: CostMode): DetailedLayerCost {
  return mode === 'paper' ? paperGradientFilter(g, options) : exactGradientFilter(g, options);
}
