// The cost models of HOSVD_ε, SVD_ε and the gradient filter (moved from @odl/profiler with every
// reference value). Reference values are computed by hand in the test titles and comments.
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@odl/backend';
import { unsupportedReason, type LayerGeometry } from '@odl/core';
import {
  exactGradientFilter,
  exactHosvd,
  exactSvd,
  gradientFilterPlugin,
  gradientFilterPooled,
  hosvdPlugin,
  paperGradientFilter,
  paperHosvd,
  paperSvd,
  svdPlugin,
  svdShape,
} from '../src';

/** MCUNet's last expand conv at 224×224, batch 128 (the paper's worked example). */
const worked: LayerGeometry = { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576], strides: [1, 1], pad: 'valid' };
const small: LayerGeometry = { kind: 'conv2d', inputShape: [2, 4, 4, 3], weightShape: [3, 3, 3, 5], outputShape: [2, 4, 4, 5], pad: [[1, 1], [1, 1]] };

describe('paper mode', () => {
  it('HOSVD conv: forward = vanilla + Σ_n max(d,m)²·min(d,m) over the 4 unfoldings', () => {
    // B: 4704²·128 = 2832334848; H, W: 86016²·7 = 51791265792 each; C: 6272²·96 = 3776446464
    // sum = 110191312896; + 346816512 = 110538129408. Backward = the ASI formula = 16653200
    const c = paperHosvd(worked, { ranks: [4, 4, 4, 13] });
    expect(c.forwardFlops).toBe(110_538_129_408);
    expect(c.backwardFlops).toBe(16_653_200);
    expect(c.activationElements).toBe(2648);
    expect(hosvdPlugin.cost(worked, { ranks: [4, 4, 4, 13] }, 'paper')).toEqual(c);
  });

  it('HOSVD dense 4-D (B=1, H=W=2, I=3, O=2, ranks all 1): its own reference contraction', () => {
    // elements 1 + (1 + 2 + 2 + 3) = 9
    // forward: 1·2·2·2·(2·3−1) = 40; SVDs max·min² over (1, 12), (2, 6), (2, 6), (3, 4): 12 + 24 + 24 + 36 = 96 → 136
    // backward: B·H·K3·O·W = 1·2·1·2·2 = 8; K1·H·K3·K4·K2 = 2; B·H·K3·K4·K1 = 2; B·H·K3·C·K4 = 6; B·H·C·O·K3 = 12 → 30
    const g: LayerGeometry = { kind: 'dense', inputShape: [1, 2, 2, 3], weightShape: [3, 2], outputShape: [1, 2, 2, 2] };
    const c = paperHosvd(g, { ranks: [1, 1, 1, 1] });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([9, 136, 30]);
  });

  it('gradient filter r=2 (B=2, 8×8, C=3→4, 3×3 pad 1)', () => {
    // pooled 2·3·4·4 = 96 elements
    // forward: (8/2)(8/2)(4−1)·3·2 = 288 + 9·3·4·2·64 = 13824 → 14112
    // backward: 2·4·4·4 = 128 (filtering) + 4·3·8 = 96 + 128 (scalar) + 13824 (frobenius) = 14176
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [2, 8, 8, 3], weightShape: [3, 3, 3, 4], outputShape: [2, 8, 8, 4], pad: [[1, 1], [1, 1]] };
    const c = paperGradientFilter(g, { radius: 2 });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([96, 14_112, 14_176]);
    expect(gradientFilterPooled(g, 2)).toEqual({ ph: 4, pw: 4, xh: 4, xw: 4, elements: 96 });
    expect(gradientFilterPlugin.cost(g, { radius: 2 }, 'paper')).toEqual(c);
  });

  it('SVD conv (B=4, 2×2×3, rank 2): 4·2 + 12·2 = 32 elements; fwd 96 + 12²·4 = 672; bwd 4·2·12 + 96 = 192', () => {
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [4, 2, 2, 3], weightShape: [1, 1, 3, 2], outputShape: [4, 2, 2, 2] };
    const c = paperSvd(g, { rank: 2 });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([32, 672, 192]);
    expect(svdPlugin.cost(g, { rank: 2 }, 'paper')).toEqual(c);
  });
});

describe('exact mode', () => {
  it('HOSVD conv: Gram 2·N·d_n and 9·d_n³ eigen per mode, same backward as ASI', () => {
    // Gram 2·96·(2+4+4+3) = 2496; eig 9·(8+64+64+27) = 1467; core 528; conv 8640 → 13131
    const c = exactHosvd(small, { ranks: [1, 2, 2, 2] });
    expect([c.forwardFlops, c.backwardFlops]).toEqual([13_131, 12_764]);
    expect(hosvdPlugin.cost(small, { ranks: [1, 2, 2, 2] }, 'exact')).toEqual(c);
  });

  it('gradient filter r=2 (B=2, 8×8, C=3→4, 3×3 pad 1)', () => {
    // forward: conv 2·2·64·4·9·3 = 27648 + sum-pool 2·3·16·(4−1) = 288 → 27936
    // backward: avg-pool 2·4·16·4 = 512; ΔW 2·32·3·4 = 768; exact input gradient 27648 → 28928
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [2, 8, 8, 3], weightShape: [3, 3, 3, 4], outputShape: [2, 8, 8, 4], pad: [[1, 1], [1, 1]] };
    const c = exactGradientFilter(g, { radius: 2 });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([96, 27_936, 28_928]);
    // the cost counts the compressor's default radius (2) when none is given
    expect(gradientFilterPlugin.cost(g, {}, 'exact')).toEqual(c);
  });

  it('gradient filter stride 2 pools (r·s)² input pixels per block', () => {
    // Ho = 4 → ⌈4/2⌉ = 2 blocks per axis of 4×4 input pixels → 1·2·2·2 = 8 elements; sum-pool 8·(16 − 1) = 120
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [1, 8, 8, 2], weightShape: [3, 3, 2, 2], outputShape: [1, 4, 4, 2], strides: [2, 2], pad: [[1, 1], [1, 1]] };
    const c = exactGradientFilter(g, { radius: 2 });
    expect(c.activationElements).toBe(8);
    expect(c.terms.find((t) => t.name === 'sum-pool')!.flops).toBe(120);
  });

  it('gradient filter on a 4-D dense input (B=1, 4×4, I=3, O=2, r=2)', () => {
    // 2×2 blocks → 1·2·2·3 = 12 elements; forward 2·16·3·2 = 192 + 4·3·3 = 36 → 228
    // backward: avg-pool 4·2·4 = 32; ΔW 2·4·3·2 = 48; input 192 → 272
    const g: LayerGeometry = { kind: 'dense', inputShape: [1, 4, 4, 3], weightShape: [3, 2], outputShape: [1, 4, 4, 2] };
    const c = exactGradientFilter(g, { radius: 2 });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([12, 228, 272]);
  });

  it('SVD conv (B=4, M=12, rank 2): Gram 384 + eig 576 + 2·4·12·2 + 12·2 = 216 + conv 192 = 1368; backward 192·3 = 576', () => {
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [4, 2, 2, 3], weightShape: [1, 1, 3, 2], outputShape: [4, 2, 2, 2] };
    const c = exactSvd(g, { rank: 2 });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([32, 1368, 576]);
    expect(svdShape([4, 2, 2, 3], 2)).toEqual({ B: 4, M: 12, k: 2, elements: 32 });
  });
});

describe('errors', () => {
  it('the ε methods need their measured ranks / rank; the filter refuses 2-D and 3-D dense inputs', () => {
    expect(() => hosvdPlugin.cost(small, {}, 'exact')).toThrow(ArgumentError);
    expect(() => hosvdPlugin.cost(small, {}, 'exact')).toThrow(/hosvd cost needs options.ranks/);
    expect(() => hosvdPlugin.cost(small, { ranks: [1, 2] }, 'paper')).toThrow(/one rank per axis/);
    expect(() => svdPlugin.cost(small, {}, 'paper')).toThrow(/svd cost needs options.rank/);
    const dense2d: LayerGeometry = { kind: 'dense', inputShape: [2, 3], weightShape: [3, 1], outputShape: [2, 1] };
    expect(() => gradientFilterPlugin.cost(dense2d, { radius: 2 }, 'exact')).toThrow(/4-D dense input/);
    expect(() => gradientFilterPlugin.cost(dense2d, { radius: 2 }, 'paper')).toThrow(/4-D dense input/);
    expect(unsupportedReason(gradientFilterPlugin, dense2d)).toMatch(/dense layers need a 4-D input/);
    expect(unsupportedReason(gradientFilterPlugin, { kind: 'dense', inputShape: [2, 3, 4, 3], weightShape: [3, 1], outputShape: [2, 3, 4, 1] })).toBeNull();
    expect(unsupportedReason(gradientFilterPlugin, small)).toBeNull();
  });
});
