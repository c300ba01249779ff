// The three plugins under contract version 2: declared options, data-dependent cost options, and
// the conformance kit of @odl/core/testing.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { createLayerCompressor, hosvdRanks, MethodOptionError, resolveOptions, SPECIFICATION_VERSION, type LayerGeometry } from '@odl/core';
import { checkMethodConformance } from '@odl/core/testing';
import { GradientFilterCompressor, gradientFilterPlugin, HosvdCompressor, hosvdPlugin, LowrankOptionError, registerLowrank, SvdCompressor, svdPlugin, svdRank } from '../src';
import { convGeometry, denseGeometry } from './helpers';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
  registerLowrank();
});

const conv = convGeometry('conv2d', [3, 7, 6, 3], [3, 3, 3, 4], { pad: 'same' });
const strided = convGeometry('conv2d', [2, 9, 7, 3], [3, 3, 3, 5], { strides: [2, 2], pad: 'same' });
const depthwise = convGeometry('depthwise', [2, 7, 7, 3], [3, 3, 3, 2], { pad: 'same' });
const dense2 = denseGeometry([6, 10], 4);
const dense3 = denseGeometry([3, 5, 8], 6);
const dense4 = denseGeometry([2, 4, 5, 6], 3);

describe('declared options', () => {
  it('every plugin states contract version 2 and declares its options with defaults', () => {
    for (const p of [hosvdPlugin, svdPlugin, gradientFilterPlugin]) expect(p.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(resolveOptions(hosvdPlugin, {})).toEqual({ epsilon: 0.8, path: 'gram' });
    expect(resolveOptions(svdPlugin, {})).toEqual({ epsilon: 0.8, path: 'gram' });
    expect(resolveOptions(gradientFilterPlugin, {})).toEqual({ radius: 2 });
    expect(hosvdPlugin.options.find((o) => o.name === 'ranks')!.costOnly).toBe(true);
    expect(svdPlugin.options.find((o) => o.name === 'rank')!.costOnly).toBe(true);
  });

  it('resolveOptions refuses what create refuses: ranges, enums, unknown keys (with a did-you-mean)', () => {
    expect(() => resolveOptions(hosvdPlugin, { epsilon: 0 })).toThrow(MethodOptionError);
    expect(() => resolveOptions(hosvdPlugin, { path: 'qr' })).toThrow(/one of 'gram', 'svd'/);
    expect(() => resolveOptions(svdPlugin, { rank: 0 })).toThrow(/rank must be in \[1, ∞\)/);
    expect(() => resolveOptions(gradientFilterPlugin, { radius: 1.5 })).toThrow(/integer/);
    expect(() => resolveOptions(gradientFilterPlugin, { raduis: 2 })).toThrow(/unknown option 'raduis' \(did you mean 'radius'\?\)/);
    for (const plugin of [hosvdPlugin, svdPlugin, gradientFilterPlugin]) {
      expect(() => plugin.create(conv, { epsilonn: 0.5 } as never)).toThrow(LowrankOptionError);
      expect(() => plugin.create(conv, { epsilonn: 0.5 } as never)).toThrow(MethodOptionError);
    }
    expect(() => hosvdPlugin.create(conv, { epsilonn: 0.5 } as never)).toThrow(/did you mean 'epsilon'/);
  });

  it('create takes the resolved options, cost-only ones included (one options object for every layer)', () => {
    const h = hosvdPlugin.create(conv, resolveOptions(hosvdPlugin, { epsilon: 0.9, ranks: [2, 2, 2, 2] }));
    expect(h).toBeInstanceOf(HosvdCompressor);
    expect((h as HosvdCompressor).epsilon).toBe(0.9);
    expect(svdPlugin.create(conv, resolveOptions(svdPlugin, { rank: 3 }))).toBeInstanceOf(SvdCompressor);
    expect(createLayerCompressor('gradient-filter', conv, resolveOptions(gradientFilterPlugin, {}))).toBeInstanceOf(GradientFilterCompressor);
  });
});

describe('costOptionsFor: what the ε methods keep for one batch', () => {
  it('HOSVD_ε: the ranks the compressor reaches on that activation, so cost counts its elements', () => {
    const x = tf.randomNormal(conv.inputShape, 0, 1, 'float32', 3);
    const options = resolveOptions(hosvdPlugin, { epsilon: 0.7 });
    const costOptions = hosvdPlugin.costOptionsFor(conv, options, x);
    expect(costOptions).toEqual({ ...options, ranks: hosvdRanks(x, 0.7) });
    const c = hosvdPlugin.create(conv, options) as HosvdCompressor;
    let elements = 0;
    tf.dispose(tf.tidy(() => {
      const saved = c.compress(x);
      elements = saved.elements;
      return saved.tensors;
    }));
    expect(costOptions.ranks).toEqual(c.lastRanks);
    expect(hosvdPlugin.cost(conv, costOptions, 'exact').activationElements).toBe(elements);
    x.dispose();
  });

  it('SVD_ε: the rank of the batch-mode unfolding the compressor keeps', () => {
    const x = tf.randomNormal(dense3.inputShape, 0, 1, 'float32', 4);
    const costOptions = svdPlugin.costOptionsFor(dense3, { epsilon: 0.6 }, x);
    const c = svdPlugin.create(dense3, { epsilon: 0.6 }) as SvdCompressor;
    let elements = 0;
    tf.dispose(tf.tidy(() => {
      const saved = c.compress(x);
      elements = saved.elements;
      return saved.tensors;
    }));
    expect(costOptions.rank).toBe(c.lastRank);
    expect(costOptions.rank).toBe(svdRank(x, 0.6));
    expect(svdPlugin.cost(dense3, costOptions, 'exact').activationElements).toBe(elements);
    x.dispose();
  });

  it('checks that the activation fits the layer (only the batch may differ) and the options', () => {
    const wrong = tf.zeros([3, 6, 6, 3]);
    expect(() => hosvdPlugin.costOptionsFor(conv, {}, wrong)).toThrow(/does not fit the layer's input shape/);
    expect(() => svdPlugin.costOptionsFor(conv, {}, wrong)).toThrow(/does not fit the layer's input shape/);
    const smaller = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 5);
    expect(hosvdPlugin.costOptionsFor(conv, {}, smaller).ranks).toHaveLength(4);
    expect(() => hosvdPlugin.costOptionsFor(conv, { epsilon: 2 }, smaller)).toThrow(LowrankOptionError);
    tf.dispose([wrong, smaller]);
  });
});

describe('conformance (@odl/core/testing)', () => {
  const tucker = (exact: Record<string, unknown>, options: Record<string, unknown>) =>
    [
      { name: 'conv2d 3×3 same', geometry: conv },
      { name: 'conv2d 3×3 stride 2', geometry: strided },
      { name: 'depthwise, multiplier 2', geometry: depthwise },
      { name: 'dense 2-D', geometry: dense2 },
      { name: 'dense 3-D', geometry: dense3 },
      { name: 'dense 4-D', geometry: dense4 },
    ].map((c) => ({ ...c, options, exactOptions: exact }));

  it("'hosvd' (ε = 1 is exact)", () => {
    const report = checkMethodConformance(hosvdPlugin, [...tucker({ epsilon: 1 }, { epsilon: 0.8 }), { name: 'conv2d, svd path', geometry: conv, options: { path: 'svd' }, exactOptions: { epsilon: 1 } }]);
    expect(report.cases).toHaveLength(7);
    for (const c of report.cases) expect([c.measuredBytes, c.costBytes]).toEqual([c.declaredBytes, c.declaredBytes]);
  });

  it("'svd' (ε = 1 is exact)", () => {
    const report = checkMethodConformance(svdPlugin, tucker({ epsilon: 1 }, { epsilon: 0.8 }));
    expect(report.cases.every((c) => c.gradientError < 1e-4 && !c.stateful)).toBe(true);
  });

  it("'gradient-filter' (radius 1 on a 1×1 kernel, stride 1, is exact)", () => {
    const cases = [
      { name: 'conv2d 1×1', geometry: convGeometry('conv2d', [3, 5, 6, 4], [1, 1, 4, 5]), options: { radius: 2 }, exactOptions: { radius: 1 } },
      { name: 'grouped conv2d 1×1', geometry: convGeometry('conv2d', [2, 6, 6, 4], [1, 1, 2, 6], { groups: 2 }), options: { radius: 3 }, exactOptions: { radius: 1 } },
      { name: 'depthwise 1×1, multiplier 2', geometry: convGeometry('depthwise', [2, 5, 5, 3], [1, 1, 3, 2]), options: { radius: 2 }, exactOptions: { radius: 1 } },
      { name: 'dense 4-D', geometry: dense4, options: { radius: 2 }, exactOptions: { radius: 1 } },
    ];
    const report = checkMethodConformance(gradientFilterPlugin, cases);
    // conv2d 1×1 at r = 2: B·⌈5/2⌉·⌈6/2⌉·C = 3·3·3·4 = 108 elements
    expect(report.cases[0]!.elements).toBe(108);
    const g: LayerGeometry = cases[1]!.geometry;
    expect(g.groups).toBe(2);
  });
});
