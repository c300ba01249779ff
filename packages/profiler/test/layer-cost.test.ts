// layerCost asks the registered method's plugin; the formulas live beside the methods (@odl/core,
// @odl/lowrank, @odl/shortcut), tested there. These tests check the profiler's own code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError } from '@odl/backend';
import {
  exactVanilla,
  MethodOptionError,
  paperVanilla,
  registerMethod,
  SPECIFICATION_VERSION,
  UnknownMethodError,
  unregisterMethod,
  UnsupportedLayerError,
  type LayerGeometry,
  type MethodPlugin,
} from '@odl/core';
import { exactGradientFilter, hosvdPlugin, registerLowrank } from '@odl/lowrank';
import { asiPlugin, registerShortcut } from '@odl/shortcut';
import { activationBytesOf, layerCost } from '@odl/profiler';

const worked: LayerGeometry = { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576], strides: [1, 1], pad: 'valid' };
const small: LayerGeometry = { kind: 'conv2d', inputShape: [2, 4, 4, 3], weightShape: [3, 3, 3, 5], outputShape: [2, 4, 4, 5], pad: [[1, 1], [1, 1]] };

beforeAll(() => {
  registerLowrank();
  registerShortcut();
});

describe('layerCost: a thin call of the registered plugin', () => {
  it('the worked example through the registry: the plugin’s numbers and terms', () => {
    const c = layerCost(worked, 'asi', { ranks: [4, 4, 4, 13] }, { mode: 'paper' });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([2648, 376_924_501, 16_653_200]);
    expect(c).toEqual(asiPlugin.cost(worked, { ranks: [4, 4, 4, 13] }, 'paper'));
    expect(layerCost(worked, 'vanilla', {}, { mode: 'paper' })).toEqual(paperVanilla(worked));
    expect(layerCost(worked, 'vanilla')).toEqual(exactVanilla(worked)); // exact is the default mode
    expect(layerCost(small, 'hosvd', { ranks: [1, 2, 2, 2] })).toEqual(hosvdPlugin.cost(small, { ranks: [1, 2, 2, 2] }, 'exact'));
  });

  it('fills the declared defaults before asking the plugin (the filter’s radius 2, ASI’s sequential schedule)', () => {
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [2, 8, 8, 3], weightShape: [3, 3, 3, 4], outputShape: [2, 8, 8, 4], pad: [[1, 1], [1, 1]] };
    expect(layerCost(g, 'gradient-filter')).toEqual(exactGradientFilter(g, { radius: 2 }));
    expect(layerCost(small, 'asi', { ranks: [1, 2, 2, 2] }).forwardFlops).toBe(10_374);
  });

  it('activationBytesOf: the method’s own byte count (ASI int8), else elements × bytes per element', () => {
    // ASI int8 on small, ranks [1, 2, 2, 2]: 32 one-byte values + 9 float32 scales = 68 bytes
    expect(activationBytesOf(layerCost(small, 'asi', { ranks: [1, 2, 2, 2], storage: 'int8' }))).toBe(68);
    expect(activationBytesOf(layerCost(small, 'asi', { ranks: [1, 2, 2, 2] }))).toBe(32 * 4);
    expect(activationBytesOf(layerCost(small, 'asi', { ranks: [1, 2, 2, 2] }), 2)).toBe(32 * 2);
  });

  it("uses a plugin's own cost (a new method needs no profiler change); no terms listed → []", () => {
    const fake: MethodPlugin = {
      specificationVersion: SPECIFICATION_VERSION,
      name: 'fake-costed',
      description: 'test plugin with its own cost model',
      supports: ['conv2d'],
      options: [{ name: 'scale', type: 'number', default: 3, doc: 'backward flops' }],
      cost: (g, o, mode) => ({ activationElements: g.inputShape[0], forwardFlops: mode === 'paper' ? 1 : 2, backwardFlops: o.scale as number }),
    };
    registerMethod(fake);
    try {
      const c = layerCost(small, 'fake-costed', {}, { mode: 'paper' });
      expect(c).toEqual({ activationElements: 2, forwardFlops: 1, backwardFlops: 3, terms: [] });
      expect(layerCost(small, 'fake-costed', { scale: 5 }).backwardFlops).toBe(5);
    } finally {
      unregisterMethod('fake-costed');
    }
  });

  it('typed errors: unknown method, undeclared or bad options, unserved layers, bad mode, the method’s own checks', () => {
    expect(() => layerCost(small, 'nope')).toThrow(UnknownMethodError);
    expect(() => layerCost(small, 'asi', { rank: [1, 2, 2, 2] })).toThrow(MethodOptionError);
    expect(() => layerCost(small, 'asi', { rank: [1, 2, 2, 2] })).toThrow(/unknown option 'rank' \(did you mean 'ranks'\?\)/);
    expect(() => layerCost(small, 'gradient-filter', { radius: 0 })).toThrow(/radius must be in \[1, ∞\)/);
    expect(() => layerCost(small, 'asi', {})).toThrow(ArgumentError);
    expect(() => layerCost(small, 'asi', { ranks: [1, 2] })).toThrow(/one rank per axis/);
    const dense2d: LayerGeometry = { kind: 'dense', inputShape: [2, 3], weightShape: [3, 1], outputShape: [2, 1] };
    expect(() => layerCost(dense2d, 'gradient-filter', { radius: 2 })).toThrow(UnsupportedLayerError);
    expect(() => layerCost(dense2d, 'gradient-filter', { radius: 2 })).toThrow(/4-D input/);
    expect(() => layerCost({ ...small, outputShape: [2, 3, 3, 5] }, 'vanilla', {})).toThrow(/does not follow/);
    expect(() => layerCost(small, 'vanilla', {}, { mode: 'fast' as never })).toThrow(/cost mode must be 'exact' or 'paper'/);
  });
});

afterAll(() => {
  unregisterMethod('fake-costed');
});
