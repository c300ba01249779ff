// Unit tests of the worker's plugin registration and method descriptions (no browser).
import { SPECIFICATION_VERSION, unregisterMethod, vanillaPlugin, type MethodPlugin } from '@odl/core';
import { afterAll, describe, expect, it } from 'vitest';
import { PluginRegistrationError } from '../src/worker/errors';
import { describeMethods, registerPluginModules } from '../src/worker/plugin-registration';

/** A minimal valid plugin (vanilla's compressor and cost) under `name`. */
function testPlugin(name: string, planner = false): MethodPlugin {
  return {
    specificationVersion: SPECIFICATION_VERSION,
    name,
    description: `test method ${name}`,
    supports: ['conv2d'],
    options: [
      { name: 'rank', type: 'integer', min: 1, doc: 'rows kept' },
      { name: 'grid', type: 'number-list', default: [0.5, 0.9], doc: 'a grid' },
    ],
    create: vanillaPlugin.create as MethodPlugin['create'],
    cost: vanillaPlugin.cost as MethodPlugin['cost'],
    planner: planner ? { needsPlan: () => true, plan: () => ({ layerOptions: {}, totalBytes: 0, summary: '' }) } : undefined,
  };
}

describe('registerPluginModules', () => {
  afterAll(() => {
    for (const n of ['web-test-a', 'web-test-b', 'web-test-c']) unregisterMethod(n);
  });

  it('registers exported plugins and describes them as plain JSON, with whether they plan', async () => {
    const failed = await registerPluginModules([
      { source: 'a.ts', namespace: { a: testPlugin('web-test-a', true) } },
      { source: 'b.ts', namespace: { register: () => undefined, b: testPlugin('web-test-b') } },
    ]);
    expect(failed).toEqual([]);
    const described = describeMethods();
    const a = described.find((m) => m.name === 'web-test-a')!;
    expect(a).toEqual({
      name: 'web-test-a',
      description: 'test method web-test-a',
      plans: true,
      options: [
        { name: 'rank', type: 'integer', min: 1, doc: 'rows kept' },
        { name: 'grid', type: 'number-list', default: [0.5, 0.9], doc: 'a grid' },
      ],
    });
    expect(described.find((m) => m.name === 'web-test-b')!.plans).toBe(false);
    expect(structuredClone(described)).toEqual(described);
  });

  it('reports a module that fails or provides nothing, naming it, and goes on with the others', async () => {
    const failed = await registerPluginModules([
      { source: 'dup.ts', namespace: { again: testPlugin('web-test-a') } },
      { source: 'empty.ts', namespace: { helper: () => 1 } },
      { source: 'c.ts', namespace: { c: testPlugin('web-test-c') } },
    ]);
    expect(failed.map((e) => e instanceof PluginRegistrationError)).toEqual([true, true]);
    expect(failed.map((e) => e.source)).toEqual(['dup.ts', 'empty.ts']);
    expect(failed[0]!.message).toMatch(/^method plugin dup\.ts \(ODL_WEB_PLUGINS\): .*web-test-a/);
    expect(failed[1]!.message).toContain('registered no method and exports none');
    expect(describeMethods().map((m) => m.name)).toContain('web-test-c');
  });
});
