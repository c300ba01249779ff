// ASI's cost model (moved from @odl/profiler with every reference value). Reference values are
// computed by hand in the test titles and comments.
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@odl/backend';
import { clampRanks, nchwRanksToNhwc, qrFlops, type LayerGeometry } from '@odl/core';
import { asiPlugin, exactAsi, paperAsi } from '../src/index';

const MiB = 1024 * 1024;

/** MCUNet's last expand conv at 224×224, batch 128 (the paper's worked example). */
const worked: LayerGeometry = { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576], strides: [1, 1], pad: 'valid' };
const small: LayerGeometry = { kind: 'conv2d', inputShape: [2, 4, 4, 3], weightShape: [3, 3, 3, 5], outputShape: [2, 4, 4, 5], pad: [[1, 1], [1, 1]] };

describe('paper mode: the worked example (reference NCHW ranks (4, 13, 4, 4))', () => {
  // NCHW (B, C, H, W) = (4, 13, 4, 4)  ->  NHWC (B, H, W, C) = (4, 4, 4, 13)
  const ranks = nchwRanksToNhwc([4, 13, 4, 4]);

  it('storage: 4·13·4·4 + 128·4 + 96·13 + 7·4 + 7·4 = 832 + 512 + 1248 + 28 + 28 = 2648 elements', () => {
    expect(ranks).toEqual([4, 4, 4, 13]);
    const c = paperAsi(worked, { ranks });
    expect(c.activationElements).toBe(2648);
    expect((c.activationElements * 4) / MiB).toBeCloseTo(0.010101, 6);
  });

  it('ASI forward = vanilla + Σ_K (2·N·K + K³) = 346816512 + 2·602112·25 + (64+2197+64+64) = 376924501', () => {
    // N = 128·96·7·7 = 602112; ΣK = 4+13+4+4 = 25 → 30105600; ΣK³ = 2389
    expect(paperAsi(worked, { ranks }).forwardFlops).toBe(346_816_512 + 30_105_600 + 2_389);
    expect(paperAsi(worked, { ranks }).forwardFlops).toBe(376_924_501);
  });

  it('ASI backward = K0·C′·H′·W′·B + H·K0K1K2K3 + H·W·K0·K1·K3 + C′·K0·K1·KH·KW·H′·W′ + C′·C·KH·KW·K1 = 16653200', () => {
    // 4·576·49·128 = 14450688; 7·832 = 5824; 49·4·13·4 = 10192; 576·4·13·49 = 1467648; 576·96·13 = 718848
    const c = paperAsi(worked, { ranks });
    expect(c.backwardFlops).toBe(14_450_688 + 5_824 + 10_192 + 1_467_648 + 718_848);
    expect(c.backwardFlops).toBe(16_653_200);
    expect(c.terms.filter((t) => t.phase === 'backward').map((t) => t.flops)).toEqual([14_450_688, 5_824, 10_192, 1_467_648, 718_848]);
  });

  it("the plugin's cost gives the same numbers", () => {
    const c = asiPlugin.cost(worked, { ranks }, 'paper');
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([2648, 376_924_501, 16_653_200]);
  });
});

describe('paper mode: dense', () => {
  it('dense 3-D ASI (B=2, N=3, I=4, O=5, ranks [1, 2, 2])', () => {
    // elements 1·2·2 + 2·1 + 3·2 + 4·2 = 20
    // forward: 2·3·5·(2·4−1) = 210; Σ(2·24·K + K³) = 49 + 104 + 104 = 257 → 467
    // backward: 2·3·5·1 + 1·2·2·3 + 1·2·4·3 + 4·5·3·1 = 30 + 12 + 24 + 60 = 126
    const g: LayerGeometry = { kind: 'dense', inputShape: [2, 3, 4], weightShape: [4, 5], outputShape: [2, 3, 5] };
    const c = paperAsi(g, { ranks: [1, 2, 2] });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([20, 467, 126]);
  });

  it('dense 4-D ASI (swin layout B=1, H=W=2, C=3, O=2, ranks all 1)', () => {
    // elements 1 + (1 + 2 + 2 + 3) = 9; forward 1·2·2·2·(2·3−1) = 40 + 4·(2·12·1 + 1) = 100 → 140
    // backward 1·1·2·2·2 + 2·1·1·1·1 + 2·1·1·2·2 + 3·1·1·2·1 + 1·1·2·3·2 = 8 + 2 + 8 + 6 + 12 = 36
    const g: LayerGeometry = { kind: 'dense', inputShape: [1, 2, 2, 3], weightShape: [3, 2], outputShape: [1, 2, 2, 2] };
    const c = paperAsi(g, { ranks: [1, 1, 1, 1] });
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([9, 140, 36]);
  });
});

describe('exact mode', () => {
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
    for (const options of [{ ranks: [1, 2, 2, 2] }, { ranks: [1, 2, 2, 2], schedule: 'sequential' as const }]) {
      const c = exactAsi(small, options);
      expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([32, 10_374, 12_764]);
    }
    expect(() => exactAsi(small, { ranks: [1, 2, 2, 2], schedule: 'fast' as never })).toThrow(/schedule must be/);
  });

  it('powerSteps: each extra power step adds its two products and a QR per visited mode', () => {
    // powerSteps 2: subspace 2·1056 = 2112, QR 2·150 = 300 → 10374 + 1056 + 150 = 11580
    const c = exactAsi(small, { ranks: [1, 2, 2, 2], powerSteps: 2 });
    expect([c.forwardFlops, c.backwardFlops]).toEqual([11_580, 12_764]);
  });

  it('ASI with int8 storage: 1 byte per value + 4 per column scale, encode/decode FLOPs added', () => {
    // values: core 1·2·2·2 = 8 + factors 2·1 + 4·2 + 4·2 + 3·2 = 24 → 32 bytes
    // scales: core's last axis 2 + factor columns 1 + 2 + 2 + 2 = 9 → 36 bytes; 41 elements, 68 bytes
    // forward + encode 2·32 + warm-start decode 24 = 10462; backward + decode 32 = 12796
    const c = exactAsi(small, { ranks: [1, 2, 2, 2], storage: 'int8' });
    expect([c.activationElements, c.activationBytes, c.forwardFlops, c.backwardFlops]).toEqual([41, 68, 10_462, 12_796]);
    const p = asiPlugin.cost(small, { ranks: [1, 2, 2, 2], storage: 'int8' }, 'paper');
    const pf = asiPlugin.cost(small, { ranks: [1, 2, 2, 2] }, 'paper');
    expect([p.activationElements, p.activationBytes, p.forwardFlops, p.backwardFlops]).toEqual([41, 68, pf.forwardFlops, pf.backwardFlops]);
    expect(exactAsi(small, { ranks: [1, 2, 2, 2] }).activationBytes).toBeUndefined(); // float32: elements × 4
    expect(() => exactAsi(small, { ranks: [1, 2, 2, 2], storage: 'int4' as never })).toThrow(/storage must be 'float32' or 'int8'/);
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

  it('errors: ranks are required and must fit the activation', () => {
    expect(() => asiPlugin.cost(small, {}, 'exact')).toThrow(ArgumentError);
    expect(() => asiPlugin.cost(small, {}, 'paper')).toThrow(/asi cost needs options.ranks/);
    expect(() => asiPlugin.cost(small, { ranks: [1, 2] }, 'exact')).toThrow(/one rank per axis/);
  });
});
