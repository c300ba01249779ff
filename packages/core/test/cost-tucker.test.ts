// The Tucker backward cost terms beside the contractions (core/src/tucker/*-cost.ts) and the one
// HOSVD_ε (core/src/tucker/hosvd.ts). Reference values are computed by hand in the comments.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf, tuckerCore } from '@odl/backend';
import { relFro } from '@odl/test-utils';
import {
  depthwiseChannelsFirst,
  depthwiseGeometry,
  exactTuckerBackward,
  exactTuckerConvBackward,
  exactTuckerDenseBackward,
  explainedVarianceRank,
  hosvdFactors,
  hosvdRanks,
  nchwRanksToNhwc,
  paperTuckerBackward,
  paperTuckerConvBackward,
  paperTuckerDenseBackward,
  ranksFromSpectra,
  tuckerConv2dWeightGradient,
  exactWeightGradient,
  type LayerGeometry,
} from '../src/index';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

const small: LayerGeometry = { kind: 'conv2d', inputShape: [2, 4, 4, 3], weightShape: [3, 3, 3, 5], outputShape: [2, 4, 4, 5], pad: [[1, 1], [1, 1]] };
const worked: LayerGeometry = { kind: 'conv2d', inputShape: [128, 7, 7, 96], weightShape: [1, 1, 96, 576], outputShape: [128, 7, 7, 576], strides: [1, 1], pad: 'valid' };

describe('exact Tucker backward terms', () => {
  it('conv (B=2, 4×4, C=3→5, 3×3 pad 1, ranks [1, 2, 2, 2])', () => {
    // z1 2·2·16·5·1 = 320; z3 2·8·6 + 2·1·6·2·2·6 = 96 + 288 = 384; z4 2·1·16·5·9·2 = 2880;
    // channel 2·9·3·5·2 = 540; input gradient 2·2·16·5·9·3 = 8640
    expect(exactTuckerConvBackward(small, [1, 2, 2, 2]).map((t) => t.flops)).toEqual([320, 384, 2880, 540, 8640]);
    expect(exactTuckerBackward(small, [1, 2, 2, 2])).toEqual(exactTuckerConvBackward(small, [1, 2, 2, 2]));
  });

  it('dense 3-D (B=2, N=3, I=4, O=5, ranks [1, 2, 2])', () => {
    // z1 2·2·3·5·1 = 60; expand N then I: 2·4·3 + 2·6·4 = 72; ΔW 2·1·3·4·5 = 120; input 2·6·4·5 = 240
    const g: LayerGeometry = { kind: 'dense', inputShape: [2, 3, 4], weightShape: [4, 5], outputShape: [2, 3, 5] };
    expect(exactTuckerDenseBackward(g, [1, 2, 2]).map((t) => t.flops)).toEqual([60, 72, 120, 240]);
    expect(exactTuckerBackward(g, [1, 2, 2])).toEqual(exactTuckerDenseBackward(g, [1, 2, 2]));
  });

  it('depthwise: the contraction and its count take the same branch (depthwiseChannelsFirst)', () => {
    // B=2, 8×8×3, 3×3 same (Hp = Wp = 10). Channels first when K0·Hp·Wp ≤ B·H·W = 128:
    const g = depthwiseGeometry([2, 8, 8, 3], [3, 3, 3, 1], { pad: 'same' });
    expect(depthwiseChannelsFirst(1, 1, [10, 10], [2, 8, 8])).toBe(true); // 100 ≤ 128
    expect(depthwiseChannelsFirst(1, 2, [10, 10], [2, 8, 8])).toBe(false); // 200 > 128
    expect(depthwiseChannelsFirst(2, 1, [10, 10], [2, 8, 8])).toBe(false); // multiplier 2
    // K0 = 1: z1 2·2·64·3·1 = 768; z3 2·1·2·2·2·10 + 2·1·10·2·2·10 = 160 + 800 = 960;
    //   channels 2·1·100·2·3 = 1200; depthwise ΔW 2·1·64·3·9 = 3456; input 2·2·64·3·9 = 6912
    const first = exactTuckerConvBackward(g, [1, 2, 2, 2]);
    expect(first.map((t) => [t.name, t.flops])).toEqual([
      ['z1-batch-projection', 768],
      ['z3-spatial-expansion', 960],
      ['channel-expansion', 1200],
      ['z4-conv-weight-gradient', 3456],
      ['input-gradient', 6912],
    ]);
    // K0 = 2: z1 1536; z3 320 + 1600 = 1920; ΔW on K3 channels 2·2·64·3·9·2 = 13824; diagonal 2·9·1·3·2 = 108
    expect(exactTuckerConvBackward(g, [2, 2, 2, 2]).map((t) => [t.name, t.flops])).toEqual([
      ['z1-batch-projection', 1536],
      ['z3-spatial-expansion', 1920],
      ['z4-conv-weight-gradient', 13_824],
      ['channel-expansion', 108],
      ['input-gradient', 6912],
    ]);
  });

  it('both depthwise branches of the contraction equal the exact gradient of the reconstruction', () => {
    const g = depthwiseGeometry([2, 8, 8, 3], [3, 3, 3, 1], { pad: 'same' });
    for (const k0 of [1, 2]) {
      const err = tf.tidy(() => {
        const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', 7);
        const dy = tf.randomNormal(g.outputShape, 0, 1, 'float32', 8);
        const { factors } = hosvdFactors(x, 1);
        const us = factors.map((u, n) => (n === 0 ? (tf.slice(u, [0, 0], [-1, k0]) as tf.Tensor2D) : n === 3 ? (tf.slice(u, [0, 0], [-1, 2]) as tf.Tensor2D) : u));
        const core = tuckerCore(x, us);
        const rebuilt = us.reduce<tf.Tensor>((t, u, n) => {
          const perm = [n, ...[0, 1, 2, 3].filter((m) => m !== n)];
          const moved = tf.transpose(t, perm);
          const flat = tf.reshape(moved, [moved.shape[0], -1]);
          const back = tf.reshape(tf.matMul(u, flat), [u.shape[0], ...moved.shape.slice(1)]);
          const inv = perm.map((_, i) => perm.indexOf(i));
          return tf.transpose(back, inv);
        }, core);
        return relFro(tuckerConv2dWeightGradient(core, us, dy, g), exactWeightGradient(g, rebuilt, dy));
      });
      expect(err).toBeLessThan(1e-4);
    }
  });
});

describe('paper Tucker backward terms', () => {
  it('the worked example: K0·C′·H′·W′·B + H·K0K1K2K3 + H·W·K0·K1·K3 + C′·K0·K1·KH·KW·H′·W′ + C′·C·KH·KW·K1 = 16653200', () => {
    // NCHW (4, 13, 4, 4): 4·576·49·128 = 14450688; 7·832 = 5824; 49·4·13·4 = 10192; 576·4·13·49 = 1467648; 576·96·13 = 718848
    const terms = paperTuckerConvBackward(worked, nchwRanksToNhwc([4, 13, 4, 4]));
    expect(terms.map((t) => t.flops)).toEqual([14_450_688, 5_824, 10_192, 1_467_648, 718_848]);
    expect(terms.reduce((s, t) => s + t.flops, 0)).toBe(16_653_200);
    expect(paperTuckerBackward(worked, [4, 4, 4, 13])).toEqual(terms);
  });

  it('dense 2-D and 3-D share one formula; a 4-D input is each method’s own', () => {
    // 3-D (B=2, N=3, I=4, O=5, ranks [1, 2, 2]): 2·3·5·1 + 1·2·2·3 + 1·2·4·3 + 4·5·3·1 = 30 + 12 + 24 + 60
    const g3: LayerGeometry = { kind: 'dense', inputShape: [2, 3, 4], weightShape: [4, 5], outputShape: [2, 3, 5] };
    expect(paperTuckerDenseBackward(g3, [1, 2, 2]).map((t) => t.flops)).toEqual([30, 12, 24, 60]);
    // 2-D (B=6, I=4, O=2, ranks [2, 3]): B·O·K0 = 24; K0·K1·I = 24; I·O·K0 = 16
    const g2: LayerGeometry = { kind: 'dense', inputShape: [6, 4], weightShape: [4, 2], outputShape: [6, 2] };
    expect(paperTuckerDenseBackward(g2, [2, 3]).map((t) => t.flops)).toEqual([24, 24, 16]);
    const g4: LayerGeometry = { kind: 'dense', inputShape: [1, 2, 2, 3], weightShape: [3, 2], outputShape: [1, 2, 2, 2] };
    expect(() => paperTuckerBackward(g4, [1, 1, 1, 1])).toThrow(/method's cost model/);
  });
});

describe('HOSVD_ε, computed once', () => {
  it('a tensor of multilinear rank (2, 2, 3) gives those ranks at ε = 1 − 1e-6', () => {
    // A = S ×_0 U0 ×_1 U1 ×_2 U2 with S 2×2×3 and random full-rank factors 5×2, 4×2, 6×3
    // (a feasible multilinear rank: each k_n ≤ the product of the others)
    const before = tf.memory().numTensors;
    const a = tf.tidy(() => {
      const s = tf.randomNormal([2, 2, 3], 0, 1, 'float32', 1);
      const u0 = tf.randomNormal([5, 2], 0, 1, 'float32', 2);
      const u1 = tf.randomNormal([4, 2], 0, 1, 'float32', 3);
      const u2 = tf.randomNormal([6, 3], 0, 1, 'float32', 4);
      const t1 = tf.einsum('abc,ia->ibc', s, u0);
      const t2 = tf.einsum('ibc,jb->ijc', t1, u1);
      return tf.einsum('ijc,kc->ijk', t2, u2);
    });
    expect(hosvdRanks(a, 0.999999)).toEqual([2, 2, 3]);
    expect(hosvdRanks(a, 0.999999, 'svd')).toEqual([2, 2, 3]);
    a.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('agrees with the ε rule on the unfoldings’ spectra', () => {
    // A[i, i] = v_i: both unfoldings have singular values v. 16/21 < 0.9 ≤ 20/21 → 2
    const v = [4, 2, 1];
    const a = tf.tensor2d([4, 0, 0, 0, 2, 0, 0, 0, 1], [3, 3]);
    expect(hosvdRanks(a, 0.9)).toEqual(ranksFromSpectra([v, v], 0.9));
    expect(hosvdRanks(a, 0.9)).toEqual([2, 2]);
    const { factors, ranks } = hosvdFactors(a, 1);
    expect(ranks).toEqual([3, 3]); // ε = 1 keeps every direction on the Gram path
    expect(factors.map((u) => u.shape)).toEqual([[3, 3], [3, 3]]);
    tf.dispose([a, ...factors]);
    expect(() => hosvdRanks(tf.zeros([2, 2]), 0)).toThrow(/epsilon must be in \(0, 1\]/);
    expect(() => hosvdRanks(tf.zeros([2, 2]), 0.5, 'qr' as never)).toThrow(/path must be 'gram' or 'svd'/);
  });

  it('explainedVarianceRank: the rule on squared singular values', () => {
    expect(explainedVarianceRank([9, 4, 1], 0.8)).toBe(2); // 9/14 < 0.8 ≤ 13/14
    expect(explainedVarianceRank([1, 9, 4], 0.6)).toBe(1); // any order: 9/14 ≥ 0.6
    expect(explainedVarianceRank([9, 4, 1], 1)).toBe(3);
    expect(() => explainedVarianceRank([], 0.5)).toThrow(/empty spectrum/);
  });
});
