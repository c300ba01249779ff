import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf, tuckerCompose } from '@odl/backend';
import { compressedConv2d, conv2dGeometry, unpackTucker, type CompressedActivation } from '@odl/core';
import { gramSchmidtF64 } from '@odl/test-utils';
import { AsiCompressor, asiPlugin } from '../src/index';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

const shape = [24, 10, 10, 16];
const ranks = [4, 3, 3, 4];
const geometry = conv2dGeometry(shape, [1, 1, 16, 8]);

/** Orthonormal d×k matrix from a float64 Gram–Schmidt of seeded Gaussian columns (independent of odl). */
function orthonormal(d: number, k: number, seed: number): tf.Tensor2D {
  const g = tf.randomNormal([d, k], 0, 1, 'float32', seed);
  const q = gramSchmidtF64(g.dataSync(), d, k);
  g.dispose();
  return tf.tensor2d(Float32Array.from(q), [d, k]);
}

/** A = (Tucker tensor of the given ranks, decaying core) + relative noise; with the true factors. */
function lowRankPlusNoise(noise: number): { a: tf.Tensor; factors: tf.Tensor2D[] } {
  const factors = shape.map((d, n) => orthonormal(d, ranks[n], 20 + n));
  const a = tf.tidy(() => {
    const core = tf.mul(tf.randomNormal(ranks, 0, 1, 'float32', 11), tf.reshape(tf.tensor1d([1, 0.4, 0.15, 0.05]), [1, 1, 1, 4]));
    const lr = tuckerCompose(core, factors);
    const scale = (noise * tf.norm(lr).dataSync()[0]) / Math.sqrt(lr.size);
    return tf.add(lr, tf.mul(tf.randomNormal(shape, 0, 1, 'float32', 30), scale));
  });
  return { a, factors };
}

const relRecError = (a: tf.Tensor, act: CompressedActivation): number =>
  tf.tidy(() => {
    const { core, factors } = unpackTucker(act);
    return tf.norm(tf.sub(a, tuckerCompose(core, factors))).dataSync()[0] / tf.norm(a).dataSync()[0];
  });

const disposeAct = (act: CompressedActivation) => act.tensors.forEach((t) => t.dispose());

function errorsOverSteps(c: AsiCompressor, a: tf.Tensor, steps: number): number[] {
  const errs: number[] = [];
  for (let s = 0; s < steps; s++) {
    const act = c.compress(a);
    errs.push(relRecError(a, act));
    disposeAct(act);
  }
  return errs;
}

describe('ASI warm start', () => {
  for (const schedule of ['sequential', 'independent'] as const)
  for (const storage of ['float32', 'int8'] as const)
  it(`reaches the noise floor within 3 steps on low rank + noise; cold-only never does (${schedule}, ${storage})`, () => {
    const { a, factors } = lowRankPlusNoise(0.01);
    // Noise floor: the error of projecting onto the true subspaces.
    const floor = tf.tidy(() => {
      const s = factors.reduce<tf.Tensor>((t, u, n) => {
        const perm = [n, ...shape.map((_, i) => i).filter((i) => i !== n)];
        const moved = tf.transpose(t, perm);
        const prod = tf.matMul(u, tf.matMul(u, tf.reshape(moved, [shape[n], -1]), true, false));
        return tf.transpose(tf.reshape(prod, moved.shape), perm.map((_, i) => perm.indexOf(i)));
      }, a);
      return tf.norm(tf.sub(a, s)).dataSync()[0] / tf.norm(a).dataSync()[0];
    });
    const warm = asiPlugin.create(geometry, { ranks, seed: 3, schedule, storage }) as AsiCompressor;
    const cold = asiPlugin.create(geometry, { ranks, seed: 3, warmStart: false, schedule, storage }) as AsiCompressor;
    // int8 storage adds its rounding to every step: each element within 0.4 % of its column's
    // largest magnitude, about 1 % of the reconstruction here (in quadrature: 1.5× this floor)
    const slack = storage === 'int8' ? 0.6 : 0.02;
    const errsWarm = errorsOverSteps(warm, a, 5);
    const errsCold = errorsOverSteps(cold, a, 6);
    expect(warm.lastStarts).toEqual(['warm', 'warm', 'warm', 'warm']);
    expect(cold.lastStarts).toEqual(['cold', 'cold', 'cold', 'cold']);
    expect(errsWarm[0]).toBeGreaterThan(2 * floor);
    const steady = storage === 'int8' ? 1.1 : 1 + 1e-4; // the rounding makes the plateau jitter
    for (let s = 1; s < errsWarm.length; s++) expect(errsWarm[s]).toBeLessThanOrEqual(errsWarm[s - 1] * steady);
    for (let s = 2; s < errsWarm.length; s++) expect(errsWarm[s]).toBeLessThan((1 + slack) * floor);
    expect(errsCold[0]).toBe(errsWarm[0]); // same seed, same cold first step
    for (const e of errsCold) expect(e).toBeGreaterThan(2 * floor);
    expect(errsCold.reduce((x, y) => x + y, 0) / errsCold.length).toBeGreaterThan(5 * floor);
    warm.dispose();
    cold.dispose();
    a.dispose();
    factors.forEach((f) => f.dispose());
  });

  it('re-initialises cold the modes whose shape changes (last, smaller batch)', () => {
    const { a, factors } = lowRankPlusNoise(0.01);
    const c = asiPlugin.create(geometry, { ranks, seed: 3 }) as AsiCompressor;
    errorsOverSteps(c, a, 2);
    const small = tf.slice(a, [0, 0, 0, 0], [3, -1, -1, -1]); // batch 3 < rank 4: k_B becomes 3
    const act = c.compress(small);
    expect(c.lastStarts).toEqual(['cold', 'warm', 'warm', 'warm']);
    expect(unpackTucker(act).core.shape).toEqual([3, 3, 3, 4]);
    expect(relRecError(small, act)).toBeLessThan(0.05);
    disposeAct(act);
    const back = c.compress(a);
    expect(c.lastStarts).toEqual(['cold', 'warm', 'warm', 'warm']);
    disposeAct(back);
    expect(() => c.compress(tf.zeros([24, 10, 10, 15]))).toThrow(/only the batch may differ/);
    c.dispose();
    [a, small, ...factors].forEach((t) => t.dispose());
  });
});

describe('ASI state', () => {
  for (const storage of ['float32', 'int8'] as const)
  for (const warmStart of [true, false]) {
    it(`getState/setState round-trips and reproduces the next step exactly (warmStart ${warmStart}, ${storage})`, () => {
      const { a, factors } = lowRankPlusNoise(0.05);
      const b = tf.randomNormal(shape, 0, 1, 'float32', 99);
      const c1 = asiPlugin.create(geometry, { ranks, seed: 5, warmStart, storage }) as AsiCompressor;
      errorsOverSteps(c1, a, 2);
      const state = c1.getState();
      // A JSON round trip of the plain values, as a checkpoint would do.
      const values = JSON.parse(JSON.stringify(state.values));
      const c2 = asiPlugin.create(geometry, { ranks, seed: 1234, warmStart, storage }) as AsiCompressor;
      c2.setState({ tensors: state.tensors, values });
      Object.values(state.tensors).forEach((t) => t.dispose()); // setState copied them
      expect(c2.steps).toBe(2);
      const n1 = c1.compress(b);
      const n2 = c2.compress(b);
      n1.tensors.forEach((t, i) => expect(Array.from(n2.tensors[i].dataSync())).toEqual(Array.from(t.dataSync())));
      [n1, n2].forEach(disposeAct);
      expect(() => c2.setState({ tensors: {}, values: { method: 'hosvd' } })).toThrow(/not an ASI state/);
      if (storage === 'int8') {
        // a float32 compressor restores an int8 state by decoding it, and the reverse by quantizing
        const f = asiPlugin.create(geometry, { ranks, seed: 5, warmStart }) as AsiCompressor;
        const back = c1.getState();
        f.setState(back);
        const q = asiPlugin.create(geometry, { ranks, seed: 5, warmStart, storage }) as AsiCompressor;
        const fs = f.getState();
        q.setState(fs);
        const qs = q.getState();
        for (let n = 0; n < 4; n++) {
          if (!warmStart && back.tensors[`U${n}.codes`] == null) continue;
          expect(Array.from(qs.tensors[`U${n}.codes`]!.dataSync())).toEqual(Array.from(back.tensors[`U${n}.codes`]!.dataSync()));
        }
        [back, fs, qs].forEach((st) => Object.values(st.tensors).forEach((t) => t.dispose()));
        f.dispose();
        q.dispose();
      }
      c1.dispose();
      c2.dispose();
      [a, b, ...factors].forEach((t) => t.dispose());
    });
  }

  for (const storage of ['float32', 'int8'] as const)
  it(`keeps tf.memory().numTensors flat over 100 training steps (${storage})`, () => {
    const small = conv2dGeometry([6, 6, 6, 8], [3, 3, 8, 4], { pad: 'same' });
    const [xShape, wShape] = [small.inputShape as [number, number, number, number], small.weightShape as [number, number, number, number]];
    const c = asiPlugin.create(small, { ranks: [3, 3, 3, 4], seed: 1, storage });
    const x = tf.randomNormal(xShape, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.variable(tf.randomNormal(wShape, 0, 0.1, 'float32', 2)) as tf.Variable<tf.Rank.R4>;
    const bias = tf.variable(tf.zeros([4])) as tf.Variable<tf.Rank.R1>;
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(compressedConv2d(x, w, bias, { pad: 'same' }, c))) as tf.Scalar, [w, bias]);
      tf.tidy(() => {
        w.assign(tf.sub(w, tf.mul(grads[w.name], 0.01)));
        bias.assign(tf.sub(bias, tf.mul(grads[bias.name], 0.01)));
      });
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    c.dispose();
    [x, w, bias].forEach((t) => t.dispose());
  });
});
