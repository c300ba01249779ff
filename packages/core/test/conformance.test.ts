import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import {
  conv2dGeometry,
  denseGeometry,
  depthwiseGeometry,
  rejectUnknownOptions,
  SPECIFICATION_VERSION,
  VanillaCompressor,
  vanillaPlugin,
  type CompressedActivation,
  type LayerGeometry,
  type MethodPlugin,
} from '@odl/core';
import { checkMethodConformance, ConformanceError, type ConformanceCase } from '@odl/core/testing';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

const CASES: ConformanceCase[] = [
  { name: 'conv2d 3×3 stride 2', geometry: conv2dGeometry([3, 9, 7, 4], [3, 3, 4, 5], { strides: 2, pad: 'same' }) },
  { name: 'conv2d grouped', geometry: conv2dGeometry([2, 6, 6, 4], [3, 3, 2, 6], { pad: 'same', groups: 2 }) },
  { name: 'depthwise 3×3', geometry: depthwiseGeometry([2, 7, 7, 3], [3, 3, 3, 2], { pad: 'same' }) },
  { name: 'dense 2-D', geometry: denseGeometry([6, 10], [10, 4]) },
  { name: 'dense 3-D', geometry: denseGeometry([3, 5, 8], [8, 6]) },
];

describe('checkMethodConformance', () => {
  it("passes 'vanilla' and reports what it measured", () => {
    const before = tf.memory().numTensors;
    const report = checkMethodConformance(vanillaPlugin, CASES);
    expect(report.method).toBe('vanilla');
    expect(report.cases.map((c) => c.name)).toEqual(CASES.map((c) => c.name));
    for (const [i, c] of report.cases.entries()) {
      const elements = CASES[i]!.geometry.inputShape.reduce((a, b) => a * b, 1);
      expect([c.elements, c.declaredBytes, c.measuredBytes, c.costBytes]).toEqual([elements, 4 * elements, 4 * elements, 4 * elements]);
      expect(c.gradientError).toBeLessThan(1e-5);
      expect([c.stateful, c.stateTensors]).toEqual([false, 0]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  /** A vanilla-like plugin with one defect, to see the kit name the failing check. */
  function broken(defect: Partial<MethodPlugin> & { compress?: (x: tf.Tensor) => CompressedActivation; grad?: boolean }): MethodPlugin {
    const base: MethodPlugin = {
      specificationVersion: SPECIFICATION_VERSION,
      name: 'broken-test',
      description: 'vanilla with a defect',
      supports: ['conv2d', 'depthwise', 'dense'],
      options: [],
      create: (g: LayerGeometry, o: Record<string, unknown>) => {
        rejectUnknownOptions('broken-test', [], o);
        const c = new VanillaCompressor(g);
        if (defect.compress) c.compress = defect.compress;
        if (defect.grad) c.weightGradient = (saved, dy) => tf.mul(new VanillaCompressor(g).weightGradient(saved, dy), 1.01);
        return c;
      },
      cost: vanillaPlugin.cost,
    };
    const { compress: _c, grad: _g, ...rest } = defect;
    return { ...base, ...rest } as MethodPlugin;
  }
  const expectCheck = (plugin: MethodPlugin, check: string, pattern: RegExp, cleanup = () => {}) => {
    const before = tf.memory().numTensors;
    try {
      checkMethodConformance(plugin, CASES.slice(0, 1));
      expect.unreachable(`expected the '${check}' check to fail`);
    } catch (e) {
      expect(e).toBeInstanceOf(ConformanceError);
      expect((e as ConformanceError).check).toBe(check);
      expect((e as Error).message).toMatch(pattern);
    }
    cleanup();
    expect(tf.memory().numTensors).toBe(before); // the kit releases its own tensors when a check fails
  };

  it('names the failing check: options, exact gradient, memory, cost, tensors, state', () => {
    expectCheck(broken({ create: (g) => new VanillaCompressor(g) }), 'options', /create accepted the undeclared option/);
    expectCheck(broken({ grad: true }), 'exact-gradient', /relative error 1\.0+e-2/);
    expectCheck(broken({ compress: (x) => ({ tensors: [tf.clone(x)], meta: {}, elements: x.size, bytes: 4 * x.size + 4 }) }), 'memory', /declared bytes/);
    expectCheck(broken({ compress: (x) => ({ tensors: [tf.clone(x), tf.zeros([1])], meta: {}, elements: x.size + 1, bytes: 4 * x.size + 4 }) }), 'cost', /declares \d+ bytes but tfjs keeps/);
    const kept: tf.Tensor[] = [];
    expectCheck(
      broken({
        compress: (x) => {
          kept.push(tf.keep(tf.zeros([1])));
          return { tensors: [tf.clone(x)], meta: {}, elements: x.size, bytes: 4 * x.size };
        },
      }),
      'tensors',
      /a step leaks tensors/,
      () => tf.dispose(kept),
    );
    let calls = 0;
    expectCheck(
      broken({
        compress: (x) => {
          calls++;
          return { tensors: [tf.mul(x, calls)], meta: {}, elements: x.size, bytes: 4 * x.size };
        },
      }),
      'state',
      /next compression differs/,
    );
    expect(() => checkMethodConformance({ ...vanillaPlugin, create: undefined }, CASES)).toThrow(/has no create/);
    expect(() => checkMethodConformance(vanillaPlugin, [])).toThrow(/no cases given/);
  });
});

describe('checkMethodConformance on a weight side', () => {
  // y = x·(W ⊙ s): one trainable scale per output channel (a weight-only plugin, vanilla's input).
  function scalePlugin(edit: { merge?: (w: tf.Tensor, s: tf.Variable) => tf.Tensor; leak?: boolean; ignoreState?: boolean } = {}): MethodPlugin<Record<string, unknown>> {
    return {
      specificationVersion: SPECIFICATION_VERSION,
      name: 'test-scale',
      description: 'a trained scale per output channel',
      supports: ['conv2d', 'dense'],
      options: [],
      weights: {
        create(base, _g, options) {
          rejectUnknownOptions('test-scale', [], options);
          const s = tf.tidy(() => tf.variable(tf.ones([base.shape[base.rank - 1]!]), true));
          return {
            trainable: { scale: s },
            weight: (w) => tf.mul(w, s),
            merge: (w) => (edit.merge ?? ((x, v) => tf.mul(x, v)))(w, s),
            afterUpdate: () => void (edit.leak ? tf.keep(tf.zeros([1])) : null),
            getState: () => ({ tensors: { scale: tf.clone(s) }, values: {} }),
            setState: (st) => (edit.ignoreState ? undefined : s.assign(st.tensors.scale!)),
            dispose: () => s.dispose(),
          };
        },
      },
      cost: (g, o, mode) => ({ ...vanillaPlugin.cost(g, o, mode), trainableElements: g.weightShape[g.weightShape.length - 1]! }),
    };
  }
  const weightCases = CASES.filter((c) => c.geometry.kind !== 'depthwise');

  it('passes a correct weight-only plugin (the activation side checked with the vanilla compressor)', () => {
    const report = checkMethodConformance(scalePlugin(), weightCases);
    for (const c of report.cases) {
      expect(c.weights!.trainableElements).toBe(c.kind === 'dense' ? (c.name === 'dense 2-D' ? 4 : 6) : c.name.includes('grouped') ? 6 : 5);
      expect(c.weights!.stateful).toBe(true);
    }
  });

  it('names the failing weight check: merge, leaks, state', () => {
    const fails = (plugin: MethodPlugin<Record<string, unknown>>, check: string, message: RegExp) => {
      try {
        checkMethodConformance(plugin, weightCases);
        expect.unreachable('the check should fail');
      } catch (e) {
        expect(e).toBeInstanceOf(ConformanceError);
        expect((e as ConformanceError).check).toBe(check);
        expect((e as Error).message).toMatch(message);
      }
    };
    fails(scalePlugin({ merge: (w) => tf.clone(w) }), 'weights', /merge\(base\) differs/);
    fails(scalePlugin({ leak: true }), 'tensors', /weight-side steps/);
    fails(scalePlugin({ ignoreState: true }), 'weights', /after setState\(getState\(\)\) the merged weight differs/);
  });
});
