// The fine-tuning session and the paper's protocol, setting by setting: each setting's effect is
// checked on a tiny model (MCUNet-in1 at 32×32 on synthetic bands), and every option every
// registered method declares is checked to reach the layers (nothing silently ignored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { listMethods, MethodOptionError, registerMethod, SPECIFICATION_VERSION, unregisterMethod, getMethod, type MethodPlugin, type OptionSpec, type WeightParameterization } from '@odl/core';
import {
  FineTuneSession,
  finetune,
  mcunetIn1,
  registerBuiltinMethods,
  resolveProtocol,
  selectFineTunedLayers,
  type FinetuneConfig,
  type StepProgress,
} from '@odl/models';
import { syntheticImages } from './helpers';

const input = { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 };
const train = syntheticImages(32, 28, 4, 1);
const test = syntheticImages(16, 28, 4, 2);

/** A config on a fresh tiny model (the caller disposes `model`). */
function tiny(overrides: Omit<FinetuneConfig, 'model'> = {}): FinetuneConfig & { model: ReturnType<typeof mcunetIn1> } {
  const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 5 });
  return { model, input, train, test, lastN: 2, epochs: 1, batchSize: 8, seed: 3, ...overrides };
}

async function withSession<T>(config: FinetuneConfig & { model: ReturnType<typeof mcunetIn1> }, fn: (s: FineTuneSession) => Promise<T>): Promise<T> {
  const s = await FineTuneSession.create(config);
  try {
    return await fn(s);
  } finally {
    s.dispose();
    config.model.dispose();
  }
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('"the last N layers": one meaning', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });
  it('the last N convolutions; the classifier trains exactly unless asked; the rest is frozen', () => {
    const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 1 });
    const specs = model.layerSpecs([8, 32, 32, 1]);
    model.dispose();
    const convs = specs.filter((s) => s.role === 'conv');
    const a = selectFineTunedLayers(specs, 3);
    expect(a.compressed.map((s) => s.name)).toEqual(convs.slice(-3).map((s) => s.name));
    expect(a.exact.map((s) => s.name)).toEqual(['classifier']);
    expect(a.frozen.length).toBe(specs.length - 4);
    const b = selectFineTunedLayers(specs, 3, 'method');
    expect(b.compressed.map((s) => s.name)).toEqual([...convs.slice(-2).map((s) => s.name), 'classifier']);
    expect(b.exact).toEqual([]);
    expect(() => selectFineTunedLayers(specs, convs.length + 1)).toThrow(/lastN must be an integer in 1\.\.42/);
  });
});

describe('FineTuneSession and the paper protocol, setting by setting', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerBuiltinMethods();
  });

  it('the preset holds the paper\'s settings', () => {
    const p = resolveProtocol('paper');
    expect(p).toMatchObject({ epochs: 50, batchSize: 128, learningRate: 0.05, optimizer: 'sgd', momentum: 0, weightDecay: 1e-4, clipNorm: 2, batchNorm: 'frozen-statistics', classifier: 'exact' });
    expect(p.schedule).toMatchObject({ kind: 'cosine', unit: 'epoch', floorRatio: 0.1 });
    expect(p.methodOptions).toEqual({ schedule: 'independent', epsilons: [0.4, 0.5, 0.6, 0.7, 0.8, 0.9] });
  });

  it('schedule: one rate per epoch, a cosine from lr to the floor 0.1·lr', async () => {
    const rates: StepProgress[] = [];
    await withSession(tiny({ protocol: 'paper', epochs: 4, batchSize: 8, onStep: (p) => rates.push(p) }), (s) => s.run());
    const perEpoch = [0, 1, 2, 3].map((e) => [...new Set(rates.filter((r) => r.epoch === e).map((r) => r.learningRate))]);
    for (const r of perEpoch) expect(r).toHaveLength(1);
    // PyTorch CosineAnnealingLR(T_max = 4, eta_min = 0.005): 0.005 + 0.045·(1 + cos(π e / 4)) / 2
    perEpoch.forEach(([lr], e) => expect(lr).toBeCloseTo(0.005 + (0.045 * (1 + Math.cos((Math.PI * e) / 4))) / 2, 12));
  });

  it('weight decay: one SGD step is w − lr·(g + λ·w)', async () => {
    const step = async (weightDecay: number) => {
      const config = tiny({ protocol: 'paper', weightDecay, clipNorm: null, batchNorm: 'frozen', epochs: 1 });
      return withSession(config, async (s) => {
        const w0 = values(s.model.classifier.weight);
        await s.next();
        return { w0, w1: values(s.model.classifier.weight) };
      });
    };
    const a = await step(0);
    const b = await step(0.5);
    // same data order and initial weights, so the difference of the two updates is lr·λ·w0
    const lr = 0.05;
    b.w1.forEach((v, i) => expect(v - a.w1[i]!).toBeCloseTo(-lr * 0.5 * a.w0[i]!, 5));
  });

  it('momentum: the first step is plain SGD, the second adds μ times the first', async () => {
    const run = async (momentum: number) =>
      withSession(tiny({ momentum, clipNorm: null, weightDecay: 0, schedule: { kind: 'constant' }, batchNorm: 'frozen' }), async (s) => {
        const w = [values(s.model.classifier.bias!)];
        await s.next();
        w.push(values(s.model.classifier.bias!));
        await s.next();
        w.push(values(s.model.classifier.bias!));
        return w;
      });
    const plain = await run(0);
    const heavy = await run(0.9);
    heavy[1]!.forEach((v, i) => expect(v).toBeCloseTo(plain[1]![i]!, 6));
    expect(heavy[2]!.some((v, i) => Math.abs(v - plain[2]![i]!) > 1e-6)).toBe(true);
  });

  it('clipping: the update never exceeds lr × clip in global norm', async () => {
    const norms: number[] = [];
    await withSession(tiny({ clipNorm: 1e-3, learningRate: 1, schedule: { kind: 'constant' }, onStep: (p) => norms.push(p.gradNorm) }), async (s) => {
      const before = [...s.model.trainableWeights().values()].map(values);
      await s.next();
      const after = [...s.model.trainableWeights().values()].map(values);
      const delta = Math.sqrt(after.reduce((acc, w, j) => acc + w.reduce((a, v, i) => a + (v - before[j]![i]!) ** 2, 0), 0));
      expect(norms[0]).toBeGreaterThan(1e-3);
      expect(delta).toBeLessThanOrEqual(1e-3 * (1 + 1e-4));
    });
  });

  for (const mode of ['frozen-statistics', 'frozen', 'trained'] as const) {
    it(`BatchNorm '${mode}': what trains and what stays`, async () => {
      await withSession(tiny({ batchNorm: mode, lastN: 2 }), async (s) => {
        const layer = s.model.convLayers().at(-1)!;
        const bn = layer.bn!;
        const [g0, m0] = [values(bn.gamma), values(bn.movingMean)];
        await s.run();
        const [g1, m1] = [values(bn.gamma), values(bn.movingMean)];
        const gammaChanged = g1.some((v, i) => v !== g0[i]);
        const statsChanged = m1.some((v, i) => v !== m0[i]);
        expect(gammaChanged).toBe(mode !== 'frozen');
        expect(statsChanged).toBe(mode === 'trained');
      });
    });
  }

  it('classifier: exact by default (not counted), compressed and counted with classifier: method', async () => {
    const exact = await withSession(tiny({ method: 'vanilla', lastN: 2 }), async (s) => s.costs.analyticBytes);
    const counted = await withSession(tiny({ method: 'vanilla', lastN: 2, classifier: 'method' }), async (s) => ({ layers: s.layers, bytes: s.costs.analyticBytes }));
    // lastN 2: the project conv's input [8,1,1,576] and the depthwise's [8,1,1,576] vs the project conv's and the classifier's [8,160]
    expect(exact).toBe(4 * 8 * (576 + 576));
    expect(counted.bytes).toBe(4 * 8 * (576 + 160));
    expect(counted.layers.find((l) => l.name === 'classifier')!.role).toBe('compressed');
  });

  it('epochs and batch size: steps = epochs × ⌊images / batch⌋', async () => {
    await withSession(tiny({ epochs: 3, batchSize: 6 }), async (s) => {
      await s.run();
      expect(s.step).toBe(3 * Math.floor(32 / 6));
      expect(s.done).toBe(true);
    });
  });

  it('the protocol\'s method options reach the methods that declare them, and only those', async () => {
    await withSession(tiny({ protocol: 'paper', method: 'asi', methodOptions: { ranks: [2, 1, 1, 4] } }), async (s) => {
      for (const l of s.layers.filter((x) => x.role === 'compressed')) expect(l.options.schedule).toBe('independent');
    });
    await withSession(tiny({ protocol: 'paper', method: 'hosvd' }), async (s) => {
      for (const l of s.layers.filter((x) => x.role === 'compressed')) expect(l.options.schedule).toBeUndefined();
    });
  });

  it('ASI under a budget: the planner runs with the protocol\'s ε grid and keeps the step schedule', async () => {
    await withSession(tiny({ protocol: 'paper', method: 'asi', budgetBytes: 12288, epochs: 1 }), async (s) => {
      expect(s.plan).toBeDefined();
      expect(s.plan!.totalBytes).toBeLessThanOrEqual(12288);
      for (const l of s.layers.filter((x) => x.role === 'compressed')) {
        expect(l.options.schedule).toBe('independent');
        expect(Array.isArray(l.options.ranks)).toBe(true);
      }
      expect(s.costs.analyticBytes).toBe(s.plan!.totalBytes);
    });
  });

  it('an undeclared option and a budget for a method without a planner are errors, not ignored', async () => {
    const a = tiny({ method: 'hosvd', methodOptions: { epsilonn: 0.7 } });
    await expect(FineTuneSession.create(a)).rejects.toThrow(MethodOptionError);
    await expect(FineTuneSession.create(a)).rejects.toThrow(/did you mean 'epsilon'/);
    a.model.dispose();
    const b = tiny({ method: 'vanilla', budgetBytes: 1000 });
    await expect(FineTuneSession.create(b)).rejects.toThrow(/has no planner/);
    b.model.dispose();
  });

  it('finetune() and a session stepped by hand give the same run, and leak nothing', async () => {
    const before = tf.memory().numTensors;
    const a = tiny({ method: 'asi', epochs: 2 });
    const r = await finetune(a);
    a.model.dispose();
    const b = tiny({ method: 'asi', epochs: 2 });
    const byHand = await withSession(b, async (s) => {
      while (!s.done) await s.next();
      return s.report();
    });
    expect(byHand.history.map((h) => h.loss)).toEqual(r.history.map((h) => h.loss));
    expect(byHand.top1).toBe(r.top1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

/** A valid, non-default value for an option declaration (nothing method-specific). */
function sampleValue(spec: OptionSpec, inputRank: number): unknown {
  switch (spec.type) {
    case 'enum':
      return spec.values.find((v) => v !== spec.default) ?? spec.values[0];
    case 'boolean':
      return !(spec.default ?? false);
    case 'integer': {
      const lo = spec.min ?? 0;
      const v = (spec.default ?? lo) + 1;
      return spec.max != null ? Math.min(spec.max, v) : v;
    }
    case 'number': {
      const lo = spec.min ?? 0;
      const hi = spec.max ?? lo + 2;
      return spec.default != null && spec.default !== (lo + hi) / 2 ? (lo + hi) / 2 : (lo + 3 * hi) / 4;
    }
    case 'integer-list':
      return new Array(inputRank).fill(Math.max(spec.min ?? 1, 1));
    case 'number-list':
      return [spec.max != null ? (spec.min ?? 0) / 2 + spec.max / 2 : (spec.min ?? 0) + 1];
  }
}

describe('finetune() passes every declared option of every registered method to the layers', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerBuiltinMethods();
  });
  const methods = () => listMethods().filter((p) => p.options.length > 0);
  it('there are methods with options to check', () => expect(methods().length).toBeGreaterThanOrEqual(4));
  for (const name of ['asi', 'hosvd', 'svd', 'gradient-filter', 'lora', 'wasi']) {
    it(`${name}: each option, given alone, is what the layers were created with`, async () => {
      const plugin = getMethod(name);
      for (const spec of plugin.options) {
        const value = sampleValue(spec, 4);
        const config = tiny({ method: name, epochs: 0, lastN: 2, methodOptions: { [spec.name]: value } });
        await withSession(config, async (s) => {
          const compressed = s.layers.filter((l) => l.role === 'compressed');
          expect(compressed.length, `${name}.${spec.name}`).toBeGreaterThan(0);
          for (const l of compressed) expect(l.options[spec.name], `${name}.${spec.name} on ${l.name}`).toEqual(value);
        });
      }
    });
  }
});

describe('a weight-side method: its variables train in place of the weight, and merge back', () => {
  // y = x·(W ⊙ s): one trainable scale per output channel, initialised to 1; W stays frozen.
  const plugin: MethodPlugin<Record<string, unknown>> = {
    specificationVersion: SPECIFICATION_VERSION,
    name: 'test-output-scale',
    description: 'trains one scale per output channel of a frozen weight',
    supports: ['conv2d', 'dense'],
    options: [],
    weights: {
      create(base: tf.Tensor): WeightParameterization {
        const out = base.shape[base.rank - 1]!;
        const init = tf.ones([out]);
        const s = tf.variable(init, true);
        init.dispose();
        return {
          trainable: { scale: s },
          weight: (w) => tf.mul(w, s),
          merge: (w) => tf.mul(w, s),
          getState: () => null,
          setState: () => {},
          dispose: () => s.dispose(),
        };
      },
    },
    cost: (g, o, mode) => getMethod('vanilla').cost(g, o, mode),
  };
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerMethod(plugin);
  });
  afterAll(() => unregisterMethod(plugin.name));

  it('trains the scales, not the weight; merging keeps the function', async () => {
    const before = tf.memory().numTensors;
    await withSession(tiny({ method: plugin.name, lastN: 1, classifier: 'exact', epochs: 2, learningRate: 0.5 }), async (s) => {
      const layer = s.model.convLayers().at(-1)!;
      const w0 = values(layer.weight);
      const names = [...s.model.trainableWeights().keys()];
      expect(names).toContain(`${layer.name}.scale`);
      expect(names).not.toContain(`${layer.name}.weight`);
      await s.run();
      expect(values(layer.weight)).toEqual(w0);
      const scale = values(s.model.runtime.get(layer.name)!.weights!.trainable.scale!);
      expect(scale.some((v) => v !== 1)).toBe(true);
      const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      const logits = (m: typeof s.model) => {
        const y = tf.tidy(() => m.forward(x));
        const v = values(y);
        y.dispose();
        return v;
      };
      const y0 = logits(s.model);
      const model = s.release();
      const y1 = logits(model);
      y1.forEach((v, i) => expect(v).toBeCloseTo(y0[i]!, 4));
      const cout = layer.outChannels;
      values(layer.weight).forEach((v, i) => expect(v).toBeCloseTo(w0[i]! * scale[i % cout]!, 5));
      x.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
