// The example plugins from the command line: `odl finetune|profile|ranks --plugin <module>`. A
// plugin is an ES module; the examples are TypeScript, so the test compiles each one first (as a
// plugin author would), leaving @odl/* as imports that the CLI serves from its own bundle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runOdl } from '../apps/cli/test/cli-helpers';

const here = dirname(fileURLToPath(import.meta.url));
const PLUGINS = [
  { method: 'random-projection', source: 'random-projection/random-projection.ts', options: ['--rank', '8'] },
  { method: 'int8-activations', source: 'int8-activations/int8-activations.ts', options: ['--precision', 'int8'] },
];

describe('example plugins in the CLI (--plugin)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'odl-plugins-'));
  const built = new Map<string, string>();
  beforeAll(async () => {
    ensureCliBuilt();
    for (const p of PLUGINS) {
      const outfile = join(dir, `${p.method}.mjs`);
      await esbuild.build({ entryPoints: [join(here, p.source)], outfile, bundle: true, format: 'esm', platform: 'node', external: ['@odl/*', '@tensorflow/*'], logLevel: 'warning' });
      built.set(p.method, outfile);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const p of PLUGINS) {
    it(`${p.method}: listed in --help with its options, profiled, planned and trained`, { timeout: 300_000 }, () => {
      const plugin = built.get(p.method)!;
      const help = runOdl(['finetune', '--plugin', plugin, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`${p.method}:`);
      expect(help.stdout).toContain(p.options[0]);

      const profile = runOdl(['profile', '--plugin', plugin, '--method', `vanilla,${p.method}`, ...p.options, '--layers', '2', '--json']);
      expect(profile.stderr).toBe('');
      expect(profile.code).toBe(0);
      const report = JSON.parse(profile.stdout);
      const [vanilla, ours] = [report.tables[0], report.tables[1]];
      expect(ours.method).toBe(p.method);
      expect(ours.rows.map((r: { name: string }) => r.name)).toEqual(vanilla.rows.map((r: { name: string }) => r.name));
      expect(ours.total.activationBytes).toBeLessThan(vanilla.total.activationBytes);

      const ranks = runOdl(['ranks', '--plugin', plugin, '--method', p.method, '--budget-mib', '0.2', '--layers', '2', '--batch', '32', '--json']);
      expect(ranks.code).toBe(0);
      const plan = JSON.parse(ranks.stdout);
      expect(plan.method).toBe(p.method);
      expect(plan.totalBytes).toBeLessThanOrEqual(0.2 * 2 ** 20);
      expect(plan.analyticBytes).toBe(plan.totalBytes);

      const run = runOdl(['finetune', '--plugin', plugin, '--method', p.method, '--budget-mib', '0.2', '--layers', '2', '--epochs', '1', '--batch', '32', '--json']);
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.method).toBe(p.method);
      const compressed = result.layers.filter((l: { role: string }) => l.role === 'compressed');
      expect(compressed).toHaveLength(2);
      expect(compressed.every((l: { method: string }) => l.method === p.method)).toBe(true);
      expect(result.activationBytes.analytic).toBeLessThanOrEqual(0.2 * 2 ** 20);
      expect(result.steps).toBeGreaterThan(0);
    });
  }

  it('a TypeScript file or a module without methods is refused with the fix', () => {
    const ts = runOdl(['profile', '--plugin', join(here, PLUGINS[0]!.source)]);
    expect(ts.code).toBe(2);
    expect(ts.stderr).toMatch(/compile it to an ES module first/);
    const missing = runOdl(['profile', '--plugin', join(dir, 'nope.mjs')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
  });
});
