import { describe, expect, it } from 'vitest';
import { setupBackend, tf, tuckerCompose } from '@odl/backend';
import { conv2dGeometry, denseGeometry, sequentialModeOrder, unpackTucker, type LayerGeometry } from '@odl/core';
import { AsiCompressor } from '../src/index';
import { gramSchmidtF64, modeProductF64, projectorF64, relFro, unfoldF64, type F64Tensor } from '@odl/test-utils';

// The 'sequential' schedule checked against a slow Float64 implementation written from its
// definition: visit the modes in order; for mode n, P = T_(n) T_(n)ᵀ U_prev on the CURRENT tensor
// T (already projected onto the modes visited before); U_n = orth(P); T ← T ×_n U_nᵀ; the core is
// the final T.

/** One warm sequential step in Float64: factors (d_n×k_n row-major) and the core. */
function referenceStep(a: F64Tensor, ks: number[], order: number[], prev: Float64Array[]): { factors: Float64Array[]; core: F64Tensor } {
  let t = a;
  const factors: Float64Array[] = [];
  for (const n of order) {
    const d = a.shape[n];
    const k = ks[n];
    const x = unfoldF64(t.data, t.shape, n);
    const m = x.length / d;
    const y = new Float64Array(m * k); // T_(n)ᵀ U_prev
    for (let r = 0; r < d; r++) for (let c = 0; c < m; c++) for (let j = 0; j < k; j++) y[c * k + j] += x[r * m + c] * prev[n][r * k + j];
    const p = new Float64Array(d * k); // T_(n) y
    for (let r = 0; r < d; r++) for (let c = 0; c < m; c++) for (let j = 0; j < k; j++) p[r * k + j] += x[r * m + c] * y[c * k + j];
    factors[n] = gramSchmidtF64(p, d, k);
    t = modeProductF64(t.data, t.shape, factors[n], k, n, true);
  }
  return { factors, core: t };
}

/** A low-rank-plus-noise activation (so that the subspaces are well separated), post-ReLU. */
function activation(shape: number[], seed: number): tf.Tensor {
  return tf.tidy(() => {
    let t = tf.randomNormal(shape, 0.3, 1, 'float32', seed);
    shape.forEach((d, n) => {
      const scale = tf.tensor1d(Array.from({ length: d }, (_, i) => (1 + i) ** -1));
      t = tf.mul(t, tf.reshape(scale, shape.map((v, i) => (i === n ? d : 1))));
    });
    return tf.relu(t);
  });
}

const cases: { name: string; geometry: LayerGeometry; ranks: number[]; order: number[] }[] = [
  { name: 'conv 1×1 on 6×5 maps', geometry: conv2dGeometry([10, 6, 5, 24], [1, 1, 24, 8]), ranks: [4, 3, 2, 5], order: [2, 1, 3, 0] },
  { name: 'conv 3×3 stride 2, height shrinking most', geometry: conv2dGeometry([8, 9, 7, 12], [3, 3, 12, 4], { strides: 2, pad: 'same' }), ranks: [3, 2, 5, 4], order: [1, 0, 3, 2] },
  { name: 'conv 3×3 on a 1×1 map (last MCUNet stage at 32 px)', geometry: conv2dGeometry([16, 1, 1, 40], [1, 1, 40, 8]), ranks: [6, 1, 1, 6], order: [3, 2, 1, 0] },
  { name: 'dense 3-D (tokens)', geometry: denseGeometry([6, 9, 20], [20, 4]), ranks: [3, 4, 5], order: [0, 2, 1] },
];

/** Multiply-adds of a sequential pass in `order`: 3·N·k_n per mode on the current size N (0 for k_n = d_n). */
function passMacs(shape: number[], ks: number[], order: number[]): number {
  let size = shape.reduce((a, b) => a * b, 1);
  let macs = 0;
  for (const n of order) {
    if (ks[n] === shape[n]) continue;
    macs += 3 * size * ks[n];
    size = (size / shape[n]) * ks[n];
  }
  return macs;
}

/** Every order of 0 … r−1. */
function allOrders(r: number): number[][] {
  if (r === 1) return [[0]];
  return allOrders(r - 1).flatMap((o) => Array.from({ length: r }, (_, at) => [...o.slice(0, at), r - 1, ...o.slice(at)]));
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`ASI sequential schedule (${backend})`, () => {
    it('visits the modes in an order with the fewest multiply-adds (brute force over all orders)', () => {
      const more = [
        { shape: [64, 7, 7, 576], ranks: [4, 4, 4, 16] },
        { shape: [128, 1, 1, 320], ranks: [36, 1, 1, 36] },
        { shape: [128, 576], ranks: [10, 10] },
        { shape: [3, 5, 4, 6, 7], ranks: [2, 2, 3, 1, 4] },
      ];
      for (const { shape, ranks } of [...cases.map((c) => ({ shape: c.geometry.inputShape, ranks: c.ranks })), ...more]) {
        const order = sequentialModeOrder(shape, ranks);
        expect([...order].sort()).toEqual(shape.map((_, i) => i));
        const best = Math.min(...allOrders(shape.length).map((o) => passMacs(shape, ranks, o)));
        expect(passMacs(shape, ranks, order)).toBe(best);
      }
      for (const c of cases) expect(sequentialModeOrder(c.geometry.inputShape, c.ranks)).toEqual(c.order);
      // equally cheap orders keep the batch last: on 1×1 maps its projection then loses nothing
      expect(sequentialModeOrder([128, 1, 1, 320], [36, 1, 1, 36])).toEqual([3, 2, 1, 0]);
      // on 7×7 maps the batch mode (rank 4) goes first: its step reads the full activation most cheaply
      expect(sequentialModeOrder([64, 7, 7, 576], [4, 4, 4, 16])[0]).toBe(0);
    });

    for (const c of cases) {
      it(`${c.name}: a warm step equals the Float64 definition (factors and core)`, async () => {
        await setupBackend({ prefer: [backend] });
        const shape = c.geometry.inputShape;
        const comp = new AsiCompressor(c.geometry, { ranks: c.ranks, seed: 2 });
        expect(comp.schedule).toBe('sequential');
        const x1 = activation(shape, 1);
        const x2 = activation(shape, 2);
        tf.dispose(comp.compress(x1).tensors);
        const state = comp.getState()!;
        const prev = c.ranks.map((_, n) => Float64Array.from(state.tensors[`U${n}`].dataSync()));
        const act = comp.compress(x2);
        expect(comp.lastStarts.every((s) => s === 'warm')).toBe(true);
        const { core, factors } = unpackTucker(act);
        const ref = referenceStep({ shape, data: Float64Array.from(x2.dataSync()) }, c.ranks, c.order, prev);
        factors.forEach((u, n) => {
          const [d, k] = [shape[n], c.ranks[n]];
          expect(relFro(projectorF64(u!.dataSync(), d, k), projectorF64(ref.factors[n], d, k))).toBeLessThan(1e-4);
        });
        // The core depends on each factor's basis; its reconstruction does not.
        const rebuilt = tuckerCompose(core, factors).dataSync();
        const refCore = tf.tensor(Float32Array.from(ref.core.data), ref.core.shape);
        const refFactors = ref.factors.map((u, n) => tf.tensor2d(Float32Array.from(u), [shape[n], c.ranks[n]]));
        const refRebuilt = tuckerCompose(refCore, refFactors).dataSync();
        expect(relFro(rebuilt, refRebuilt)).toBeLessThan(1e-4);
        tf.dispose([x1, x2, refCore, ...refFactors, ...act.tensors, ...Object.values(state.tensors)]);
        comp.dispose();
      });
    }

    it('at full rank the reconstruction is exact, and the counts match the contract', async () => {
      await setupBackend({ prefer: [backend] });
      const g = conv2dGeometry([6, 4, 3, 5], [1, 1, 5, 2]);
      const comp = new AsiCompressor(g, { ranks: [6, 4, 3, 5] });
      const x = activation(g.inputShape, 3);
      const act = comp.compress(x);
      const { core, factors } = unpackTucker(act);
      expect(act.elements).toBe(act.tensors.reduce((s, t) => s + t.size, 0));
      expect(relFro(tuckerCompose(core, factors).dataSync(), x.dataSync())).toBeLessThan(1e-5);
      tf.dispose([x, ...act.tensors]);
      comp.dispose();
    });
  });
}

describe('ASI schedule options', () => {
  it('rejects an unknown schedule and bad powerSteps with messages that name the fix', () => {
    const g = denseGeometry([4, 6], [6, 2]);
    expect(() => new AsiCompressor(g, { ranks: [2, 2], schedule: 'fast' as never })).toThrow(/schedule must be 'sequential' or 'independent'/);
    expect(() => new AsiCompressor(g, { ranks: [2, 2], powerSteps: 0 })).toThrow(/powerSteps must be an integer in \[1, 64\]/);
    expect(() => new AsiCompressor(g, { ranks: [2, 2], powerSteps: 2, schedule: 'independent' })).toThrow(/needs schedule 'sequential'/);
  });

  it('powerSteps q: a cold step equals q power iterations of the Float64 definition', async () => {
    await setupBackend({ prefer: ['cpu'] });
    const g = denseGeometry([12, 30], [30, 4]);
    const x = activation([12, 30], 4);
    const xs = Float64Array.from(x.dataSync());
    const errors: number[] = [];
    for (const q of [1, 3]) {
      const c = new AsiCompressor(g, { ranks: [3, 3], powerSteps: q, warmStart: false, seed: 1 });
      const act = c.compress(x);
      const rebuilt = tuckerCompose(unpackTucker(act).core, unpackTucker(act).factors).dataSync();
      errors.push(relFro(rebuilt, xs));
      // channel factor by the definition: q − 1 further steps U ← orth(XᵀX U) from the cold basis
      const cold = new AsiCompressor(g, { ranks: [3, 3], warmStart: false, seed: 1 });
      const actCold = cold.compress(x);
      let u: Float64Array = Float64Array.from(unpackTucker(actCold).factors[1]!.dataSync());
      for (let s = 1; s < q; s++) {
        const y = new Float64Array(12 * 3);
        for (let i = 0; i < 12; i++) for (let j = 0; j < 30; j++) for (let k = 0; k < 3; k++) y[i * 3 + k] += xs[i * 30 + j] * u[j * 3 + k];
        const p = new Float64Array(30 * 3);
        for (let i = 0; i < 12; i++) for (let j = 0; j < 30; j++) for (let k = 0; k < 3; k++) p[j * 3 + k] += xs[i * 30 + j] * y[i * 3 + k];
        u = gramSchmidtF64(p, 30, 3);
      }
      expect(relFro(projectorF64(unpackTucker(act).factors[1]!.dataSync(), 30, 3), projectorF64(u, 30, 3))).toBeLessThan(1e-4);
      tf.dispose([...act.tensors, ...actCold.tensors]);
      c.dispose();
      cold.dispose();
    }
    expect(errors[1]).toBeLessThan(errors[0]);
    x.dispose();
  });
});
