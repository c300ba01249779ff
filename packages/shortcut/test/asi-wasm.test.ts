import { describe, expect, it } from 'vitest';
import { setupBackend, tf, tuckerCompose } from '@odl/backend';
import { conv2dGeometry, createLayerCompressor, denseGeometry, unpackTucker, type LayerGeometry } from '@odl/core';
import { AsiCompressor, asiPlugin, measurePerplexity, registerShortcut } from '../src/index';
import { projectorF64, refWeightGradient, relFro } from '@odl/test-utils';
import { layerCases, opGradients } from './helpers/cases';

/** Reconstruction errors of `steps` ASI steps over fresh batches, on the active backend. */
function run(g: LayerGeometry, ranks: number[], steps: number, data: Float32Array[]): { errors: number[]; factors: number[][] } {
  const c = asiPlugin.create(g, { ranks, seed: 4 }) as AsiCompressor;
  const errors: number[] = [];
  let factors: number[][] = [];
  const same = tf.tensor(data[0], g.inputShape);
  for (let s = 0; s < steps; s++) {
    // Even steps: a fresh tensor; odd steps: the same tensor again (tfjs-wasm caches per tensor id).
    const a = s % 2 === 0 ? tf.tensor(data[(s / 2) % data.length], g.inputShape) : same;
    const act = c.compress(a);
    const { core, factors: us } = unpackTucker(act);
    errors.push(tf.tidy(() => tf.norm(tf.sub(a, tuckerCompose(core, us))).dataSync()[0] / tf.norm(a).dataSync()[0]));
    factors = us.map((u) => Array.from(u!.dataSync()));
    act.tensors.forEach((t) => t.dispose());
    if (s % 2 === 0) a.dispose();
  }
  c.dispose();
  same.dispose();
  return { errors, factors };
}

registerShortcut();

describe('ASI on wasm', () => {
  it('compresses like the cpu backend over warm steps on fresh and repeated batches', async () => {
    const g = conv2dGeometry([32, 7, 7, 48], [1, 1, 48, 8]);
    const ranks = [5, 4, 4, 6];
    await setupBackend({ prefer: ['cpu'] });
    const data = [1, 2, 3].map((seed) => tf.tidy(() => tf.relu(tf.randomNormal(g.inputShape, 0.2, 1, 'float32', seed)).dataSync().slice() as Float32Array));
    const cpu = run(g, ranks, 6, data);
    await setupBackend({ prefer: ['wasm'] });
    const start = tf.memory().numTensors;
    const wasm = run(g, ranks, 6, data);
    expect(tf.memory().numTensors).toBe(start);
    wasm.errors.forEach((e, i) => expect(Math.abs(e - cpu.errors[i])).toBeLessThan(1e-4));
    // Same subspaces (factors may differ by column signs): compare the projectors U Uᵀ.
    const projector = (u: number[], d: number) => projectorF64(u, d, u.length / d);
    wasm.factors.forEach((f, n) => {
      const d = g.inputShape[n];
      expect(relFro(projector(f, d), projector(cpu.factors[n], d))).toBeLessThan(1e-3);
    });
  });

  for (const lc of layerCases.filter((c) => ['conv 3×3 s2 same, odd 9×7', 'depthwise 3×3 same', 'dense 3-D'].includes(c.name))) {
    it(`${lc.name}: full-rank weight gradient equals the exact one on wasm`, async () => {
      await setupBackend({ prefer: ['wasm'] });
      const g = lc.geometry;
      tf.tidy(() => {
        const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', 1);
        const w = tf.randomNormal(g.weightShape, 0, 1, 'float32', 2);
        const b = tf.zeros([g.outputShape[g.outputShape.length - 1]]) as tf.Tensor1D;
        const r = tf.randomNormal(g.outputShape, 0, 1, 'float32', 4);
        const asi = createLayerCompressor('asi', g, { ranks: [...g.inputShape] });
        const [, dw] = opGradients(lc, asi, x, w, b, r);
        expect(relFro(dw.dataSync(), refWeightGradient(g, x, r))).toBeLessThan(1e-5);
        asi.dispose();
      });
    });
  }

  it('a dense 2-D layer needs one transpose and stays exact at full rank', async () => {
    await setupBackend({ prefer: ['wasm'] });
    const g = denseGeometry([12, 20], [20, 3]);
    const c = asiPlugin.create(g, { ranks: [12, 20] });
    tf.tidy(() => {
      const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', 8);
      const dy = tf.randomNormal(g.outputShape, 0, 1, 'float32', 9);
      for (let s = 0; s < 3; s++) {
        const act = c.compress(x);
        expect(relFro(c.weightGradient(act, dy).dataSync(), refWeightGradient(g, x, dy))).toBeLessThan(1e-5);
      }
    });
    c.dispose();
  });

  it('measures the same perplexity table as the cpu backend (conv 1×1 / 3×3, dense 3-D / 4-D)', async () => {
    const gs = [
      conv2dGeometry([16, 8, 8, 24], [1, 1, 24, 12]),
      conv2dGeometry([16, 8, 8, 24], [3, 3, 24, 12], { pad: 'same' }),
      denseGeometry([8, 10, 24], [24, 6]),
      denseGeometry([4, 5, 5, 24], [24, 6]),
    ];
    await setupBackend({ prefer: ['cpu'] });
    const data = gs.map((g, i) => ({
      x: tf.tidy(() => tf.relu(tf.randomNormal(g.inputShape, 0, 1, 'float32', 1 + i)).dataSync().slice()),
      dy: tf.tidy(() => tf.randomNormal(g.outputShape, 0, 1, 'float32', 10 + i).dataSync().slice()),
    }));
    const tables = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await setupBackend({ prefer: [backend] });
      const layers = gs.map((g, i) => ({ name: `l${i}`, geometry: g, input: tf.tensor(data[i].x, g.inputShape), dy: tf.tensor(data[i].dy, g.outputShape) }));
      tables.push(measurePerplexity(layers, { epsilons: [0.5, 0.9] }));
      layers.forEach((l) => [l.input, l.dy].forEach((t) => t.dispose()));
    }
    const [cpu, wasm] = tables;
    wasm.layers.forEach((l, i) =>
      l.candidates.forEach((c, j) => {
        expect(c.ranks).toEqual(cpu.layers[i].candidates[j].ranks);
        expect(Math.abs(c.perplexity - cpu.layers[i].candidates[j].perplexity)).toBeLessThan(1e-4 * cpu.layers[i].exactGradientNorm);
      }),
    );
  });

  it('low-rank training steps give the same gradients as on cpu (identical data, 3 warm steps)', async () => {
    const cases = [layerCases[0], layerCases[1], layerCases[10]]; // conv 1×1, conv 3×3 same, dense 3-D
    for (const lc of cases) {
      const g = lc.geometry;
      await setupBackend({ prefer: ['cpu'] });
      const arr = (shape: number[], seed: number) => tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync().slice());
      const xs = [arr(g.inputShape, 1), arr(g.inputShape, 2), arr(g.inputShape, 3)];
      const w = arr(g.weightShape, 4);
      const r = arr(g.outputShape, 5);
      const b = arr([g.outputShape[g.outputShape.length - 1]], 6);
      const grads: Record<string, Float32Array[][]> = {};
      for (const backend of ['cpu', 'wasm'] as const) {
        await setupBackend({ prefer: [backend] });
        const c = asiPlugin.create(g, { ranks: g.inputShape.map((d) => Math.ceil(d / 2)), seed: 3 });
        grads[backend] = xs.map((x) =>
          tf.tidy(() =>
            opGradients(lc, c, tf.tensor(x, g.inputShape), tf.tensor(w, g.weightShape), tf.tensor1d(b), tf.tensor(r, g.outputShape)).map((t) => t.dataSync() as Float32Array),
          ),
        );
        c.dispose();
      }
      grads.cpu.forEach((step, s) => step.forEach((t, k) => expect(relFro(grads.wasm[s][k], t)).toBeLessThan(1e-4)));
    }
  });
});
