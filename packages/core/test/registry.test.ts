import { setupBackend } from '@odl/backend';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  adaptV1Plugin,
  conv2dGeometry,
  createLayerCompressor,
  denseGeometry,
  describeOption,
  DuplicateMethodError,
  exactVanilla,
  getMethod,
  hasMethod,
  InvalidPluginError,
  listMethods,
  MethodOptionError,
  optionFlag,
  paperVanilla,
  parseOptionText,
  registerMethod,
  rejectUnknownOptions,
  resolveOptions,
  SPECIFICATION_VERSION,
  SpecificationVersionError,
  UnknownMethodError,
  unregisterMethod,
  unsupportedReason,
  UnsupportedLayerError,
  VanillaCompressor,
  vanillaPlugin,
  type LayerGeometry,
  type MethodPlugin,
  type MethodPluginV1,
  type OptionSpec,
} from '../src/index';

const cost: MethodPlugin['cost'] = (g) => ({ activationElements: g.inputShape[0], forwardFlops: 1, backwardFlops: 2 });

const convOnly: MethodPlugin<{ tag?: string }> = {
  specificationVersion: SPECIFICATION_VERSION,
  name: 'conv-only-test',
  description: 'test plugin',
  supports: ['conv2d'],
  options: [{ name: 'tag', type: 'enum', values: ['x', 'y'], doc: 'a tag' }],
  create: (g) => new VanillaCompressor(g),
  cost,
};

const OPTIONS: OptionSpec[] = [
  { name: 'epsilon', type: 'number', default: 0.8, min: 0, minExclusive: true, max: 1, doc: 'explained variance kept' },
  { name: 'radius', type: 'integer', default: 2, min: 1, doc: 'block size in pixels' },
  { name: 'ranks', type: 'integer-list', min: 1, doc: 'rank per mode' },
  { name: 'epsilons', type: 'number-list', default: [0.5, 0.9], min: 0, max: 1, doc: 'ε grid' },
  { name: 'path', type: 'enum', values: ['gram', 'svd'], default: 'gram', doc: 'spectrum path' },
  { name: 'warmStart', type: 'boolean', default: true, doc: 'start from the previous factors' },
  { name: 'seed', type: 'integer', min: 0, doc: 'generator seed' },
];
const declared: MethodPlugin = { ...convOnly, name: 'declared-test', options: OPTIONS } as MethodPlugin;

const v1: MethodPluginV1<{ tag?: string }> = {
  name: 'old-test',
  apiVersion: 1,
  description: 'a version-1 plugin',
  supports: ['conv2d', 'dense'],
  create: (g) => new VanillaCompressor(g),
  cost,
};

/** Asserts that `f` throws a MethodOptionError naming `option`, with a message matching `pattern`. */
function expectOptionError(f: () => unknown, option: string, pattern: RegExp): void {
  try {
    f();
    expect.unreachable(`expected a MethodOptionError for '${option}'`);
  } catch (e) {
    expect(e).toBeInstanceOf(MethodOptionError);
    expect((e as MethodOptionError).option).toBe(option);
    expect((e as Error).message).toMatch(pattern);
  }
}

describe('method registry (contract version 2)', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });
  afterEach(() => {
    for (const n of ['conv-only-test', 'declared-test', 'old-test', 'hooked-test']) unregisterMethod(n);
  });

  it("has 'vanilla' registered by default", () => {
    expect(hasMethod('vanilla')).toBe(true);
    expect(getMethod('vanilla')).toBe(vanillaPlugin);
    expect(vanillaPlugin.specificationVersion).toBe(2);
    expect(listMethods().map((p) => p.name)).toContain('vanilla');
  });

  it('registers, lists sorted, looks up and unregisters', () => {
    registerMethod(convOnly);
    const names = listMethods().map((p) => p.name);
    expect(names).toEqual([...names].sort());
    expect(getMethod('conv-only-test')).toBe(convOnly);
    expect(unregisterMethod('conv-only-test')).toBe(true);
    expect(unregisterMethod('conv-only-test')).toBe(false);
    expect(hasMethod('conv-only-test')).toBe(false);
  });

  it('unknown names throw UnknownMethodError listing what is registered and the closest name', () => {
    registerMethod(convOnly);
    try {
      getMethod('conv-only-tst');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownMethodError);
      expect((e as UnknownMethodError).available).toEqual(expect.arrayContaining(['vanilla', 'conv-only-test']));
      expect((e as Error).message).toMatch(/'conv-only-tst'.*did you mean 'conv-only-test'.*vanilla/);
    }
    expect(() => createLayerCompressor('nope', denseGeometry([2, 3], [3, 4]))).toThrow(UnknownMethodError);
  });

  it('refuses a version-1 plugin with SpecificationVersionError naming adaptV1Plugin, and other versions', () => {
    try {
      registerMethod(v1 as unknown as MethodPlugin);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SpecificationVersionError);
      expect((e as SpecificationVersionError).found).toBe(1);
      expect((e as SpecificationVersionError).expected).toBe(SPECIFICATION_VERSION);
      expect((e as Error).message).toMatch(/adaptV1Plugin/);
    }
    expect(() => registerMethod({ ...convOnly, name: 'v3-test', specificationVersion: 3 as never })).toThrow(SpecificationVersionError);
    expect(() => registerMethod({ ...convOnly, name: 'v3-test', specificationVersion: 3 as never })).toThrow(/version 3.*update the plugin/);
    expect(hasMethod('old-test') || hasMethod('v3-test')).toBe(false);
  });

  it('adaptV1Plugin wraps a version-1 plugin with declared options and its (or a given) cost model', () => {
    const adapted = adaptV1Plugin(v1, { options: [{ name: 'tag', type: 'enum', values: ['x'], doc: 'a tag' }] });
    expect(adapted.specificationVersion).toBe(SPECIFICATION_VERSION);
    expect([adapted.name, adapted.description, adapted.supports]).toEqual([v1.name, v1.description, v1.supports]);
    registerMethod(adapted);
    const g = denseGeometry([4, 3], [3, 2]);
    const c = createLayerCompressor('old-test', g, { tag: 'x' });
    expect(c).toBeInstanceOf(VanillaCompressor);
    expect(getMethod('old-test').cost(g, {}, 'exact')).toEqual({ activationElements: 4, forwardFlops: 1, backwardFlops: 2 });
    expect(() => resolveOptions(getMethod('old-test'), { tag: 'z' })).toThrow(MethodOptionError);

    const { cost: _drop, ...noCost } = v1;
    expect(() => adaptV1Plugin(noCost, { options: [] })).toThrow(InvalidPluginError);
    expect(() => adaptV1Plugin(noCost, { options: [] })).toThrow(/no cost model/);
    const given = adaptV1Plugin(noCost, { options: [], cost: () => ({ activationElements: 7, forwardFlops: 0, backwardFlops: 0 }) });
    expect(given.cost(g, {}, 'paper').activationElements).toBe(7);
    expect(() => adaptV1Plugin(convOnly as never, { options: [] })).toThrow(/expected a version-1 plugin/);
  });

  it('refuses duplicates and malformed plugins with typed errors', () => {
    registerMethod(convOnly);
    expect(() => registerMethod(convOnly)).toThrow(DuplicateMethodError);
    expect(() => registerMethod({ ...convOnly, name: 'Bad Name' })).toThrow(InvalidPluginError);
    expect(() => registerMethod({ ...convOnly, name: 'empty-test', supports: [] })).toThrow(InvalidPluginError);
    expect(() => registerMethod({ ...convOnly, name: 'kind-test', supports: ['lstm' as never] })).toThrow(InvalidPluginError);
    expect(() => registerMethod({ ...convOnly, name: 'nocost-test', cost: undefined as never })).toThrow(/declares its cost model/);
    expect(() => registerMethod({ ...convOnly, name: 'create-test', create: 3 as never })).toThrow(/create that is not a function/);
    expect(() => registerMethod({ ...convOnly, name: 'hook-test', layerOptions: 'x' as never })).toThrow(/layerOptions that is not a function/);
    expect(() => registerMethod({ ...convOnly, name: 'planner-test', planner: { needsPlan: () => true } as never })).toThrow(/planner without/);
    expect(() => registerMethod({ ...convOnly, name: 'weights-test', weights: {} as never })).toThrow(/weights without a create/);
    for (const n of ['empty-test', 'kind-test', 'nocost-test', 'create-test', 'hook-test', 'planner-test', 'weights-test']) expect(hasMethod(n)).toBe(false);
  });

  it('refuses malformed option declarations', () => {
    const bad = (options: unknown) => () => registerMethod({ ...convOnly, name: 'options-test', options: options as OptionSpec[] });
    expect(bad(undefined)).toThrow(/declare its options as an array/);
    expect(bad([{ name: 'Bad-Name', type: 'number', doc: 'x' }])).toThrow(/invalid name "Bad-Name"/);
    expect(bad([{ name: 'a', type: 'number', doc: 'x' }, { name: 'a', type: 'integer', doc: 'y' }])).toThrow(/declares option 'a' twice/);
    expect(bad([{ name: 'a', type: 'float', doc: 'x' }])).toThrow(/has type "float"/);
    expect(bad([{ name: 'a', type: 'number', doc: '' }])).toThrow(/needs a one-line doc/);
    expect(bad([{ name: 'a', type: 'enum', values: [], doc: 'x' }])).toThrow(/must list its values/);
    for (const f of [bad(undefined), bad([{ name: 'a', type: 'float', doc: 'x' }])]) expect(f).toThrow(InvalidPluginError);
    expect(hasMethod('options-test')).toBe(false);
  });

  it('createLayerCompressor validates the geometry, the layer kind and the unsupportedReason hook', () => {
    registerMethod(convOnly);
    expect(() => createLayerCompressor('conv-only-test', denseGeometry([2, 3], [3, 4]))).toThrow(UnsupportedLayerError);
    const c = createLayerCompressor('conv-only-test', conv2dGeometry([2, 5, 5, 3], [3, 3, 3, 4]), { tag: 'x' });
    expect(c.geometry.outputShape).toEqual([2, 3, 3, 4]);
    expect(() =>
      createLayerCompressor('vanilla', { kind: 'conv2d', inputShape: [2, 5, 5, 3], weightShape: [3, 3, 2, 4], outputShape: [2, 3, 3, 4] }),
    ).toThrow(/2 input channels per group/);
    expect(() => createLayerCompressor('vanilla', { kind: 'dense', inputShape: [2, 3], weightShape: [3, 4], outputShape: [2, 5] })).toThrow(/outputShape/);
    expect(() => conv2dGeometry([1, 9, 9, 2], [3, 3, 2, 2], { strides: 2, dilations: 2 })).toThrow(/cannot combine/);

    const hooked: MethodPlugin = { ...convOnly, name: 'hooked-test', supports: ['conv2d', 'dense'], unsupportedReason: (g) => (g.inputShape.length === 2 ? 'needs a 3-D input' : null) } as MethodPlugin;
    registerMethod(hooked);
    expect(unsupportedReason(hooked, denseGeometry([2, 3], [3, 4]))).toBe('needs a 3-D input');
    expect(unsupportedReason(hooked, denseGeometry([2, 5, 3], [3, 4]))).toBeNull();
    expect(unsupportedReason(hooked, { kind: 'depthwise' } as LayerGeometry)).toMatch(/supports conv2d, dense layers, not depthwise/);
    expect(() => createLayerCompressor('hooked-test', denseGeometry([2, 3], [3, 4]))).toThrow(/cannot serve this dense layer: needs a 3-D input/);
  });

  it("vanilla's create refuses options (it declares none), and its cost is paperVanilla / exactVanilla", () => {
    const g = conv2dGeometry([2, 8, 8, 4], [3, 3, 2, 6], { pad: 'same', groups: 2 });
    expectOptionError(() => vanillaPlugin.create!(g, { ranks: [1] }), 'ranks', /unknown option 'ranks'; options of 'vanilla': \(none\)/);
    const macsGrouped = 2 * 8 * 8 * 6 * 9 * 2;
    const exact = vanillaPlugin.cost(g, {}, 'exact');
    expect(exact).toEqual({
      activationElements: 2 * 8 * 8 * 4,
      forwardFlops: 2 * macsGrouped,
      backwardFlops: 4 * macsGrouped,
      terms: [
        { phase: 'forward', name: 'conv', flops: 2 * macsGrouped },
        { phase: 'backward', name: 'weight-gradient', flops: 2 * macsGrouped },
        { phase: 'backward', name: 'input-gradient', flops: 2 * macsGrouped },
      ],
    });
    expect(exact).toEqual(exactVanilla(g));
    const paper = vanillaPlugin.cost(g, {}, 'paper');
    expect(paper.forwardFlops).toBe(2 * macsGrouped); // groups ignored: 4 input channels per output
    expect(paper).toEqual(paperVanilla(g));
  });
});

describe('declared options', () => {
  it('resolveOptions fills defaults (lists copied) and keeps given values; undefined counts as absent', () => {
    const o = resolveOptions<Record<string, unknown>>(declared, { radius: 3, seed: undefined, ranks: [4, 4] });
    expect(o).toEqual({ epsilon: 0.8, radius: 3, ranks: [4, 4], epsilons: [0.5, 0.9], path: 'gram', warmStart: true });
    (o.epsilons as number[]).push(1);
    expect(resolveOptions<Record<string, unknown>>(declared).epsilons).toEqual([0.5, 0.9]);
    expect(resolveOptions(vanillaPlugin, {})).toEqual({});
  });

  it('resolveOptions rejects unknown keys with a did-you-mean and the declared names', () => {
    expectOptionError(() => resolveOptions(declared, { epsilonn: 0.9 }), 'epsilonn', /unknown option 'epsilonn' \(did you mean 'epsilon'\?\); options of 'declared-test': epsilon, radius, ranks, epsilons, path, warmStart, seed/);
    expectOptionError(() => resolveOptions(declared, { zzz: 1 }), 'zzz', /unknown option 'zzz'; options/);
    expectOptionError(() => resolveOptions(vanillaPlugin, { ranks: [1] }), 'ranks', /options of 'vanilla': \(none\)/);
    expectOptionError(() => resolveOptions(declared, [] as never), '(options)', /options must be an object/);
  });

  it('resolveOptions rejects wrong types and out-of-range values naming the option', () => {
    expectOptionError(() => resolveOptions(declared, { epsilon: '0.8' }), 'epsilon', /epsilon must be a finite number, got "0.8"/);
    expectOptionError(() => resolveOptions(declared, { epsilon: 0 }), 'epsilon', /epsilon must be in \(0, 1\], got 0/);
    expectOptionError(() => resolveOptions(declared, { epsilon: 1.5 }), 'epsilon', /in \(0, 1\]/);
    expectOptionError(() => resolveOptions(declared, { epsilon: Number.NaN }), 'epsilon', /finite number/);
    expectOptionError(() => resolveOptions(declared, { radius: 2.5 }), 'radius', /radius must be an integer/);
    expectOptionError(() => resolveOptions(declared, { radius: 0 }), 'radius', /radius must be in \[1, ∞\), got 0/);
    expectOptionError(() => resolveOptions(declared, { ranks: [4, 0] }), 'ranks', /ranks\[1\] must be in \[1, ∞\)/);
    expectOptionError(() => resolveOptions(declared, { ranks: [] }), 'ranks', /non-empty list of integers/);
    expectOptionError(() => resolveOptions(declared, { ranks: 4 }), 'ranks', /non-empty list/);
    expectOptionError(() => resolveOptions(declared, { epsilons: [0.5, 2] }), 'epsilons', /epsilons\[1\] must be in \[0, 1\], got 2/);
    const grid = { ...declared, options: [{ name: 'grid', type: 'number-list', min: 0, minExclusive: true, max: 1, doc: 'ε grid' }] } as MethodPlugin;
    expectOptionError(() => resolveOptions(grid, { grid: [0.5, 0] }), 'grid', /grid\[1\] must be in \(0, 1\], got 0/);
    expect(resolveOptions(grid, { grid: [1e-9, 1] })).toEqual({ grid: [1e-9, 1] });
    expectOptionError(() => resolveOptions(declared, { path: 'qr' }), 'path', /path must be one of 'gram', 'svd', got "qr"/);
    expectOptionError(() => resolveOptions(declared, { warmStart: 'yes' }), 'warmStart', /warmStart must be true or false/);
    expect(new MethodOptionError('m', 'o', 'detail').message).toBe('m: detail');
  });

  it('rejectUnknownOptions passes declared keys (used or not) and refuses the others', () => {
    expect(() => rejectUnknownOptions('declared-test', OPTIONS, { epsilon: 0.5, epsilons: [0.4], seed: undefined })).not.toThrow();
    expect(() => rejectUnknownOptions('declared-test', OPTIONS, undefined)).not.toThrow();
    expectOptionError(() => rejectUnknownOptions('declared-test', OPTIONS, { raduis: 2 }), 'raduis', /did you mean 'radius'/);
  });

  it('parseOptionText parses numbers, integers, lists, booleans and enums, and refuses text that does not fit', () => {
    const spec = (name: string) => OPTIONS.find((s) => s.name === name)!;
    expect(parseOptionText('t', spec('epsilon'), ' 0.95 ')).toBe(0.95);
    expect(parseOptionText('t', spec('radius'), '3')).toBe(3);
    expect(parseOptionText('t', spec('ranks'), '4,4,4,16')).toEqual([4, 4, 4, 16]);
    expect(parseOptionText('t', spec('epsilons'), '0.4, 0.9')).toEqual([0.4, 0.9]);
    expect(parseOptionText('t', spec('path'), 'svd')).toBe('svd');
    for (const [text, value] of [['true', true], ['1', true], ['', true], ['false', false], ['0', false]] as const) {
      expect(parseOptionText('t', spec('warmStart'), text)).toBe(value);
    }
    expectOptionError(() => parseOptionText('t', spec('epsilon'), 'abc'), 'epsilon', /finite number/);
    expectOptionError(() => parseOptionText('t', spec('epsilon'), ''), 'epsilon', /finite number/);
    expectOptionError(() => parseOptionText('t', spec('radius'), '2.5'), 'radius', /integer/);
    expectOptionError(() => parseOptionText('t', spec('ranks'), '4,,4'), 'ranks', /ranks\[1\]/);
    expectOptionError(() => parseOptionText('t', spec('path'), 'SVD'), 'path', /one of 'gram', 'svd'/);
    expectOptionError(() => parseOptionText('t', spec('warmStart'), 'yes'), 'warmStart', /true or false, got 'yes'/);
  });

  it('optionFlag and describeOption format help texts', () => {
    expect(optionFlag({ name: 'powerSteps' })).toBe('power-steps');
    expect(describeOption(OPTIONS[0]!)).toBe('number in (0, 1], default 0.8: explained variance kept');
    expect(describeOption(OPTIONS[2]!)).toBe('integers, comma-separated, each in [1, ∞): rank per mode');
    expect(describeOption(OPTIONS[4]!)).toBe('gram | svd, default gram: spectrum path');
    expect(describeOption({ name: 'x', type: 'boolean', required: true, doc: 'needed' })).toBe('true | false, required: needed');
  });
});
