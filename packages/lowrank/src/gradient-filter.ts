import { tf } from '@odl/backend';
import {
  normalizeGeometry,
  SPECIFICATION_VERSION,
  type ActivationMethodPlugin,
  type CompressedActivation,
  type CompressorState,
  type LayerCompressor,
  type LayerGeometry,
  type OptionSpec,
} from '@odl/core';
import { LowrankOptionError } from './errors';
import { gradientFilterCost } from './gradient-filter-cost';
import { blockMean, blockSum, centredBlocks, type AxisBlocks } from './internal/blocks';
import { checkInput, FLOAT32_BYTES } from './internal/input-check';
import { checkKind, checkKnownKeys, checkRadius } from './internal/options';
import { rejectNonEmptyState } from './internal/stateless';

/** Options of the `'gradient-filter'` method. */
export interface GradientFilterOptions {
  /** Block size r in output pixels (the paper's "radius"/order), an integer ≥ 1. Default 2. */
  radius?: number;
}

const METHOD = 'gradient-filter';
const DEFAULT_RADIUS = 2;
const SUPPORTS = ['conv2d', 'depthwise', 'dense'] as const;

/**
 * The options `'gradient-filter'` declares (docs/architecture.md §3): `radius`.
 *
 * @example
 * ```ts
 * GRADIENT_FILTER_OPTIONS[0].default; // 2
 * ```
 */
export const GRADIENT_FILTER_OPTIONS: readonly OptionSpec[] = [
  { name: 'radius', type: 'integer', default: DEFAULT_RADIUS, min: 1, doc: 'block size r in output pixels: the input is sum-pooled over (r·s)×(r·s) blocks, dy averaged over r×r' },
];

/**
 * Why the gradient filter cannot serve a layer, or `null` when it can: a dense layer needs a 4-D
 * input `[B, H, W, I]` (spatial blocks to pool over).
 *
 * @example
 * ```ts
 * gradientFilterUnsupportedReason(denseGeometry([32, 160], [160, 5])); // 'dense layers need a 4-D input …'
 * ```
 */
export function gradientFilterUnsupportedReason(geometry: LayerGeometry): string | null {
  if (geometry.kind !== 'dense' || geometry.inputShape.length === 4) return null;
  return (
    `dense layers need a 4-D input [B, H, W, I] (spatial blocks to pool over); got a rank-${geometry.inputShape.length} input. ` +
    "Use 'hosvd' or 'svd' for 2-D/3-D dense inputs"
  );
}

/** The block grids of a layer under the gradient filter. */
export interface GradientFilterPlan {
  /** Blocks of the input rows: ⌈H'/r⌉ blocks of r·s_h pixels, centred on the input. */
  inputRows: AxisBlocks;
  /** Blocks of the input columns: ⌈W'/r⌉ blocks of r·s_w pixels, centred. */
  inputCols: AxisBlocks;
  /** Blocks of the output rows: ⌈H'/r⌉ blocks of r pixels, centred. */
  outputRows: AxisBlocks;
  /** Blocks of the output columns: ⌈W'/r⌉ blocks of r pixels, centred. */
  outputCols: AxisBlocks;
}

/**
 * The block grids the gradient filter uses for a layer (exported so tests and the profiler can
 * reproduce the approximation). With H, W the input and H', W' the output size, s the stride:
 * p_h = ⌈H'/r⌉ row blocks; input block i covers rows [i·r·s_h − o_h, (i+1)·r·s_h − o_h) with
 * o_h = ⌈(p_h·r·s_h − H)/2⌉ (negative o_h crops); output block i covers rows
 * [i·r − g_h, (i+1)·r − g_h) with g_h = ⌈(p_h·r − H')/2⌉; likewise for columns.
 * Dense layers need a 4-D input [B, H, W, I] and use s = 1, H' = H.
 *
 * @example
 * ```ts
 * const plan = gradientFilterPlan(conv2dGeometry([2, 8, 8, 3], [3, 3, 3, 4], { pad: 'same' }), 2);
 * plan.inputRows; // { blocks: 4, size: 2, offset: 0, extent: 8 }
 * ```
 */
export function gradientFilterPlan(geometry: LayerGeometry, radius: number): GradientFilterPlan {
  const reason = gradientFilterUnsupportedReason(geometry);
  if (reason != null) throw new LowrankOptionError(METHOD, 'geometry', reason);
  const [, h, w] = geometry.inputShape;
  const [, ho, wo] = geometry.outputShape;
  const [sh, sw] = geometry.kind === 'dense' ? [1, 1] : (geometry.strides ?? [1, 1]);
  const ph = Math.ceil(ho / radius);
  const pw = Math.ceil(wo / radius);
  return {
    inputRows: centredBlocks(ph, radius * sh, h),
    inputCols: centredBlocks(pw, radius * sw, w),
    outputRows: centredBlocks(ph, radius, ho),
    outputCols: centredBlocks(pw, radius, wo),
  };
}

/**
 * One layer's gradient-filter compressor (Yang et al., CVPR 2023). Forward keeps only
 * X̄ = the input sum-pooled over (r·s)×(r·s) blocks (B × p_h × p_w × C elements). Backward
 * averages dy over r × r blocks (Ḡ, dividing by the number of real pixels of each block) and
 * gives every kernel tap the same block-level product:
 *
 *   ΔΘ[kh, kw, c, o] = Σ_{b, i, j} X̄[b, i, j, c] · Ḡ[b, i, j, o]   for all (kh, kw)
 *
 * (depthwise: o = c·M + m pairs with channel c; groups: o pairs with its group's channels;
 * dense 4-D: the same product without taps). This is the exact gradient when dy is constant on
 * each r × r block, the stride is 1, the kernel is 1 × 1 and the blocks align with the output;
 * otherwise it also ignores each tap's shift (and the dilation). For stride s > 1 the block sum
 * covers (r·s)² pixels where the exact tap sum samples r², so the value is s_h·s_w times that of
 * a smooth input's exact gradient: this follows the published reference implementation.
 * The input gradient is not approximated (our ops compute it exactly).
 *
 * @example
 * ```ts
 * const c = gradientFilterPlugin.create(conv2dGeometry([2, 8, 8, 3], [3, 3, 3, 4], { pad: 'same' }), { radius: 2 });
 * const saved = c.compress(tf.randomNormal([2, 8, 8, 3])); // one [2, 4, 4, 3] tensor
 * ```
 */
export class GradientFilterCompressor implements LayerCompressor {
  /** Always `'gradient-filter'`. */
  readonly method = METHOD;
  /** The layer this compressor serves. */
  readonly geometry: LayerGeometry;
  /** Block size r in output pixels. */
  readonly radius: number;
  /** The block grids (see {@link gradientFilterPlan}). */
  readonly plan: GradientFilterPlan;

  /** Use {@link gradientFilterPlugin}.create, which validates the options. */
  constructor(geometry: LayerGeometry, radius: number) {
    this.geometry = normalizeGeometry(geometry);
    this.radius = radius;
    this.plan = gradientFilterPlan(this.geometry, radius);
  }

  /** Returns `[X̄]`, the block-summed input [B, p_h, p_w, C]. */
  compress(input: tf.Tensor): CompressedActivation {
    checkInput(METHOD, this.geometry, input);
    const pooled = blockSum(input as tf.Tensor4D, this.plan.inputRows, this.plan.inputCols);
    return { tensors: [pooled], meta: { radius: this.radius, inputShape: [...input.shape] }, elements: pooled.size, bytes: pooled.size * FLOAT32_BYTES };
  }

  /** The block-level weight gradient described on the class, broadcast to every kernel tap. */
  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    const [pooled] = saved.tensors;
    const g = this.geometry;
    return tf.tidy(() => {
      const gbar = blockMean(dy as tf.Tensor4D, this.plan.outputRows, this.plan.outputCols);
      const channels = pooled.shape[3] as number;
      const outChannels = gbar.shape[3] as number;
      const x = tf.reshape(pooled, [-1, channels]);
      const gy = tf.reshape(gbar, [-1, outChannels]);
      let tap: tf.Tensor2D;
      if (g.kind === 'depthwise') {
        const multiplier = g.weightShape[3];
        const product = tf.mul(tf.expandDims(x, 2), tf.reshape(gy, [-1, channels, multiplier]));
        tap = tf.sum(product, 0) as tf.Tensor2D;
      } else {
        const groups = g.kind === 'conv2d' ? (g.groups ?? 1) : 1;
        const cg = channels / groups;
        const og = outChannels / groups;
        const parts: tf.Tensor2D[] = [];
        for (let q = 0; q < groups; q++) {
          const xq = groups === 1 ? x : tf.slice(x, [0, q * cg], [-1, cg]);
          const gq = groups === 1 ? gy : tf.slice(gy, [0, q * og], [-1, og]);
          parts.push(tf.matMul(tf.transpose(xq), gq));
        }
        tap = groups === 1 ? parts[0] : tf.concat(parts, 1);
      }
      if (g.kind === 'dense') return tap;
      const [kh, kw] = g.weightShape;
      return tf.tile(tf.reshape(tap, [1, 1, tap.shape[0], tap.shape[1]]), [kh, kw, 1, 1]);
    });
  }

  /** Stateless: `null`. */
  getState(): CompressorState | null {
    return null;
  }

  /** Stateless: accepts only an empty state. */
  setState(state: CompressorState): void {
    rejectNonEmptyState(METHOD, state);
  }

  /** Nothing to release. */
  dispose(): void {}
}

/**
 * Gradient filtering (Yang et al., CVPR 2023) with block size `radius`: stores the input
 * sum-pooled over (r·s)×(r·s) blocks and forms a patch-constant weight gradient (see
 * {@link GradientFilterCompressor}). Supports conv2d (grouped too), depthwise and 4-D dense
 * inputs (`unsupportedReason` says why a 2-D/3-D dense input is not served). Options:
 * {@link GradientFilterOptions} ({@link GRADIENT_FILTER_OPTIONS}).
 *
 * @example
 * ```ts
 * registerLowrank();
 * const compressor = createLayerCompressor('gradient-filter', geometry, { radius: 2 });
 * ```
 */
export const gradientFilterPlugin: ActivationMethodPlugin<GradientFilterOptions> = {
  specificationVersion: SPECIFICATION_VERSION,
  name: METHOD,
  description: 'Gradient filter (Yang et al. 2023): block-summed input, block-averaged output gradient, tap-invariant weight gradient',
  supports: SUPPORTS,
  options: GRADIENT_FILTER_OPTIONS,
  create(geometry: LayerGeometry, options: GradientFilterOptions = {}): LayerCompressor {
    checkKnownKeys(METHOD, options, GRADIENT_FILTER_OPTIONS);
    const radius = checkRadius(METHOD, options.radius, DEFAULT_RADIUS);
    checkKind(METHOD, geometry, SUPPORTS);
    return new GradientFilterCompressor(geometry, radius);
  },
  cost: gradientFilterCost,
  unsupportedReason: gradientFilterUnsupportedReason,
};
