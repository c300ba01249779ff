import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf, ArgumentError } from '@odl/backend';
import { decayingActivation } from '@odl/test-utils';
import { hosvdFactors, hosvdFactorsForEpsilons, type SpectrumPath } from '../src/index';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

/** ‖U·Uᵀ − V·Vᵀ‖_F: zero when the two orthonormal bases span the same subspace (any signs). */
function projectorDistance(u: tf.Tensor2D, v: tf.Tensor2D): number {
  return tf.tidy(() => tf.norm(tf.sub(tf.matMul(u, u, false, true), tf.matMul(v, v, false, true))).dataSync()[0]!);
}

// Out of order, with a duplicate and ε = 1 (which the Gram path answers with a full basis).
const EPSILONS = [0.9, 0.4, 0.99, 0.6, 0.8, 1, 0.95, 0.8];

describe('hosvdFactorsForEpsilons: one spectrum per mode for every ε', () => {
  for (const path of ['gram', 'svd'] as SpectrumPath[]) {
    for (const [label, shape, mean] of [
      ['decaying spectrum', [16, 6, 6, 24], 0],
      // Post-ReLU with a positive mean: whole rows of some unfoldings are zero after the ReLU
      // (the deflated eigenproblem) and the leading direction holds most of the energy.
      ['post-ReLU, strong mean', [12, 5, 5, 40], 0.5],
    ] as const) {
      it(`${path}, ${label}: the ranks of one hosvdFactors call per ε, the same subspaces, nothing leaked`, () => {
        const x = decayingActivation([...shape], { seed: 3, mean, decay: (i) => (1 + i) ** -0.7 });
        const before = tf.memory().numTensors;
        const all = hosvdFactorsForEpsilons(x, EPSILONS, path);
        expect(all).toHaveLength(EPSILONS.length);
        EPSILONS.forEach((epsilon, i) => {
          const one = hosvdFactors(x, epsilon, path);
          expect(all[i]!.ranks, `ε = ${epsilon}`).toEqual(one.ranks);
          all[i]!.factors.forEach((u, n) => {
            expect(u.shape).toEqual([shape[n], one.ranks[n]]);
            expect(projectorDistance(u, one.factors[n]!), `ε = ${epsilon}, mode ${n}`).toBeLessThan(1e-4);
          });
          tf.dispose(one.factors);
        });
        // The ranks grow with ε, and vary with it on this input (the test would not see a prefix error otherwise).
        const byEpsilon = [...new Set(EPSILONS)].sort().map((e) => all[EPSILONS.indexOf(e)]!.ranks);
        for (let j = 1; j < byEpsilon.length; j++) byEpsilon[j]!.forEach((r, n) => expect(r).toBeGreaterThanOrEqual(byEpsilon[j - 1]![n]!));
        expect(new Set(byEpsilon.map((r) => r.join(','))).size).toBeGreaterThan(3);
        // Every factor is its own tensor: disposing all of them releases everything made.
        const factors = all.flatMap((f) => f.factors);
        expect(new Set(factors).size).toBe(factors.length);
        tf.dispose(factors);
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
      });
    }
  }

  it('refuses an empty list and an ε outside (0, 1], naming it', () => {
    const x = tf.ones([4, 3]);
    expect(() => hosvdFactorsForEpsilons(x, [])).toThrow(ArgumentError);
    expect(() => hosvdFactorsForEpsilons(x, [0.5, 1.2])).toThrow(/epsilon must be in \(0, 1\].*1\.2/);
    expect(() => hosvdFactorsForEpsilons(x, [0.5], 'qr' as SpectrumPath)).toThrow(/path must be 'gram' or 'svd'/);
    x.dispose();
  });
});
