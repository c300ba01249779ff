// Unit tests of the page's pure helpers (no browser): chart ticks, folder paths, the state
// reducer, number formatting, and the method form's option parsing and validation.
import { describe, expect, it } from 'vitest';
import { BASELINE_METHOD, type MethodInfo, type OptionSpec } from '../src/protocol';
import { niceTicks } from '../src/ui/charts';
import { BASELINE_COLOR, METHOD_COLORS, accuracyLabel, formatBytes, formatPercent, methodColor } from '../src/ui/format';
import { describes, lastNField, lastNText } from '../src/ui/last-n';
import { defaultMethod } from '../src/ui/method-form';
import { fieldTextProblem, formOptions, listPattern, optionLabel, optionPlaceholder, optionProblem, optionValue } from '../src/ui/option-values';
import { applyMessage, initialState, meanStepMs } from '../src/ui/state';
import { TRAINING_FIELDS, trainingFieldAttributes, trainingFieldProblem } from '../src/ui/training-fields';

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 1.83)).toEqual([0, 0.5, 1, 1.5]);
    expect(niceTicks(1.45, 1.62)).toEqual([1.45, 1.5, 1.55, 1.6]);
    expect(niceTicks(0, 100, 5)).toEqual([0, 20, 40, 60, 80, 100]);
  });
  it('keeps whole numbers when asked (steps)', () => {
    expect(niceTicks(1, 16, 6, true)).toEqual([5, 10, 15]);
    expect(niceTicks(1, 4, 6, true)).toEqual([1, 2, 3, 4]);
  });
  it('returns the single value of an empty range', () => {
    expect(niceTicks(3, 3)).toEqual([3]);
  });
});

describe('applyMessage', () => {
  it('builds runs from the worker messages', () => {
    const s = initialState();
    applyMessage(s, { type: 'ready', backend: 'wasm', threads: 2, rejected: [], pretrained: [{ name: 'vit-fmnist04', label: 'ViT' }] });
    const methods: MethodInfo[] = [{ name: 'm', description: 'a method', plans: true, options: [] }];
    applyMessage(s, { type: 'methods', methods });
    const plan = { summary: 'k = 2', tables: [{ title: 't', columns: ['layer', 'k'], rows: [['conv', 2]] }] };
    applyMessage(s, {
      type: 'run-start', runId: 7, method: 'm', protocol: 'paper', totalSteps: 3, layers: [], plan, trainImages: 48, testImages: 10, classNames: ['a', 'b'],
    });
    for (const [step, ms] of [[1, 90], [2, 10], [3, 20]]) {
      applyMessage(s, { type: 'step', runId: 7, step, loss: 1 / step, ms, learningRate: 0.05, numTensors: 40 });
    }
    applyMessage(s, { type: 'eval', runId: 7, step: 3, top1: 0.5, loss: 0.7 });
    applyMessage(s, { type: 'memory', runId: 7, analyticBytes: 10, vanillaBytes: 80, measuredBytes: 100, trainingFlops: 1e6 });
    applyMessage(s, { type: 'run-end', runId: 7, steps: 3, stopped: false, savedAs: 'indexeddb://x', top1: 0.5 });
    expect(s.backend).toBe('wasm');
    expect(s.threads).toBe(2);
    expect(s.pretrained).toEqual([{ name: 'vit-fmnist04', label: 'ViT' }]);
    expect(s.methods).toEqual(methods);
    const r = s.runs[0];
    expect(r.method).toBe('m');
    expect(r.protocol).toBe('paper');
    expect(r.plan).toEqual(plan);
    expect(r.steps.map((p) => p.step)).toEqual([1, 2, 3]);
    expect(r.evals).toEqual([{ step: 3, top1: 0.5, loss: 0.7 }]);
    expect(r.memory?.vanillaBytes).toBe(80);
    expect(r.end?.savedAs).toBe('indexeddb://x');
    expect(s.history).toEqual([r]);
    // The first (warm-up) step is left out of the mean step time.
    expect(meanStepMs(r)).toBe(15);
  });
  it('ignores messages of unknown runs and records errors', () => {
    const s = initialState();
    applyMessage(s, { type: 'step', runId: 1, step: 1, loss: 1, ms: 1, learningRate: 0.1, numTensors: 0 });
    applyMessage(s, { type: 'error', message: 'boom' });
    expect(s.runs).toEqual([]);
    expect(s.errors).toEqual(['boom']);
  });
});

describe('format', () => {
  it('formats bytes and percentages', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(90112)).toBe('88.0 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MiB');
    expect(formatBytes(Number.NaN)).toBe('—');
    expect(formatPercent(0.384)).toBe('38.4 %');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('methodColor', () => {
  it('gives the baseline its own colour and every other method a stable one of the palette', () => {
    expect(methodColor(BASELINE_METHOD)).toBe(BASELINE_COLOR);
    expect(METHOD_COLORS).not.toContain(BASELINE_COLOR);
    expect(METHOD_COLORS).toContain(methodColor('some-method'));
    expect(methodColor('some-method')).toBe(methodColor('some-method'));
  });
});

describe('option fields', () => {
  const rank: OptionSpec = { name: 'rank', type: 'integer', min: 1, doc: 'rows kept' };
  const epsilon: OptionSpec = { name: 'epsilon', type: 'number', default: 0.8, min: 0, minExclusive: true, max: 1, doc: 'variance kept' };
  const ranks: OptionSpec = { name: 'ranks', type: 'integer-list', min: 1, doc: 'per mode' };
  const grid: OptionSpec = { name: 'grid', type: 'number-list', default: [0.4, 0.5], min: 0, minExclusive: true, max: 1, doc: 'ε grid' };
  const storage: OptionSpec = { name: 'storage', type: 'enum', values: ['float32', 'int8'], default: 'float32', doc: 'how kept' };

  it('takes empty text as the default', () => {
    for (const spec of [rank, epsilon, ranks, grid, storage]) {
      expect(optionProblem(spec, '  ')).toBeNull();
      expect(optionValue(spec, '')).toBeUndefined();
    }
  });
  it('parses valid text into typed values', () => {
    expect(optionValue(rank, ' 8 ')).toBe(8);
    expect(optionValue(epsilon, '1')).toBe(1);
    expect(optionValue(ranks, '4, 4,2 ,16')).toEqual([4, 4, 2, 16]);
    expect(optionValue(grid, '0.5,.9,1e-1')).toEqual([0.5, 0.9, 0.1]);
    expect(optionValue(storage, 'int8')).toBe('int8');
  });
  it('names what is wrong, with the range', () => {
    expect(optionProblem(rank, '0')).toBe('rank must be ≥ 1, got 0');
    expect(optionProblem(rank, '2.5')).toBe('rank must be a whole number, got 2.5');
    expect(optionProblem(rank, 'abc')).toBe("rank must be a whole number, got 'abc'");
    expect(optionProblem(epsilon, '0')).toBe('epsilon must be > 0 and ≤ 1, got 0');
    expect(optionProblem(epsilon, '1.5')).toBe('epsilon must be > 0 and ≤ 1, got 1.5');
    expect(optionProblem(ranks, '4,0,4')).toBe('ranks[1] must be ≥ 1, got 0');
    expect(optionProblem(ranks, '4,,4')).toBe("ranks[1] must be a whole number, got ''");
    expect(optionProblem(storage, 'int4')).toBe("storage must be one of float32, int8, got 'int4'");
    expect(() => optionValue(rank, '0')).toThrow(RangeError);
  });
  it('gives list fields a pattern browsers accept (v flag) that matches the valid lists only', () => {
    for (const [spec, good, bad] of [
      [ranks, ['4,4,2,16', ' 8 ', '1, 2'], ['4,,4', '4.5', 'a', '']],
      [grid, ['0.4, 0.5', '.9', '1e-2,1'], ['0.4;0.5', '0.4,', 'x']],
    ] as const) {
      const re = new RegExp(`^(?:${listPattern(spec as Extract<OptionSpec, { type: 'integer-list' | 'number-list' }>)})$`, 'v');
      for (const g of good) expect(re.test(g), g).toBe(true);
      for (const b of bad) expect(re.test(b), b).toBe(false);
    }
  });
  it('says what an empty field means', () => {
    expect(optionPlaceholder(epsilon, false)).toBe('default 0.8');
    expect(optionPlaceholder(grid, true)).toBe('default 0.4, 0.5');
    expect(optionPlaceholder(rank, true)).toBe('chosen by the method');
    expect(optionPlaceholder(rank, false)).toBe('not set');
  });
  it('names options in plain words', () => {
    expect(optionLabel('powerSteps')).toBe('power steps');
    expect(optionLabel('warmStart')).toBe('warm start');
    expect(optionLabel('epsilon')).toBe('epsilon');
    expect(optionLabel('maxSVDRank')).toBe('max svd rank');
  });
  it('judges a field by its label, with unreadable and missing input', () => {
    expect(fieldTextProblem(rank, '0', { label: 'rank kept' })).toBe('rank kept must be ≥ 1, got 0');
    expect(fieldTextProblem(rank, '', { badInput: true })).toBe('rank must be a number');
    expect(fieldTextProblem(rank, ' ')).toBeNull();
    expect(fieldTextProblem(rank, ' ', { required: true })).toBe('rank is required');
    expect(fieldTextProblem(rank, '3', { required: true })).toBeNull();
  });
  it('leaves cost-only options out of the form', () => {
    expect(formOptions([rank, { ...ranks, costOnly: true }]).map((o) => o.name)).toEqual(['rank']);
  });
});

describe('defaultMethod', () => {
  const m = (name: string, plans: boolean): MethodInfo => ({ name, description: '', plans, options: [] });
  it('prefers a method that plans, then one that is not the baseline', () => {
    expect(defaultMethod([m('a', false), m('b', true), m(BASELINE_METHOD, false)])).toBe('b');
    expect(defaultMethod([m(BASELINE_METHOD, false), m('a', false)])).toBe('a');
    expect(defaultMethod([m(BASELINE_METHOD, false)])).toBe(BASELINE_METHOD);
    expect(defaultMethod([])).toBeNull();
  });
});

describe('training fields', () => {
  const field = (id: string) => TRAINING_FIELDS.find((f) => f.id === id)!;
  it('are required numbers in range, named in plain words', () => {
    expect(TRAINING_FIELDS.map((f) => f.id)).toEqual(['lastN', 'steps', 'batch', 'lr', 'eval-every']);
    expect(trainingFieldProblem(field('steps'), '60')).toBeNull();
    expect(trainingFieldProblem(field('steps'), '0')).toBe('training steps must be ≥ 1 and ≤ 5000, got 0');
    expect(trainingFieldProblem(field('steps'), '2.5')).toBe('training steps must be a whole number, got 2.5');
    expect(trainingFieldProblem(field('batch'), '')).toBe('batch size is required');
    expect(trainingFieldProblem(field('batch'), '', true)).toBe('batch size must be a number');
    expect(trainingFieldProblem(field('lr'), '0')).toBe('learning rate must be > 0 and ≤ 1, got 0');
    expect(trainingFieldProblem(field('lr'), '0.05')).toBeNull();
    expect(trainingFieldProblem(field('eval-every'), '100000')).toBeNull();
  });
  it('give their inputs the same range', () => {
    expect(trainingFieldAttributes(field('lastN'))).toEqual({ min: '1', max: '60', step: '1' });
    expect(trainingFieldAttributes(field('lr'))).toEqual({ min: '0', max: '1', step: 'any' });
    expect(trainingFieldAttributes(field('eval-every'))).toEqual({ min: '1', max: null, step: '1' });
  });
});

describe('the last-N field', () => {
  const field = TRAINING_FIELDS.find((f) => f.id === 'lastN')!;
  const vit = { kind: 'pretrained' as const, name: 'vit-fmnist04' };
  const names = [0, 1].flatMap((i) => [`encoder.layers.encoder_layer_${i}.mlp.0`, `encoder.layers.encoder_layer_${i}.mlp.3`]);
  const info = { model: vit, count: 4, layers: 'MLP linears', names };
  it('keeps the worker\'s description of the chosen model and says what N counts there', () => {
    const s = initialState();
    applyMessage(s, { type: 'model-layers', ...info });
    expect(s.lastN).toEqual(info);
    expect(describes(s.lastN, vit)).toBe(true);
    expect(describes(s.lastN, { kind: 'pretrained', name: 'mcunet-in1-fmnist04' })).toBe(false);
    expect(describes(null, vit)).toBe(false);
    expect(lastNText(info)).toEqual({
      label: 'Fine-tuned layers (last N of 4 MLP linears)',
      help: "The last N of this model's 4 MLP linears (encoder.layers.encoder_layer_0.mlp.0 … encoder.layers.encoder_layer_1.mlp.3) train through the method; the classifier trains exactly",
    });
    expect(lastNText(null).label).toBe('Fine-tuned layers (last N)');
  });
  it('ends its range at the model\'s count once described', () => {
    expect(trainingFieldProblem(lastNField(field, info), '4')).toBeNull();
    expect(trainingFieldProblem(lastNField(field, info), '5')).toBe('fine-tuned layers must be ≥ 1 and ≤ 4, got 5');
    expect(trainingFieldAttributes(lastNField(field, info)).max).toBe('4');
    expect(lastNField(field, null)).toBe(field);
  });
});

describe('accuracyLabel', () => {
  it('says when the accuracy was measured, in words', () => {
    expect(accuracyLabel(40)).toBe('accuracy after 40 steps');
    expect(accuracyLabel(1)).toBe('accuracy after 1 step');
    expect(accuracyLabel(0)).toBe('accuracy before training');
    expect(accuracyLabel(null)).toBe('accuracy on held-out images');
  });
});
