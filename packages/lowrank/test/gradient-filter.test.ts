import { setupBackend, tf } from '@odl/backend';
import type { LayerGeometry } from '@odl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradientFilterCompressor, gradientFilterPlan, gradientFilterPlugin, LowrankOptionError } from '../src';
import { refWeightGradient, relFro } from '@odl/test-utils';
import { convGeometry, denseGeometry, randn } from './helpers';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

/**
 * The gradient-filter approximation written out with plain Float64 loops, from its definition:
 * p = ⌈H'/r⌉ blocks per axis; input block i = rows [i·r·s − o, (i+1)·r·s − o), o = ⌈(p·r·s − H)/2⌉,
 * summed (outside rows count 0); output block i = rows [i·r − q, (i+1)·r − q), q = ⌈(p·r − H')/2⌉,
 * averaged over its real pixels; ΔΘ[kh, kw, c, o] = Σ_{b,i,j} X̄[b,i,j,c]·Ḡ[b,i,j,o] for every tap.
 */
function referenceF64(g: LayerGeometry, r: number, x: tf.Tensor, dy: tf.Tensor): Float64Array {
  const xs = x.dataSync();
  const gs = dy.dataSync();
  const [B, H, W, C] = x.shape;
  const [, Ho, Wo, Co] = dy.shape;
  const [sh, sw] = g.kind === 'dense' ? [1, 1] : (g.strides ?? [1, 1]);
  const ph = Math.ceil(Ho / r);
  const pw = Math.ceil(Wo / r);
  const oh = Math.ceil((ph * r * sh - H) / 2);
  const ow = Math.ceil((pw * r * sw - W) / 2);
  const qh = Math.ceil((ph * r - Ho) / 2);
  const qw = Math.ceil((pw * r - Wo) / 2);
  const xbar = new Float64Array(B * ph * pw * C);
  const gbar = new Float64Array(B * ph * pw * Co);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < ph; i++)
      for (let j = 0; j < pw; j++) {
        const at = (b * ph + i) * pw + j;
        for (let y = i * r * sh - oh; y < (i + 1) * r * sh - oh; y++)
          for (let z = j * r * sw - ow; z < (j + 1) * r * sw - ow; z++) {
            if (y < 0 || y >= H || z < 0 || z >= W) continue;
            for (let c = 0; c < C; c++) xbar[at * C + c] += xs[((b * H + y) * W + z) * C + c];
          }
        let count = 0;
        for (let y = i * r - qh; y < (i + 1) * r - qh; y++)
          for (let z = j * r - qw; z < (j + 1) * r - qw; z++) {
            if (y < 0 || y >= Ho || z < 0 || z >= Wo) continue;
            count++;
            for (let o = 0; o < Co; o++) gbar[at * Co + o] += gs[((b * Ho + y) * Wo + z) * Co + o];
          }
        for (let o = 0; o < Co; o++) gbar[at * Co + o] /= count;
      }
  const n = B * ph * pw;
  const [KH, KW, WC, WO] = g.kind === 'dense' ? [1, 1, g.weightShape[0], g.weightShape[1]] : g.weightShape;
  const groups = g.kind === 'conv2d' ? (g.groups ?? 1) : 1;
  const tap = new Float64Array(WC * WO);
  for (let p = 0; p < n; p++)
    for (let c = 0; c < WC; c++)
      for (let o = 0; o < WO; o++) {
        if (g.kind === 'depthwise') tap[c * WO + o] += xbar[p * C + c] * gbar[p * Co + c * WO + o];
        else tap[c * WO + o] += xbar[p * C + Math.floor(o / (Co / groups)) * WC + c] * gbar[p * Co + o];
      }
  const out = new Float64Array(KH * KW * WC * WO);
  for (let t = 0; t < KH * KW; t++) out.set(tap, t * WC * WO);
  return out;
}

const CASES: { name: string; geometry: LayerGeometry; radius: number }[] = [
  { name: 'conv2d 3x3 s1 same r2', geometry: convGeometry('conv2d', [2, 8, 8, 3], [3, 3, 3, 4], { pad: 'same' }), radius: 2 },
  { name: 'conv2d 3x3 s1 same r2, odd size', geometry: convGeometry('conv2d', [2, 7, 9, 3], [3, 3, 3, 4], { pad: 'same' }), radius: 2 },
  { name: 'conv2d 3x3 s2 same r2, odd size', geometry: convGeometry('conv2d', [2, 9, 11, 3], [3, 3, 3, 5], { strides: [2, 2], pad: 'same' }), radius: 2 },
  { name: 'conv2d 3x3 s1 valid r3 (cropped blocks)', geometry: convGeometry('conv2d', [2, 10, 9, 2], [3, 3, 2, 3]), radius: 3 },
  { name: 'conv2d explicit pad, dilation 2, r2', geometry: convGeometry('conv2d', [1, 9, 9, 2], [3, 3, 2, 3], { pad: [[2, 2], [1, 3]], dilations: [2, 2] }), radius: 2 },
  { name: 'conv2d 1x1 r4', geometry: convGeometry('conv2d', [2, 6, 6, 4], [1, 1, 4, 3]), radius: 4 },
  { name: 'grouped conv2d r2', geometry: convGeometry('conv2d', [2, 6, 6, 4], [3, 3, 2, 6], { pad: 'same', groups: 2 }), radius: 2 },
  { name: 'depthwise 3x3 s2 same r2, multiplier 2', geometry: convGeometry('depthwise', [2, 9, 9, 3], [3, 3, 3, 2], { strides: [2, 2], pad: 'same' }), radius: 2 },
  { name: 'dense 4-D r2', geometry: denseGeometry([2, 5, 6, 4], 3), radius: 2 },
];

describe('gradient filter', () => {
  for (const { name, geometry, radius } of CASES) {
    it(`matches its Float64 reference: ${name}`, () => {
      const x = randn(geometry.inputShape, 31);
      const dy = randn(geometry.outputShape, 32);
      const c = gradientFilterPlugin.create(geometry, { radius });
      const saved = c.compress(x);
      const grad = c.weightGradient(saved, dy);
      expect(grad.shape).toEqual(geometry.weightShape);
      expect(relFro(grad, referenceF64(geometry, radius, x, dy))).toBeLessThanOrEqual(1e-5);
      const plan = gradientFilterPlan(geometry, radius);
      const expected = geometry.inputShape[0] * plan.inputRows.blocks * plan.inputCols.blocks * geometry.inputShape[3];
      expect(saved.elements).toBe(expected);
      expect(saved.bytes).toBe(4 * expected);
      expect(saved.tensors.map((t) => t.size).reduce((a, b) => a + b)).toBe(expected);
      tf.dispose([x, dy, grad, ...saved.tensors]);
    });
  }

  for (const geometry of [
    convGeometry('conv2d', [2, 5, 7, 3], [1, 1, 3, 4]),
    convGeometry('conv2d', [2, 5, 7, 4], [1, 1, 2, 6], { groups: 2, pad: 'same' }),
    convGeometry('depthwise', [2, 5, 7, 3], [1, 1, 3, 2]),
    denseGeometry([2, 5, 7, 3], 4),
  ]) {
    it(`r = 1, stride 1, 1x1 kernel equals vanilla (${geometry.kind}, groups ${geometry.groups ?? 1})`, () => {
      const x = randn(geometry.inputShape, 41);
      const dy = randn(geometry.outputShape, 42);
      const c = gradientFilterPlugin.create(geometry, { radius: 1 });
      const saved = c.compress(x);
      const grad = c.weightGradient(saved, dy);
      const ref = refWeightGradient(geometry, x, dy);
      expect(relFro(grad, ref)).toBeLessThanOrEqual(1e-6);
      tf.dispose([x, dy, grad, ...saved.tensors]);
    });
  }

  it('is exact for a 1x1 stride-1 layer when dy is constant on each block', () => {
    const geometry = convGeometry('conv2d', [2, 6, 6, 3], [1, 1, 3, 2]);
    const x = randn(geometry.inputShape, 51);
    // dy constant on 2×2 blocks: nearest-neighbour upsampling of a 3×3 map.
    const coarse = randn([2, 3, 3, 2], 52) as tf.Tensor4D;
    const dy = tf.image.resizeNearestNeighbor(coarse, [6, 6]);
    const c = gradientFilterPlugin.create(geometry, { radius: 2 });
    const saved = c.compress(x);
    const grad = c.weightGradient(saved, dy);
    const ref = refWeightGradient(geometry, x, dy);
    expect(relFro(grad, ref)).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, coarse, dy, grad, ...saved.tensors]);
  });

  it('rejects bad options and 2-D/3-D dense inputs with typed errors', () => {
    const g = convGeometry('conv2d', [1, 4, 4, 2], [3, 3, 2, 2], { pad: 'same' });
    for (const radius of [0, -1, 1.5, Number.NaN, '2']) {
      expect(() => gradientFilterPlugin.create(g, { radius } as never)).toThrow(LowrankOptionError);
    }
    expect(() => gradientFilterPlugin.create(g, { order: 2 } as never)).toThrow(/unknown option 'order'/);
    expect(() => gradientFilterPlugin.create(denseGeometry([4, 8], 2), {})).toThrow(/4-D input/);
    expect(() => gradientFilterPlugin.create(denseGeometry([4, 3, 8], 2), {})).toThrow(LowrankOptionError);
    const c = gradientFilterPlugin.create(g, {}) as GradientFilterCompressor;
    expect(c.radius).toBe(2);
    expect(c.getState()).toBeNull();
  });
});
