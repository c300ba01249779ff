// The 'asi' plugin under contract version 2: declared options, per-layer seeds, the planner, and
// the conformance kit of @odl/core/testing.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import {
  conv2dGeometry,
  createLayerCompressor,
  denseGeometry,
  depthwiseGeometry,
  DuplicateMethodError,
  getMethod,
  MethodOptionError,
  registerMethod,
  resolveOptions,
  SPECIFICATION_VERSION,
  unregisterMethod,
  type CalibrationLayer,
  type LayerGeometry,
} from '@odl/core';
import { checkMethodConformance } from '@odl/core/testing';
import {
  ASI_OPTIONS,
  AsiCompressor,
  asiPlugin,
  BudgetTooSmallError,
  chooseRanks,
  measurePerplexity,
  RANK_SELECTION_EPSILONS,
  registerShortcut,
  validateAsiOptions,
  type AsiOptions,
  type AsiPlanDetails,
} from '../src/index';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
  registerShortcut();
});

const conv = conv2dGeometry([4, 6, 6, 5], [3, 3, 5, 6], { pad: 'same' });

describe('declared options', () => {
  it('states contract version 2 and declares the compressor’s and the planner’s options', () => {
    expect(asiPlugin.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect(ASI_OPTIONS.map((o) => o.name)).toEqual(['ranks', 'warmStart', 'seed', 'schedule', 'powerSteps', 'storage', 'epsilons', 'defaultEpsilon', 'spectrum']);
    expect(resolveOptions(asiPlugin, { ranks: [2, 2, 2, 2] })).toEqual({
      ranks: [2, 2, 2, 2],
      warmStart: true,
      schedule: 'sequential',
      powerSteps: 1,
      storage: 'float32',
      epsilons: [...RANK_SELECTION_EPSILONS],
      defaultEpsilon: 0.8,
      spectrum: 'gram',
    });
    expect(RANK_SELECTION_EPSILONS).toEqual([0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999]);
  });

  it('resolveOptions checks types and ranges, naming the option', () => {
    const bad: [Record<string, unknown>, string, RegExp][] = [
      [{ ranks: [2, 0] }, 'ranks', /ranks\[1\] must be in \[1, ∞\)/],
      [{ schedule: 'fast' }, 'schedule', /one of 'sequential', 'independent'/],
      [{ storage: 'int4' }, 'storage', /one of 'float32', 'int8'/],
      [{ powerSteps: 65 }, 'powerSteps', /\[1, 64\]/],
      [{ seed: -1 }, 'seed', /\[0, 4294967295\]/],
      [{ epsilons: [0, 0.5] }, 'epsilons', /epsilons\[0\] must be in \(0, 1\]/],
      [{ defaultEpsilon: 1.5 }, 'defaultEpsilon', /\(0, 1\]/],
      [{ rank: [2] }, 'rank', /unknown option 'rank' \(did you mean 'ranks'\?\)/],
    ];
    for (const [options, option, pattern] of bad) {
      try {
        resolveOptions(asiPlugin, options);
        expect.unreachable(option);
      } catch (e) {
        expect(e).toBeInstanceOf(MethodOptionError);
        expect((e as MethodOptionError).option).toBe(option);
        expect((e as Error).message).toMatch(pattern);
      }
    }
  });

  it('create refuses undeclared options and accepts the planner’s (one options object for every layer)', () => {
    expect(() => asiPlugin.create(conv, { ranks: [2, 2, 2, 2], warmstart: false } as never)).toThrow(MethodOptionError);
    expect(() => asiPlugin.create(conv, { ranks: [2, 2, 2, 2], warmstart: false } as never)).toThrow(/unknown option 'warmstart' \(did you mean 'warmStart'\?\)/);
    expect(() => new AsiCompressor(conv, { ranks: [2, 2, 2, 2], rank: 2 } as never)).toThrow(/unknown option 'rank'/);
    const c = asiPlugin.create(conv, resolveOptions<AsiOptions>(asiPlugin, { ranks: [2, 2, 2, 2], seed: 3 })) as AsiCompressor;
    expect([c.seed, c.warmStart, c.schedule]).toEqual([3, true, 'sequential']);
    c.dispose();
    expect(() => validateAsiOptions(conv, {})).toThrow(/options.ranks is required.*planner/);
    try {
      validateAsiOptions(conv, { ranks: [2, 2, 2, 2], powerSteps: 2, schedule: 'independent' });
    } catch (e) {
      expect((e as MethodOptionError).option).toBe('powerSteps');
    }
  });

  it("layerOptions: without a seed, the layer's generator gets (run seed + layer index) >>> 0", () => {
    const layer = (index: number, seed: number) => ({ name: `l${index}`, index, geometry: conv, seed });
    expect(asiPlugin.layerOptions!({ ranks: [2, 2, 2, 2] }, layer(5, 7))).toEqual({ ranks: [2, 2, 2, 2], seed: 12 });
    expect(asiPlugin.layerOptions!({ ranks: [2, 2, 2, 2] }, layer(3, 0xffffffff)).seed).toBe(2); // wraps to 32 bits
    expect(asiPlugin.layerOptions!({ ranks: [2, 2, 2, 2], seed: 9 }, layer(5, 7)).seed).toBe(9); // given: kept
  });

  it('registerShortcut is idempotent and refuses to overwrite another plugin', () => {
    expect(() => registerShortcut()).not.toThrow();
    expect(getMethod('asi')).toBe(asiPlugin);
    unregisterMethod('asi');
    registerMethod({ ...asiPlugin });
    expect(() => registerShortcut()).toThrow(DuplicateMethodError);
    unregisterMethod('asi');
    registerShortcut();
    expect(getMethod('asi')).toBe(asiPlugin);
  });
});

/** A calibration activation with decaying spectra on every mode (so ε changes the ranks). */
function decaying(shape: number[], seed: number, decay: number): tf.Tensor {
  return tf.tidy(() => {
    let t = tf.randomNormal(shape, 0, 1, 'float32', seed);
    shape.forEach((d, n) => {
      const scale = tf.reshape(tf.tensor1d(Array.from({ length: d }, (_, i) => decay ** i)), shape.map((s, i) => (i === n ? d : 1)));
      t = tf.mul(t, scale);
    });
    return t;
  });
}

function calibration(): CalibrationLayer[] {
  const c: LayerGeometry = conv2dGeometry([6, 5, 5, 6], [3, 3, 6, 4], { pad: 'same' });
  const d: LayerGeometry = denseGeometry([10, 8], [8, 3]);
  return [
    { name: 'conv', geometry: c, input: decaying(c.inputShape, 1, 0.7), dy: tf.randomNormal(c.outputShape, 0, 1, 'float32', 2), index: 40 },
    { name: 'fc', geometry: d, input: decaying(d.inputShape, 3, 0.92), dy: tf.randomNormal(d.outputShape, 0, 1, 'float32', 4), index: 41 },
  ];
}

describe('planner', () => {
  const epsilons = [0.5, 0.7, 0.9];

  it('needsPlan: only when ranks are absent', () => {
    expect(asiPlugin.planner.needsPlan({})).toBe(true);
    expect(asiPlugin.planner.needsPlan({ ranks: [2, 2] })).toBe(false);
  });

  it('under a budget: the exact knapsack over the perplexity table, per-layer options complete for create', () => {
    const layers = calibration();
    const options = resolveOptions<AsiOptions>(asiPlugin, { epsilons });
    const table = measurePerplexity(layers, { epsilons });
    const smallest = table.layers.reduce((s, l) => s + Math.min(...l.candidates.map((c) => c.bytes)), 0);
    const largest = table.layers.reduce((s, l) => s + Math.max(...l.candidates.map((c) => c.bytes)), 0);
    const budget = Math.floor((smallest + largest) / 2);
    const result = asiPlugin.planner.plan({ layers, options, budgetBytes: budget, seed: 100 });
    const plan = chooseRanks(table, budget);
    const details = result.details as AsiPlanDetails;
    expect(details.table).toEqual(table);
    expect(details.plan).toEqual(plan);
    expect(result.totalBytes).toBe(plan.totalBytes);
    expect(result.totalBytes).toBeLessThanOrEqual(budget);
    expect(result.summary).toBe(`ε per layer ${plan.layers.map((l) => l.epsilon).join(', ')}; ${(plan.totalBytes / 1024).toFixed(1)} KiB of ${(budget / 1024).toFixed(1)} KiB (float32)`);
    expect(Object.keys(result.layerOptions)).toEqual(['conv', 'fc']);
    layers.forEach((l, i) => {
      // the method-wide options, the plan's ranks, and seed = run seed + the layer's index in the model
      expect(result.layerOptions[l.name]).toEqual({ ...options, ranks: plan.layers[i]!.ranks, seed: 100 + 40 + i });
      const c = createLayerCompressor('asi', l.geometry, result.layerOptions[l.name]);
      const bytes = tf.tidy(() => {
        const act = c.compress(l.input);
        tf.dispose(act.tensors);
        return act.bytes;
      });
      expect(bytes).toBe(plan.layers[i]!.bytes);
      c.dispose();
    });
    expect(() => asiPlugin.planner.plan({ layers, options, budgetBytes: smallest - 1, seed: 0 })).toThrow(BudgetTooSmallError);
    tf.dispose(layers.flatMap((l) => [l.input, l.dy]));
  });

  it('without a budget: each layer takes the candidate closest to defaultEpsilon; int8 storage counts int8 bytes', () => {
    const layers = calibration().map(({ index: _drop, ...l }) => l);
    const options = resolveOptions<AsiOptions>(asiPlugin, { epsilons, defaultEpsilon: 0.75, storage: 'int8', seed: 5 });
    const result = asiPlugin.planner.plan({ layers, options, seed: 100 });
    const { table, plan } = result.details as AsiPlanDetails;
    expect(table.storage).toBe('int8');
    expect(plan.layers.map((l) => l.epsilon)).toEqual([0.7, 0.7]); // |0.7 − 0.75| < |0.9 − 0.75|; ties keep the first
    layers.forEach((l, i) => {
      expect(plan.layers[i]!.ranks).toEqual(table.layers[i]!.candidates[1]!.ranks);
      expect(result.layerOptions[l.name]).toEqual({ ...options, ranks: plan.layers[i]!.ranks, seed: 5 }); // a given seed is kept
    });
    expect(result.totalBytes).toBe(table.layers.reduce((s, l) => s + l.candidates[1]!.bytes, 0));
    expect(result.summary).toMatch(/^ε per layer 0.7, 0.7 \(closest to 0.75, no budget\); [\d.]+ KiB \(int8\)$/);
    tf.dispose(layers.flatMap((l) => [l.input, l.dy]));
  });
});

describe('conformance (@odl/core/testing)', () => {
  const full = (g: LayerGeometry) => ({ ranks: [...g.inputShape] });
  const cases = [
    { name: 'conv2d 3×3 same', geometry: conv, options: { ranks: [2, 3, 3, 3] } },
    { name: 'conv2d 3×3 stride 2, grouped', geometry: conv2dGeometry([3, 9, 7, 4], [3, 3, 2, 6], { strides: 2, pad: 'same', groups: 2 }), options: { ranks: [2, 3, 3, 2] } },
    { name: 'depthwise, multiplier 2', geometry: depthwiseGeometry([3, 7, 7, 4], [3, 3, 4, 2], { pad: 'same' }), options: { ranks: [2, 3, 3, 2] } },
    { name: 'depthwise 3×3', geometry: depthwiseGeometry([8, 7, 7, 4], [3, 3, 4, 1], { pad: 'same' }), options: { ranks: [2, 3, 3, 2] } },
    { name: 'dense 2-D', geometry: denseGeometry([6, 10], [10, 4]), options: { ranks: [3, 4] } },
    { name: 'dense 3-D', geometry: denseGeometry([3, 5, 8], [8, 6]), options: { ranks: [2, 3, 4] } },
    { name: 'dense 4-D', geometry: denseGeometry([2, 3, 4, 6], [6, 5]), options: { ranks: [2, 2, 3, 3] } },
    { name: 'conv2d, independent schedule', geometry: conv, options: { ranks: [2, 3, 3, 3], schedule: 'independent' } },
    { name: 'conv2d, int8 storage', geometry: conv, options: { ranks: [2, 3, 3, 3], storage: 'int8' } },
    { name: 'conv2d, two power steps, no warm start', geometry: conv, options: { ranks: [2, 3, 3, 3], powerSteps: 2, warmStart: false, seed: 4 } },
  ].map((c) => ({
    ...c,
    exactOptions: { ...c.options, ranks: full(c.geometry).ranks },
    // int8 codes are within 0.4 % of their column's largest value: full rank is exact up to that
    tolerance: c.options.storage === 'int8' ? 2e-2 : undefined,
  }));

  it("'asi' passes: full ranks are exact, tape bytes = compressor bytes = cost bytes, no leak, state round-trips", () => {
    const report = checkMethodConformance(asiPlugin, cases);
    expect(report.cases).toHaveLength(cases.length);
    for (const c of report.cases) {
      expect(c.measuredBytes).toBe(c.costBytes);
      expect(c.stateful).toBe(true);
      expect(c.stateTensors).toBeGreaterThan(0); // the warm-start factors
    }
    const int8 = report.cases.find((c) => c.name === 'conv2d, int8 storage')!;
    const f32 = report.cases[0]!;
    expect(int8.measuredBytes).toBeLessThan(f32.measuredBytes / 2);
  });
});
