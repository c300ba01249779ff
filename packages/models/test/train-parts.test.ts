import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, setupBackend, tf } from '@odl/backend';
import { clipByGlobalNorm, crossEntropy, learningRateAt, makeBatch, Optimizer } from '@odl/models';

describe('trainer parts', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });

  it('SGD with momentum, Nesterov and weight decay matches a hand-written float64 loop (PyTorch semantics)', () => {
    const w0 = [0.5, -1.25, 2];
    const gs = [[0.1, 0.2, -0.3], [0.05, -0.4, 0.25], [-0.2, 0.1, 0.1]];
    for (const nesterov of [false, true]) {
      const w = tf.variable(tf.tensor1d(w0));
      const opt = new Optimizer({ type: 'sgd', learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov });
      const ref = [...w0];
      const buf = [0, 0, 0];
      gs.forEach((g, step) => {
        const lr = 0.1 / (step + 1);
        const grads = new Map([['w', tf.tensor1d(g)]]);
        opt.apply(new Map([['w', w]]), grads, lr);
        grads.get('w')!.dispose();
        for (let i = 0; i < 3; i++) {
          const d = g[i] + 0.01 * ref[i];
          buf[i] = 0.9 * buf[i] + d;
          ref[i] -= lr * (nesterov ? d + 0.9 * buf[i] : buf[i]);
        }
      });
      Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 6));
      expect(opt.step).toBe(3);
      w.dispose();
      opt.dispose();
    }
  });

  it('Adam matches a hand-written float64 loop; state round-trips', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const opt = new Optimizer({ type: 'adam', learningRate: 0.01 });
    const ref = [1, -2];
    const m = [0, 0];
    const v = [0, 0];
    const gs = [[0.3, -0.1], [0.2, 0.4], [-0.5, 0.05]];
    gs.forEach((g, k) => {
      const t = k + 1;
      const grads = new Map([['w', tf.tensor1d(g)]]);
      opt.apply(new Map([['w', w]]), grads, 0.01);
      grads.get('w')!.dispose();
      for (let i = 0; i < 2; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        ref[i] -= (0.01 * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-8);
      }
    });
    Array.from(w.dataSync()).forEach((x, i) => expect(x).toBeCloseTo(ref[i], 6));
    const state = opt.getState();
    expect(Object.keys(state.slots).sort()).toEqual(['w/m', 'w/v']);
    const opt2 = new Optimizer({ type: 'adam', learningRate: 0.01 });
    opt2.setState(state);
    expect(opt2.step).toBe(3);
    tf.dispose(Object.values(state.slots));
    [opt, opt2].forEach((o) => o.dispose());
    w.dispose();
    expect(() => new Optimizer({ type: 'rmsprop' } as never)).toThrow(/unknown type/);
  });

  it('cosine schedule with warm-up', () => {
    expect(learningRateAt(0, 100, 0.1, { warmupSteps: 10 })).toBeCloseTo(0.01, 12);
    expect(learningRateAt(9, 100, 0.1, { warmupSteps: 10 })).toBeCloseTo(0.1, 12);
    expect(learningRateAt(10, 100, 0.1, { warmupSteps: 10 })).toBeCloseTo(0.1, 12);
    expect(learningRateAt(55, 100, 0.1, { warmupSteps: 10 })).toBeCloseTo(0.05, 12);
    expect(learningRateAt(100, 100, 0.1, { warmupSteps: 10, minLearningRate: 0.001 })).toBeCloseTo(0.001, 12);
    expect(learningRateAt(50, 100, 0.1, { kind: 'constant' })).toBe(0.1);
  });

  it('global-norm clipping and cross-entropy against direct formulas', () => {
    const grads = new Map([['a', tf.tensor1d([3, 0])], ['b', tf.tensor1d([0, 4])]]);
    const { grads: c, norm } = clipByGlobalNorm(grads, 2);
    expect(norm).toBeCloseTo(5, 6);
    expect(Array.from(c.get('a')!.dataSync())[0]).toBeCloseTo((3 * 2) / (5 + 1e-6), 6);
    const { grads: same } = clipByGlobalNorm(grads, 10);
    expect(Array.from(same.get('b')!.dataSync())).toEqual([0, 4]);
    tf.dispose([...grads.values(), ...c.values(), ...same.values()]);
    const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
    const loss = crossEntropy(logits, tf.tensor1d([0, 2], 'int32')).dataSync()[0];
    const lse = (r: number[]) => Math.log(r.reduce((s, x) => s + Math.exp(x), 0));
    expect(loss).toBeCloseTo((lse([2, 0, -1]) - 2 + lse([0.5, 0.5, 3]) - 3) / 2, 6);
    logits.dispose();
  });

  it('makeBatch: centre padding, normalisation, 1 -> 3 channels, seeded augmentation', () => {
    const images = new Uint8Array(2 * 2 * 2).map((_, i) => i * 30);
    const data = { images, shape: [2, 2, 2, 1] as [number, number, number, number], labels: [1, 0], numClasses: 2 };
    const { x, y } = makeBatch(data, [1], { height: 4, width: 4, channels: 3, mean: 0.5, std: 0.5 });
    expect(x.shape).toEqual([1, 4, 4, 3]);
    expect(Array.from(y.dataSync())).toEqual([0]);
    const v = x.arraySync() as number[][][][];
    expect(v[0][0][0]).toEqual([-1, -1, -1]);
    expect(v[0][1][1][2]).toBeCloseTo((120 / 255 - 0.5) / 0.5, 6);
    expect(v[0][2][2][0]).toBeCloseTo((210 / 255 - 0.5) / 0.5, 6);
    const aug = (seed: number) => {
      const b = makeBatch(data, [0, 1], { height: 4, width: 4, channels: 1 }, { maxShift: 1, horizontalFlip: true }, new SeededRandom(seed));
      const out = Array.from(b.x.dataSync());
      tf.dispose([b.x, b.y]);
      return out;
    };
    expect(aug(5)).toEqual(aug(5));
    tf.dispose([x, y]);
  });
});
