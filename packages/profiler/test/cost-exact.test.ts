import { describe, expect, it } from 'vitest';
import type { CompressorPlugin, LayerGeometry } from '@odl/core';
import { ArgumentError } from '@odl/backend';
import { activationBytesOf, clampRanks, convDims, exactAsi, exactGradientFilter, exactHosvd, exactSvd, exactVanilla, layerCost, qrFlops, ranksFromSpectra } from '@odl/profiler';

const small: LayerGeometry = { kind: 'conv2d', inputShape: [2, 4, 4, 3], weightShape: [3, 3, 3, 5], outputShape: [2, 4, 4, 5], pad: [[1, 1], [1, 1]] };

describe('exact mode', () => {
  it('vanilla 1×1 conv: 2·128·49·576·96 = 693633024 forward, twice that backward (weight + input gradient)', () => {
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576] };
    const c = exactVanilla(g);
    expect([c.forwardFlops, c.backwardFlops]).toEqual([693_633_024, 1_387_266_048]);
  });

  it('depthwise counts one input channel per output: 2·2·16·3·9 = 1728', () => {
    const g: LayerGeometry = { kind: 'depthwise', inputShape: [2, 4, 4, 3], weightShape: [3, 3, 3, 1], outputShape: [2, 4, 4, 3], pad: 'same' };
    expect(exactVanilla(g).forwardFlops).toBe(1728);
  });

  it('grouped conv counts C/groups inputs: 2·9·6·2 = 216', () => {
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [1, 3, 3, 6], weightShape: [1, 1, 2, 6], outputShape: [1, 3, 3, 6], groups: 3 };
    expect(exactVanilla(g).forwardFlops).toBe(216);
  });

  it('stride 2 counts output positions: 2·2·4·4·6·9·4 = 13824; same padding resolves to 1 pixel', () => {
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [2, 8, 8, 4], weightShape: [3, 3, 4, 6], outputShape: [2, 4, 4, 6], strides: [2, 2], pad: 'same' };
    expect(exactVanilla(g).forwardFlops).toBe(13_824);
    expect(convDims(g).Hp).toBe(9); // total pad max((4−1)·2 + 3 − 8, 0) = 1
  });

  it('ASI conv (B=2, 4×4, C=3→5, 3×3 pad 1, ranks [1, 2, 2, 2])', () => {
    // elements 8 + 2·1 + 4·2 + 4·2 + 3·2 = 32
    // forward: conv 2·2·16·5·9·3 = 8640; subspace 4·96·7 = 2688; QR 7 + 53 + 53 + 37 = 150;
    //   core (order B,H,W,C): 2·96·1 + 2·48·2 + 2·24·2 + 2·12·2 = 192 + 192 + 96 + 48 = 528 → 12006
    // backward: z1 2·2·16·5·1 = 320; z3 2·8·6 + 2·1·6·2·2·6 = 96 + 288 = 384; z4 2·1·16·5·9·2 = 2880;
    //   channel 2·9·3·5·2 = 540; input gradient 8640 → 12764
    expect([qrFlops(2, 1), qrFlops(4, 2), qrFlops(3, 2)]).toEqual([7, 53, 37]);
    const c = exactAsi(small, { ranks: [1, 2, 2, 2], schedule: 'independent' });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([32, 12_006, 12_764]);
  });

  it('ASI conv, sequential schedule (the default): each step on the already projected tensor', () => {
    // order B, W, H, C (the fewest multiply-adds; ties: the first found); N = 96 → 48 → 24 → 12 → 8
    // subspace 4·(96·1 + 48·2 + 24·2 + 12·2) = 1056; projections 2·(same) = 528; QR 150; conv 8640
    // → 10374; backward as above 12764
    for (const options of [{ ranks: [1, 2, 2, 2] }, { ranks: [1, 2, 2, 2], schedule: 'sequential' }]) {
      const c = exactAsi(small, options);
      expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([32, 10_374, 12_764]);
    }
    expect(() => exactAsi(small, { ranks: [1, 2, 2, 2], schedule: 'fast' })).toThrow(/schedule must be/);
  });

  it('ASI with int8 storage: 1 byte per value + 4 per column scale, encode/decode FLOPs added', () => {
    // values: core 1·2·2·2 = 8 + factors 2·1 + 4·2 + 4·2 + 3·2 = 24 → 32 bytes
    // scales: core's last axis 2 + factor columns 1 + 2 + 2 + 2 = 9 → 36 bytes; 41 elements, 68 bytes
    // forward + encode 2·32 + warm-start decode 24 = 10462; backward + decode 32 = 12796
    const c = exactAsi(small, { ranks: [1, 2, 2, 2], storage: 'int8' });
    expect([c.activationElements, c.activationBytes, c.forwardFlops, c.backwardFlops]).toEqual([41, 68, 10_462, 12_796]);
    const p = layerCost(small, 'asi', { ranks: [1, 2, 2, 2], storage: 'int8' }, { mode: 'paper', source: 'builtin' });
    const pf = layerCost(small, 'asi', { ranks: [1, 2, 2, 2] }, { mode: 'paper', source: 'builtin' });
    expect([p.activationElements, p.activationBytes, p.forwardFlops, p.backwardFlops]).toEqual([41, 68, pf.forwardFlops, pf.backwardFlops]);
    expect(activationBytesOf(c)).toBe(68);
    expect(activationBytesOf(exactAsi(small, { ranks: [1, 2, 2, 2] }))).toBe(32 * 4);
    expect(() => exactAsi(small, { ranks: [1, 2, 2, 2], storage: 'int4' })).toThrow(/storage must be 'float32' or 'int8'/);
  });

  it('HOSVD conv: Gram 2·N·d_n and 9·d_n³ eigen per mode, same backward as ASI', () => {
    // Gram 2·96·(2+4+4+3) = 2496; eig 9·(8+64+64+27) = 1467; core 528; conv 8640 → 13131
    const c = exactHosvd(small, { ranks: [1, 2, 2, 2] });
    expect([c.forwardFlops, c.backwardFlops]).toEqual([13_131, 12_764]);
  });

  it('ASI dense 3-D (B=2, N=3, I=4, O=5, ranks [1, 2, 2])', () => {
    // forward: 2·6·4·5 = 240; 4·24·5 = 480; QR 7 + 37 + 53 = 97; core (B, I, N) 48 + 48 + 24 = 120 → 937
    // backward: z1 2·2·3·5·1 = 60; expand N then I: 2·4·3 + 2·6·4 = 72; ΔW 2·1·3·4·5 = 120; input 240 → 492
    const g: LayerGeometry = { kind: 'dense', inputShape: [2, 3, 4], weightShape: [4, 5], outputShape: [2, 3, 5] };
    const c = exactAsi(g, { ranks: [1, 2, 2], schedule: 'independent' });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([20, 937, 492]);
  });

  it('full ranks of a dense layer store the whole activation plus factors', () => {
    const g: LayerGeometry = { kind: 'dense', inputShape: [6, 4], weightShape: [4, 2], outputShape: [6, 2] };
    // clamp: B min(9, 6, 4) = 4; I min(9, 4, 6) = 4 → 16 + 24 + 16 = 56
    expect(clampRanks([6, 4], [9, 9])).toEqual([4, 4]);
    expect(exactAsi(g, { ranks: [9, 9] }).activationElements).toBe(56);
  });

  it('gradient filter r=2 (B=2, 8×8, C=3→4, 3×3 pad 1)', () => {
    // forward: conv 2·2·64·4·9·3 = 27648 + sum-pool 2·3·16·(4−1) = 288 → 27936
    // backward: avg-pool 2·4·16·4 = 512; ΔW 2·32·3·4 = 768; exact input gradient 27648 → 28928
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [2, 8, 8, 3], weightShape: [3, 3, 3, 4], outputShape: [2, 8, 8, 4], pad: [[1, 1], [1, 1]] };
    const c = exactGradientFilter(g, { radius: 2 });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([96, 27_936, 28_928]);
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
  });

  it('ranksFromSpectra: smallest k reaching ε of Σσ²', () => {
    // mode 0: 9/10 ≥ 0.8 → 1; mode 1: 4/8 < 0.8, 8/8 → 2
    expect(ranksFromSpectra([[3, 1], [2, 2, 0]], 0.8)).toEqual([1, 2]);
  });
});

describe('cost sources and errors', () => {
  const fake: CompressorPlugin = {
    name: 'fake-costed',
    apiVersion: 1,
    description: 'test plugin with its own cost model',
    supports: ['conv2d'],
    create: () => {
      throw new Error('not used');
    },
    cost: (g, _o, mode) => ({ activationElements: g.inputShape[0], forwardFlops: mode === 'paper' ? 1 : 2, backwardFlops: 3 }),
  };
  const lookup = (n: string) => (n === fake.name ? fake : undefined);

  it("uses a plugin's cost() when it declares one (a new method needs no profiler change)", () => {
    const c = layerCost(small, 'fake-costed', {}, { mode: 'paper', lookup });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([2, 1, 3]);
  });

  it('source builtin ignores plugins; unknown methods and bad options throw typed errors', () => {
    expect(() => layerCost(small, 'fake-costed', {}, { source: 'builtin', lookup })).toThrow(/no cost model for method 'fake-costed'/);
    expect(() => layerCost(small, 'asi', {}, { source: 'builtin' })).toThrow(ArgumentError);
    expect(() => layerCost(small, 'asi', { ranks: [1, 2] }, { source: 'builtin' })).toThrow(/one rank per axis/);
    expect(() => layerCost({ kind: 'dense', inputShape: [2, 3], weightShape: [3, 1], outputShape: [2, 1] }, 'gradient-filter', { radius: 2 }, { source: 'builtin' })).toThrow(/4-D dense input/);
    expect(() => layerCost({ ...small, outputShape: [2, 3, 3, 5] }, 'vanilla', {}, { source: 'builtin' })).toThrow(/does not follow/);
    expect(() => layerCost(small, 'fake-costed', {}, { source: 'plugin', lookup: () => undefined })).toThrow(/no plugin named/);
  });
});
