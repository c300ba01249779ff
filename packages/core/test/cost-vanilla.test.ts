// Vanilla's cost model (paper and exact accounting, docs/method.md §6) and the shared cost helpers
// of @odl/core/src/cost. Reference values are computed by hand in the test titles and comments.
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@odl/backend';
import {
  clampRanks,
  convDims,
  coreFormationFlops,
  denseDims,
  exactLayerTerms,
  exactVanilla,
  expansionFlops,
  nchwRanksToNhwc,
  nhwcRanksToNchw,
  paperVanilla,
  qrFlops,
  ranksFromSpectra,
  requireRanks,
  symEigFlops,
  vanillaPlugin,
  type LayerGeometry,
} from '../src/index';

const MiB = 1024 * 1024;

/** MCUNet's last expand conv at 224×224, batch 128 (the paper's worked example). */
const worked: LayerGeometry = { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576], strides: [1, 1], pad: 'valid' };

describe("vanilla's paper numbers come from the reference code's formulas (one vanilla paper formula)", () => {
  it('a strided conv through the registered plugin: forward on the INPUT size, backward on the output size', () => {
    // B=2, 8×8×4 → 3×3 stride 2, pad 1 → 4×4×6
    // forward  = KH·KW·C′·C·H·W·B   = 3·3·6·4·8·8·2 = 9·24·128 = 27648
    // backward = KH·KW·C·C′·H′·W′·B = 3·3·4·6·4·4·2 = 9·24·32  = 6912
    // elements = B·H·W·C = 2·8·8·4 = 512
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [2, 8, 8, 4], weightShape: [3, 3, 4, 6], outputShape: [2, 4, 4, 6], strides: [2, 2], pad: [[1, 1], [1, 1]] };
    const c = vanillaPlugin.cost(g, {}, 'paper');
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([512, 27_648, 6_912]);
  });

  it('a dense layer through the registered plugin: R·O·(2I−1) forward, O·I·(2R−1) backward', () => {
    // B=4, I=3 → O=2 (R = 4 rows): forward 4·2·(2·3−1) = 8·5 = 40; backward 2·3·(2·4−1) = 6·7 = 42
    const g: LayerGeometry = { kind: 'dense', inputShape: [4, 3], weightShape: [3, 2], outputShape: [4, 2] };
    const c = vanillaPlugin.cost(g, {}, 'paper');
    expect([c.activationElements, c.forwardFlops, c.backwardFlops]).toEqual([12, 40, 42]);
    // 3-D tokens: R = B·N = 2·5 = 10 rows, I=6, O=4: forward 10·4·11 = 440; backward 4·6·19 = 456
    const tokens: LayerGeometry = { kind: 'dense', inputShape: [2, 5, 6], weightShape: [6, 4], outputShape: [2, 5, 4] };
    expect([vanillaPlugin.cost(tokens, {}, 'paper').forwardFlops, vanillaPlugin.cost(tokens, {}, 'paper').backwardFlops]).toEqual([440, 456]);
  });
});

describe('paper mode (vanilla)', () => {
  it('the worked example: 602112 elements (2.296875 MiB); forward = backward = 1·1·576·96·7·7·128 = 346816512', () => {
    const c = paperVanilla(worked);
    expect(c.activationElements).toBe(128 * 7 * 7 * 96);
    expect((c.activationElements * 4) / MiB).toBe(2.296875);
    expect(c.forwardFlops).toBe(346_816_512);
    expect(c.backwardFlops).toBe(346_816_512);
  });

  it('depthwise 3×3: groups ignored, KH·KW·C′·C·H·W·B = 3·3·3·3·4·4·2 = 2592 forward and backward', () => {
    const g: LayerGeometry = { kind: 'depthwise', inputShape: [2, 4, 4, 3], weightShape: [3, 3, 3, 1], outputShape: [2, 4, 4, 3], pad: [[1, 1], [1, 1]] };
    const c = paperVanilla(g);
    expect([c.forwardFlops, c.backwardFlops, c.activationElements]).toEqual([2592, 2592, 96]);
  });

  it('stride 2: forward uses the INPUT size (9·6·4·8·8·2 = 27648), backward the output (9·4·6·4·4·2 = 6912)', () => {
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [2, 8, 8, 4], weightShape: [3, 3, 4, 6], outputShape: [2, 4, 4, 6], strides: [2, 2], pad: [[1, 1], [1, 1]] };
    const c = paperVanilla(g);
    expect([c.forwardFlops, c.backwardFlops]).toEqual([27_648, 6_912]);
  });

  it('grouped conv (groups 3): groups ignored, 1·1·6·6·3·3·1 = 324', () => {
    const g: LayerGeometry = { kind: 'conv2d', inputShape: [1, 3, 3, 6], weightShape: [1, 1, 2, 6], outputShape: [1, 3, 3, 6], groups: 3 };
    expect(paperVanilla(g).forwardFlops).toBe(324);
  });

  it('dense 2-D vanilla: forward 4·2·(2·3−1) = 40, backward 2·3·(2·4−1) = 42', () => {
    const g: LayerGeometry = { kind: 'dense', inputShape: [4, 3], weightShape: [3, 2], outputShape: [4, 2] };
    const c = paperVanilla(g);
    expect([c.forwardFlops, c.backwardFlops]).toEqual([40, 42]);
  });
});

describe('exact mode (vanilla)', () => {
  it('1×1 conv: 2·128·49·576·96 = 693633024 forward, twice that backward (weight + input gradient)', () => {
    const c = exactVanilla(worked);
    expect([c.forwardFlops, c.backwardFlops]).toEqual([693_633_024, 1_387_266_048]);
    expect(vanillaPlugin.cost(worked, {}, 'exact')).toEqual(c);
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
    expect(exactLayerTerms(g).inputGradient.flops).toBe(13_824);
    expect(convDims(g).Hp).toBe(9); // total pad max((4−1)·2 + 3 − 8, 0) = 1
  });

  it('a geometry whose output does not follow from its input is refused', () => {
    const small: LayerGeometry = { kind: 'conv2d', inputShape: [2, 4, 4, 3], weightShape: [3, 3, 3, 5], outputShape: [2, 3, 3, 5], pad: [[1, 1], [1, 1]] };
    expect(() => exactVanilla(small)).toThrow(/does not follow/);
    expect(() => vanillaPlugin.cost(small, {}, 'paper')).toThrow(/does not follow/);
  });
});

describe('shared cost helpers', () => {
  it('maps conv ranks NCHW <-> NHWC: the reference (B, C, H, W) = (4, 13, 4, 4) is ours (B, H, W, C) = (4, 4, 4, 13)', () => {
    const ranks = nchwRanksToNhwc([4, 13, 4, 4]);
    expect(ranks).toEqual([4, 4, 4, 13]);
    expect(nhwcRanksToNchw(ranks)).toEqual([4, 13, 4, 4]);
    expect(() => nchwRanksToNhwc([1, 2])).toThrow(ArgumentError);
  });

  it('clampRanks: k_n = min(r_n, d_n, N/d_n); ranks must be positive integers, one per axis', () => {
    expect(clampRanks([128, 7, 7, 96], [4, 10, 4, 13])).toEqual([4, 7, 4, 13]);
    // dense [6, 4]: B min(9, 6, 4) = 4; I min(9, 4, 6) = 4
    expect(clampRanks([6, 4], [9, 9])).toEqual([4, 4]);
    expect(() => clampRanks([6, 4], [1, 2, 3])).toThrow(/one rank per axis/);
    expect(() => clampRanks([6, 4], [0, 2])).toThrow(/positive integer/);
    expect(() => requireRanks('m', {})).toThrow(/m cost needs options.ranks/);
  });

  it('linear-algebra counts: QR 4dk² − 4k³/3, eigen 9n³, core formation and expansion 2 per multiply-add', () => {
    // qr(2, 1) = 8 − 1.33 → 7; qr(4, 2) = 64 − 10.67 → 53; qr(3, 2) = 48 − 10.67 → 37
    expect([qrFlops(2, 1), qrFlops(4, 2), qrFlops(3, 2)]).toEqual([7, 53, 37]);
    expect(symEigFlops(4)).toBe(576);
    // [2, 4, 4, 3] → [1, 2, 2, 2], order B (2×), H, W (2× each), C (1.5×): 2·96·1 + 2·48·2 + 2·24·2 + 2·12·2 = 528
    expect(coreFormationFlops([2, 4, 4, 3], [1, 2, 2, 2])).toBe(528);
    // [1, 2, 2] → expand mode 1 to 3: 2·4·3 = 24; then mode 2 to 4: 2·6·4 = 48
    expect(expansionFlops([2, 3, 4], [1, 2, 2], [1, 2])).toBe(72);
  });

  it('ranksFromSpectra: smallest k reaching ε of Σσ²', () => {
    // mode 0: 9/10 ≥ 0.8 → 1; mode 1: 4/8 < 0.8, 8/8 → 2
    expect(ranksFromSpectra([[3, 1], [2, 2, 0]], 0.8)).toEqual([1, 2]);
    expect(() => ranksFromSpectra([[]], 0.8)).toThrow(/empty/);
  });

  it('denseDims reads 2-D, 3-D and 4-D inputs', () => {
    expect(denseDims({ kind: 'dense', inputShape: [4, 10, 32], weightShape: [32, 8], outputShape: [4, 10, 8] })).toMatchObject({ B: 4, M: 10, I: 32, O: 8, R: 40 });
    expect(() => denseDims({ kind: 'dense', inputShape: [4, 10, 32], weightShape: [31, 8], outputShape: [4, 10, 8] })).toThrow(/must have 32 input rows/);
  });
});
