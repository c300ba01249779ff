// Unit tests of the build-time plugin list (ODL_WEB_PLUGINS → `virtual:odl-plugins`).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PLUGINS_MODULE_ID, PluginPathError, methodPluginsModule, pluginModules, pluginsModuleSource } from '../config/method-plugins';

describe('ODL_WEB_PLUGINS', () => {
  const root = mkdtempSync(join(tmpdir(), 'odl-web-plugins-'));
  mkdirSync(join(root, 'plugins'));
  writeFileSync(join(root, 'plugins/a.ts'), 'export const x = 1;\n');
  writeFileSync(join(root, 'b.ts'), 'export const y = 2;\n');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists nothing when unset or blank', () => {
    expect(pluginModules(undefined, root)).toEqual([]);
    expect(pluginModules(' ', root)).toEqual([]);
  });
  it('takes comma-separated paths, relative to the root or absolute', () => {
    const modules = pluginModules(` plugins/a.ts , ${join(root, 'b.ts')},`, root);
    expect(modules).toEqual([
      { source: 'plugins/a.ts', file: join(root, 'plugins/a.ts') },
      { source: join(root, 'b.ts'), file: join(root, 'b.ts') },
    ]);
  });
  it('names a path that is not a file, and where it looked', () => {
    expect(() => pluginModules('plugins/missing.ts', root)).toThrow(PluginPathError);
    expect(() => pluginModules('plugins', root)).toThrow(`ODL_WEB_PLUGINS: 'plugins' is not a file (looked at ${join(root, 'plugins')})`);
  });
  it('exports the namespaces in order, with their sources', () => {
    const source = pluginsModuleSource(pluginModules('plugins/a.ts,b.ts', root));
    expect(source).toContain(`import * as plugin0 from ${JSON.stringify(join(root, 'plugins/a.ts'))};`);
    expect(source).toContain(`import * as plugin1 from ${JSON.stringify(join(root, 'b.ts'))};`);
    expect(source).toContain('export const namespaces = [plugin0, plugin1];');
    expect(source).toContain('export const sources = ["plugins/a.ts","b.ts"];');
    expect(pluginsModuleSource([])).toContain('export const namespaces = [];');
  });
  it('provides the virtual module id', () => {
    const plugin = methodPluginsModule([]);
    const resolveId = plugin.resolveId as (id: string) => string | null;
    const load = plugin.load as (id: string) => string | null;
    const id = resolveId(PLUGINS_MODULE_ID);
    expect(id).not.toBeNull();
    expect(resolveId('other')).toBeNull();
    expect(load(id!)).toContain('export const namespaces = [];');
  });
});
