import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { conv2dGeometry, denseGeometry, type LayerGeometry } from '@odl/core';
import {
  AsiCompressor,
  BudgetTooSmallError,
  PerplexityTableError,
  applyRankPlan,
  asiPlugin,
  chooseRanks,
  loadPerplexityTable,
  measurePerplexity,
  parsePerplexityTable,
  savePerplexityTable,
  serializePerplexityTable,
  type CalibrationLayer,
  type PerplexityTable,
} from '../src/index';
import { modeProductF64, projectorF64, refWeightGradient, unfoldF64 } from '@odl/test-utils';

/** Mode-n unfolding in float64 (rows = mode index). */
function unfold64(data: Float32Array, shape: number[], n: number): number[][] {
  const flat = unfoldF64(data, shape, n);
  const m = flat.length / shape[n];
  return Array.from({ length: shape[n] }, (_, i) => Array.from(flat.subarray(i * m, (i + 1) * m)));
}

/** Eigenpairs of the Gram matrix X Xᵀ by power iteration with deflation, float64 (independent of odl). */
function gramEigen(x: number[][]): { values: number[]; vectors: number[][] } {
  const d = x.length;
  const g = x.map((r) => x.map((s) => r.reduce((acc, v, i) => acc + v * s[i], 0)));
  const values: number[] = [];
  const vectors: number[][] = [];
  for (let k = 0; k < d; k++) {
    let v = Array.from({ length: d }, (_, i) => Math.sin(1 + i * 7.3 + k));
    let lambda = 0;
    for (let it = 0; it < 3000; it++) {
      for (const q of vectors) {
        const dot = q.reduce((s, qi, i) => s + qi * v[i], 0);
        v = v.map((vi, i) => vi - dot * q[i]);
      }
      const w = g.map((row) => row.reduce((s, gij, j) => s + gij * v[j], 0));
      const norm = Math.sqrt(w.reduce((s, wi) => s + wi * wi, 0));
      if (norm === 0) break;
      lambda = norm;
      v = w.map((wi) => wi / norm);
    }
    values.push(lambda);
    vectors.push(v);
  }
  return { values, vectors };
}

/** HOSVD_ε reconstruction and ranks, all in float64 from the definition. */
function referenceHosvd(a: tf.Tensor, eps: number): { ranks: number[]; approx: tf.Tensor } {
  const data = a.dataSync() as Float32Array;
  const shape = a.shape;
  const projectors: Float64Array[] = [];
  const ranks: number[] = [];
  shape.forEach((d, n) => {
    const { values, vectors } = gramEigen(unfold64(data, shape, n));
    const total = values.reduce((s, v) => s + v, 0);
    let k = 0;
    let acc = 0;
    while (k < d && acc < eps * total) acc += values[k++];
    ranks.push(k);
    const u = Float64Array.from({ length: d * k }, (_, ic) => vectors[ic % k][Math.floor(ic / k)]); // d×k
    projectors.push(projectorF64(u, d, k));
  });
  // Ã = A ×_n (U_n U_nᵀ) for all n.
  let cur: ArrayLike<number> = data;
  shape.forEach((d, n) => {
    cur = modeProductF64(cur, shape, projectors[n], d, n).data;
  });
  return { ranks, approx: tf.tensor(Float32Array.from(cur), shape) };
}

let tmp: string;
beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
  tmp = await mkdtemp(join(tmpdir(), 'odl-shortcut-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A calibration activation with decaying spectra on every mode (so ε changes the ranks). */
function decayingActivation(shape: number[], seed: number, decay: number): tf.Tensor {
  return tf.tidy(() => {
    let t = tf.randomNormal(shape, 0, 1, 'float32', seed);
    shape.forEach((d, n) => {
      const scale = tf.reshape(tf.tensor1d(Array.from({ length: d }, (_, i) => decay ** i)), shape.map((s, i) => (i === n ? d : 1)));
      t = tf.mul(t, scale);
    });
    return t;
  });
}

function calibrationLayers(): CalibrationLayer[] {
  const conv: LayerGeometry = conv2dGeometry([6, 5, 5, 6], [3, 3, 6, 4], { pad: 'same' });
  const dense: LayerGeometry = denseGeometry([10, 8], [8, 3]);
  return [
    { name: 'conv', geometry: conv, input: decayingActivation(conv.inputShape, 1, 0.7), dy: tf.randomNormal(conv.outputShape, 0, 1, 'float32', 2) },
    { name: 'fc', geometry: dense, input: decayingActivation(dense.inputShape, 3, 0.92), dy: tf.randomNormal(dense.outputShape, 0, 1, 'float32', 4) },
  ];
}

describe('measurePerplexity', () => {
  it('gives HOSVD_ε ranks, memory and perplexity equal to a float64 reference', () => {
    const layers = calibrationLayers();
    const table = measurePerplexity(layers);
    expect(table.epsilons).toEqual([0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    for (const [li, layer] of layers.entries()) {
      const row = table.layers[li];
      expect(row.name).toBe(layer.name);
      const exact = refWeightGradient(layer.geometry, layer.input, layer.dy);
      expect(row.exactGradientNorm).toBeCloseTo(Math.hypot(...exact), 3);
      for (const cand of row.candidates) {
        const ref = referenceHosvd(layer.input, cand.epsilon);
        expect(cand.ranks).toEqual(ref.ranks);
        const dims = layer.geometry.inputShape;
        const elements = ref.ranks.reduce((p, k) => p * k, 1) + ref.ranks.reduce((s, k, n) => s + k * dims[n], 0);
        expect(cand.elements).toBe(elements);
        expect(cand.bytes).toBe(4 * elements);
        const approx = refWeightGradient(layer.geometry, ref.approx, layer.dy);
        const perplexity = Math.sqrt(exact.reduce((s, v, i) => s + (v - approx[i]) ** 2, 0));
        expect(Math.abs(cand.perplexity - perplexity)).toBeLessThan(1e-3 * row.exactGradientNorm);
        ref.approx.dispose();
      }
      // More variance kept: never fewer elements.
      for (let i = 1; i < row.candidates.length; i++) expect(row.candidates[i].elements).toBeGreaterThanOrEqual(row.candidates[i - 1].elements);
      expect(row.candidates[0].perplexity).toBeGreaterThan(row.candidates[row.candidates.length - 1].perplexity);
    }
    // A supplied exact gradient gives the same table.
    const viaFn = measurePerplexity(
      layers.map((l) => ({ ...l, exactWeightGradient: () => tf.tensor(Float32Array.from(refWeightGradient(l.geometry, l.input, l.dy)), l.geometry.weightShape) })),
    );
    viaFn.layers.forEach((row, i) => row.candidates.forEach((c, j) => expect(c.perplexity).toBeCloseTo(table.layers[i].candidates[j].perplexity, 4)));
    layers.forEach((l) => [l.input, l.dy].forEach((t) => t.dispose()));
  });

  it('rejects mismatched shapes, duplicate names and bad ε', () => {
    const [conv] = calibrationLayers();
    expect(() => measurePerplexity([conv, conv])).toThrow(/appears twice/);
    expect(() => measurePerplexity([conv], { epsilons: [0, 0.5] })).toThrow(/\(0, 1\]/);
    expect(() => measurePerplexity([{ ...conv, dy: tf.zeros([1, 2]) }])).toThrow(/dy has shape/);
  });
});

describe('rank plan end to end', () => {
  it('saves atomically, loads, chooses within budget and builds ASI compressors', async () => {
    const layers = calibrationLayers();
    const table = measurePerplexity(layers, { epsilons: [0.5, 0.7, 0.9] });
    const path = join(tmp, 'sub', 'perplexity.json');
    await savePerplexityTable(path, table);
    expect(await readdir(join(tmp, 'sub'))).toEqual(['perplexity.json']);
    const loaded = await loadPerplexityTable(path);
    expect(loaded).toEqual(JSON.parse(serializePerplexityTable(table)));

    const smallest = table.layers.reduce((s, l) => s + Math.min(...l.candidates.map((c) => c.bytes)), 0);
    const largest = table.layers.reduce((s, l) => s + Math.max(...l.candidates.map((c) => c.bytes)), 0);
    const budget = Math.floor((smallest + largest) / 2);
    const plan = chooseRanks(loaded, budget);
    expect(plan.totalBytes).toBeLessThanOrEqual(budget);
    // Brute force over the 3 × 3 combinations.
    let best = Infinity;
    for (const a of table.layers[0].candidates)
      for (const b of table.layers[1].candidates) if (a.bytes + b.bytes <= budget) best = Math.min(best, a.perplexity + b.perplexity);
    expect(plan.totalPerplexity).toBeCloseTo(best, 10);
    expect(chooseRanks(loaded, largest).totalPerplexity).toBeCloseTo(table.layers[0].candidates[2].perplexity + table.layers[1].candidates[2].perplexity, 10);
    expect(() => chooseRanks(loaded, smallest - 1)).toThrow(BudgetTooSmallError);

    const options = applyRankPlan(plan, { seed: 10 });
    expect(Object.keys(options)).toEqual(['conv', 'fc']);
    layers.forEach((l, i) => {
      expect(options[l.name]).toEqual({ ranks: plan.layers[i].ranks, seed: 10 + i });
      const c = asiPlugin.create(l.geometry, options[l.name]) as AsiCompressor;
      const act = c.compress(l.input);
      expect(act.bytes).toBe(plan.layers[i].bytes);
      act.tensors.forEach((t) => t.dispose());
      c.dispose();
    });
    layers.forEach((l) => [l.input, l.dy].forEach((t) => t.dispose()));
  });

  it('refuses tables of another schema version or with broken fields', async () => {
    const table: PerplexityTable = { schema: 'odl.perplexity-table', schemaVersion: 1, epsilons: [0.5], layers: [] };
    expect(parsePerplexityTable(serializePerplexityTable(table))).toEqual(table);
    expect(() => parsePerplexityTable(JSON.stringify({ ...table, schemaVersion: 2 }))).toThrow(/schema version 2/);
    expect(() => parsePerplexityTable('{')).toThrow(PerplexityTableError);
    expect(parsePerplexityTable(JSON.stringify({ ...table, storage: 'int8' })).storage).toBe('int8');
    expect(() => parsePerplexityTable(JSON.stringify({ ...table, storage: 'int4' }))).toThrow(/"storage" must be "float32" or "int8", got "int4"/);
    const bad = { ...table, layers: [{ name: 'x', geometry: { inputShape: [2, 3] }, exactGradientNorm: 1, candidates: [{ epsilon: 0.5, ranks: [1], elements: 1, bytes: 4, perplexity: 0 }] }] };
    expect(() => parsePerplexityTable(JSON.stringify(bad))).toThrow(/candidate 0/);
    const file = join(tmp, 'broken.json');
    await writeFile(file, JSON.stringify({ schema: 'other' }));
    await expect(loadPerplexityTable(file)).rejects.toThrow(/not a perplexity table/);
  });
});
