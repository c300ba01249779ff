// WASI (docs/method.md §10): ASI's activations plus a weight subspace. Full rank trains exactly as
// vanilla at every step (SGD with and without momentum, dense 3-D and conv2d); the first basis
// keeps the asked explained variance; the refresh keeps L orthonormal and R uses the NEW L; no
// tensor leaks; the conformance kit.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import {
  compressedConv2d,
  compressedDense,
  conv2dGeometry,
  denseGeometry,
  depthwiseGeometry,
  getMethod,
  resolveOptions,
  unsupportedReason,
  VanillaCompressor,
  type LayerCompressor,
  type LayerGeometry,
} from '@odl/core';
import { checkMethodConformance } from '@odl/core/testing';
import { relFro } from '@odl/test-utils';
import { asiPlugin, exactAsi, exactWasi, paperAsi, paperWasi, registerShortcut, WASI_OPTIONS, wasiPlugin, WasiWeights } from '../src';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
  registerShortcut();
});

const dense3in = denseGeometry([3, 5, 6], [6, 8]); // rows 6 < cols 8: basis on the input side
const dense3out = denseGeometry([3, 5, 8], [8, 6]); // cols 6 ≤ rows 8: basis on the output side
const conv = conv2dGeometry([2, 6, 6, 3], [3, 3, 3, 4], { pad: 'same' }); // [27, 4]

const values = (t: tf.Tensor) => Float64Array.from(t.dataSync());
const randn = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

function layer(g: LayerGeometry, x: tf.Tensor, w: tf.Tensor, c: LayerCompressor): tf.Tensor {
  if (g.kind === 'dense') return compressedDense(x, w as tf.Tensor2D, null, c, { inputGradient: false });
  return compressedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, null, { pad: g.pad, strides: g.strides, inputGradient: false }, c);
}

/** Mean squared error of the layer against a target: the loss both runs minimise. */
function loss(g: LayerGeometry, x: tf.Tensor, t: tf.Tensor, w: tf.Tensor, c: LayerCompressor): tf.Scalar {
  return tf.mean(tf.square(tf.sub(layer(g, x, w, c), t))) as tf.Scalar;
}

/** Row-major Float64 [n, k]·[k, m] (optionally transposing b). */
function matMulF64(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number, tb = false): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * (tb ? b[j * k + p]! : b[p * m + j]!);
    out[i * m + j] = s;
  }
  return out;
}

describe("'wasi' under the contract", () => {
  it("declares ASI's options (the same objects) plus the weight subspace's, and passes the conformance kit", () => {
    expect(getMethod('wasi')).toBe(wasiPlugin);
    expect(WASI_OPTIONS.slice(0, asiPlugin.options.length)).toEqual([...asiPlugin.options]);
    asiPlugin.options.forEach((o, i) => expect(WASI_OPTIONS[i]).toBe(o));
    expect(resolveOptions(wasiPlugin, {}).weightEpsilon).toBe(0.9);
    expect(() => resolveOptions(wasiPlugin, { weightEpsilon: 0 })).toThrow(/weightEpsilon/);
    const report = checkMethodConformance(wasiPlugin, [
      { name: 'dense 2-D', geometry: denseGeometry([6, 10], [10, 4]), options: { ranks: [3, 4], weightEpsilon: 0.8 }, exactOptions: { ranks: [6, 10] } },
      { name: 'dense 3-D, input side', geometry: dense3in, options: { ranks: [2, 3, 4], weightRank: 3 }, exactOptions: { ranks: [3, 5, 6] } },
      { name: 'dense 3-D, output side', geometry: dense3out, options: { ranks: [2, 3, 4], weightEpsilon: 0.7 }, exactOptions: { ranks: [3, 5, 8] } },
      { name: 'conv2d 3×3', geometry: conv, options: { ranks: [2, 3, 3, 2], weightRank: 2 }, exactOptions: { ranks: [2, 6, 6, 3] } },
    ]);
    for (const c of report.cases) {
      expect(c.weights!.stateful).toBe(true);
      expect(c.stateful).toBe(true); // ASI's warm-start state
    }
  });

  it('leaves depthwise layers to exact training, with the reason', () => {
    const g = depthwiseGeometry([2, 7, 7, 3], [3, 3, 3, 1], { pad: 'same' });
    expect(unsupportedReason(wasiPlugin, g)).toMatch(/depthwise weight.*trains exactly/);
    const w = tf.zeros(g.weightShape);
    expect(() => new WasiWeights(w, g, {})).toThrow(/depthwise/);
    w.dispose();
  });
});

describe('WASI at full rank trains exactly as vanilla, step by step', () => {
  const cases: [string, LayerGeometry][] = [
    ['dense 3-D, basis on the input side', dense3in],
    ['dense 3-D, basis on the output side', dense3out],
    ['conv2d 3×3', conv],
  ];
  for (const [name, g] of cases) {
    for (const momentum of [0, 0.9]) {
      for (const full of [{ weightEpsilon: 1 }, { weightRank: Math.min(...(g.kind === 'dense' ? g.weightShape : [27, 4])) }]) {
        it(`${name}, SGD${momentum > 0 ? ' with momentum 0.9' : ''}, ${JSON.stringify(full)}`, () => {
          const before = tf.memory().numTensors;
          const w0 = randn(g.weightShape, 1, 0.3);
          const vanillaW = tf.variable(w0, true);
          const wasiW = tf.variable(w0, true);
          w0.dispose();
          const p = new WasiWeights(wasiW, g, full);
          expect(p.trainable.weight).toBe(wasiW); // trained in place
          const vanillaC = new VanillaCompressor(g);
          const asiC = wasiPlugin.create!(g, { ranks: [...g.inputShape] });
          let mv = tf.zerosLike(vanillaW);
          let mw = tf.zerosLike(wasiW);
          const lr = 0.2;
          for (let step = 0; step < 6; step++) {
            const x = randn(g.inputShape, 10 + step);
            const t = randn(g.outputShape, 50 + step);
            const v = tf.variableGrads(() => loss(g, x, t, vanillaW, vanillaC), [vanillaW]);
            const w = tf.variableGrads(() => loss(g, x, t, p.weight(wasiW), asiC), [wasiW]);
            expect(Math.abs(w.value.dataSync()[0]! - v.value.dataSync()[0]!)).toBeLessThanOrEqual(1e-5 * Math.abs(v.value.dataSync()[0]!));
            const [nv, nw] = tf.tidy(() => [tf.add(tf.mul(mv, momentum), v.grads[vanillaW.name]!), tf.add(tf.mul(mw, momentum), w.grads[wasiW.name]!)]);
            tf.dispose([mv, mw]);
            [mv, mw] = [nv!, nw!];
            const [uv, uw] = tf.tidy(() => [tf.sub(vanillaW, tf.mul(mv, lr)), tf.sub(wasiW, tf.mul(mw, lr))]);
            vanillaW.assign(uv);
            wasiW.assign(uw);
            p.afterUpdate(wasiW);
            const eff = p.weight(wasiW);
            // The effective weight after the refresh equals vanilla's weight.
            expect(relFro(eff, vanillaW)).toBeLessThan(2e-6 * (step + 1));
            tf.dispose([x, t, v.value, w.value, ...Object.values(v.grads), ...Object.values(w.grads), uv, uw, eff]);
          }
          tf.dispose([mv, mw]);
          p.dispose();
          asiC.dispose();
          vanillaC.dispose();
          tf.dispose([vanillaW, wasiW]);
          expect(tf.memory().numTensors).toBe(before);
        });
      }
    }
  }
});

describe('the weight basis', () => {
  /** A matrix with a decaying spectrum: Gaussian columns scaled by 0.75^j. */
  function decaying(rows: number, cols: number, seed: number): tf.Tensor2D {
    return tf.tidy(() => tf.mul(randn([rows, cols], seed), tf.pow(tf.scalar(0.75), tf.range(0, cols))) as tf.Tensor2D);
  }
  /** Fraction of ‖M‖² that the first k columns of L keep (Float64), on the basis' side. */
  function kept(m: Float64Array, rows: number, cols: number, l: Float64Array, n: number, r: number, k: number, side: 'input' | 'output'): number {
    const lk = new Float64Array(n * k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) lk[i * k + j] = l[i * r + j]!;
    let proj: Float64Array;
    if (side === 'output') proj = matMulF64(m, lk, rows, cols, k);
    else {
      const mt = new Float64Array(cols * rows);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mt[j * rows + i] = m[i * cols + j]!;
      proj = matMulF64(mt, lk, cols, rows, k);
    }
    return proj.reduce((s, v) => s + v * v, 0) / m.reduce((s, v) => s + v * v, 0);
  }

  it('the first step keeps the smallest rank whose explained variance reaches ε (checked in Float64 from L)', () => {
    for (const [rows, cols] of [[40, 16], [16, 40]] as const) {
      const m = decaying(rows, cols, 3);
      const g = denseGeometry([2, rows], [rows, cols]);
      const m64 = values(m);
      for (const eps of [0.5, 0.8, 0.9, 0.99]) {
        const p = new WasiWeights(m, g, { weightEpsilon: eps });
        const { rank: r, side, explainedVariance } = p.choice;
        expect(side).toBe(cols <= rows ? 'output' : 'input');
        const l = values(p.basis);
        const fraction = kept(m64, rows, cols, l, 16, r, r, side);
        expect(fraction).toBeGreaterThanOrEqual(eps - 1e-6);
        expect(Math.abs(fraction - explainedVariance)).toBeLessThan(1e-5);
        if (r > 1) expect(kept(m64, rows, cols, l, 16, r, r - 1, side)).toBeLessThan(eps);
        p.dispose();
      }
      m.dispose();
    }
  });

  it('the refresh keeps L orthonormal (truncated rank, the weight changing)', () => {
    const w = tf.tidy(() => tf.variable(decaying(24, 12, 5), true));
    const g = denseGeometry([2, 24], [24, 12]);
    const p = new WasiWeights(w, g, { weightEpsilon: 0.8 });
    const r = p.choice.rank;
    expect(r).toBeGreaterThan(1);
    expect(r).toBeLessThan(12);
    for (let step = 0; step < 10; step++) {
      const next = tf.tidy(() => tf.add(w, randn([24, 12], 100 + step, 0.2)) as tf.Tensor2D);
      w.assign(next);
      next.dispose();
      p.afterUpdate(w);
      const l = values(p.basis);
      const gram = matMulF64(Array.from({ length: r * 12 }, (_, i) => l[(i % 12) * r + Math.floor(i / 12)]!), l, r, 12, r);
      for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) expect(Math.abs(gram[i * r + j]! - (i === j ? 1 : 0))).toBeLessThan(1e-5);
    }
    p.dispose();
    w.dispose();
  });

  it('R is formed with the NEW basis: at full rank the weight is W after a refresh (with L_prev it is not)', () => {
    for (const g of [dense3out, dense3in]) {
      const w = tf.tidy(() => tf.variable(randn(g.weightShape, 7), true));
      const [rows, cols] = g.weightShape as [number, number];
      const p = new WasiWeights(w, g, { weightEpsilon: 1 });
      const n = Math.min(rows, cols);
      const before = p.getState();
      const next = tf.tidy(() => tf.add(w, randn(g.weightShape, 8, 0.7)));
      w.assign(next);
      next.dispose();
      p.afterUpdate(w);
      const after = p.getState();
      const merged = p.merge(w);
      expect(relFro(merged, w)).toBeLessThan(1e-5);
      // The released code's R = L_prevᵀ·W: the weight L·L_prevᵀ·W (output side: W·L_prev·Lᵀ).
      const [l0, l1, m] = [values(before.tensors.L!), values(after.tensors.L!), values(w)];
      const mix = matMulF64(l1, l0, n, n, n, true); // L·L_prevᵀ  (n × n)
      const wrong = p.choice.side === 'output' ? matMulF64(m, mix, rows, cols, cols, true) : matMulF64(mix, m, rows, rows, cols);
      expect(relFro(wrong, m)).toBeGreaterThan(1e-3);
      tf.dispose([merged, w, ...Object.values(before.tensors), ...Object.values(after.tensors)]);
      p.dispose();
    }
  });

  it('factors(): A·Bᵀ is M·L·Lᵀ (output side) or L·Lᵀ·M (input side) after a refresh, checked in Float64; (x·A)·Bᵀ is the layer product', () => {
    for (const [rows, cols] of [[24, 12], [12, 24]] as const) {
      const w = tf.tidy(() => tf.variable(decaying(rows, cols, 11), true));
      const g = denseGeometry([5, rows], [rows, cols]);
      const p = new WasiWeights(w, g, { weightEpsilon: 0.8 });
      const next = tf.tidy(() => tf.add(w, randn([rows, cols], 12, 0.2)) as tf.Tensor2D);
      w.assign(next);
      next.dispose();
      p.afterUpdate(w);
      const { side, rank: r } = p.choice;
      const n = Math.min(rows, cols);
      const before = tf.memory().numTensors;
      const { a, b } = p.factors();
      expect(tf.memory().numTensors).toBe(before + 2);
      expect(a.shape).toEqual([rows, r]);
      expect(b.shape).toEqual([cols, r]);
      // Reference from M and L alone, in Float64.
      const [m, l] = [values(w), values(p.basis)];
      const llt = matMulF64(l, l, n, r, n, true); // L·Lᵀ (n × n)
      const ref = side === 'output' ? matMulF64(m, llt, rows, cols, cols) : matMulF64(llt, m, rows, rows, cols);
      expect(relFro(matMulF64(values(a), values(b), rows, r, cols, true), ref)).toBeLessThan(1e-5);
      const x = randn([5, rows], 13);
      const y = tf.tidy(() => tf.matMul(tf.matMul(x, a), b, false, true));
      expect(relFro(values(y), matMulF64(values(x), ref, 5, rows, cols))).toBeLessThan(1e-5);
      tf.dispose([a, b, x, y, w]);
      p.dispose();
    }
  });

  it('no tensor leaks over 100 steps of ASI activations with the weight subspace', () => {
    const g = dense3out;
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(randn(g.weightShape, 2, 0.3), true));
    const p = wasiPlugin.weights!.create(w, g, { ranks: [2, 3, 4], weightEpsilon: 0.8 });
    const c = wasiPlugin.create!(g, { ranks: [2, 3, 4] });
    const x = randn(g.inputShape, 3);
    const t = randn(g.outputShape, 4);
    const counts: number[] = [];
    for (let step = 0; step < 100; step++) {
      const { value, grads } = tf.variableGrads(() => loss(g, x, t, p.weight(w), c), [w]);
      const next = tf.tidy(() => tf.sub(w, tf.mul(grads[w.name]!, 0.05)));
      w.assign(next);
      tf.dispose([next, value, ...Object.values(grads)]);
      p.afterUpdate!(w);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    p.dispose();
    c.dispose();
    tf.dispose([w, x, t]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('WASI cost', () => {
  it("ASI's activation count and terms, plus the weight subspace's terms and what it keeps", () => {
    const g = dense3out; // M [8, 6]: n = 6
    const o = { ranks: [2, 3, 4], weightRank: 3 };
    const asi = exactAsi(g, { ranks: [2, 3, 4] });
    const e = exactWasi(g, o);
    expect(e.activationElements).toBe(asi.activationElements);
    expect(e.weightElements).toBe(8 * 6 + 6 * 3);
    expect(e.trainableElements).toBe(48);
    expect(e.forwardFlops).toBe(asi.forwardFlops + 4 * 48 * 3);
    expect(e.backwardFlops).toBe(asi.backwardFlops + 4 * 48 * 3 + 4 * 48 * 3 + Math.round(4 * 6 * 9 - (4 / 3) * 27));
    // Without weightRank: the full rank n counted.
    expect(exactWasi(g, { ranks: [2, 3, 4], weightEpsilon: 0.5 }).weightElements).toBe(48 + 36);
    // Paper: the factored forward (15 rows) replaces the layer's product.
    const pa = paperAsi(g, { ranks: [2, 3, 4] });
    const pw = paperWasi(g, o);
    expect(pw.activationElements).toBe(pa.activationElements);
    expect(pw.forwardFlops).toBe(pa.forwardFlops - 15 * 6 * 15 + (15 * 3 * 15 + 15 * 6 * 5));
    expect(pw.backwardFlops).toBe(pa.backwardFlops + 2 * 48 * 3 + 27);
  });
});
