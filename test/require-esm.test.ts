// The published packages are ES modules whose exports map offers a `default` target, so CommonJS
// `require()` loads them on Node >= 20.19 (require(esm); no module has a top-level await), and
// plain Node ESM runs @odl/backend without a bundler: its setup registers tfjs-core's gradients
// from the installed tfjs-core (docs/traps.md, "tfjs gradients"). Checked on the built packages
// (`pnpm build` first), each in a fresh Node process started in the package's own folder, where
// its name resolves to itself.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entrySpecifiers, publishedPackages } from '../scripts/release/published.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Every public entry of the published library packages, with the folder of its package. */
const ENTRIES: [string, string][] = publishedPackages(root).flatMap((pkg) => entrySpecifiers(pkg).map((entry): [string, string] => [entry, pkg.dir]));

function node(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd: join(root, cwd), encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const hasRequireEsm = (process.features as { require_module?: boolean }).require_module === true;

describe('built packages in plain Node', () => {
  it('are built', () => {
    expect(ENTRIES.map(([name]) => name)).toEqual(expect.arrayContaining(['@odl/backend', '@odl/backend/node', '@odl/core/testing', '@odl/models', '@odl/layers']));
    for (const [, dir] of ENTRIES) expect(existsSync(join(root, dir, 'dist/index.js')), `${dir}: run pnpm build`).toBe(true);
  });

  it.skipIf(!hasRequireEsm).each(ENTRIES)('require(%s) gives the same exports as import', (name, dir) => {
    const script = `
      const viaRequire = Object.keys(require(${JSON.stringify(name)})).sort();
      import(${JSON.stringify(name)}).then((m) => {
        const viaImport = Object.keys(m).filter((k) => k !== 'default' && k !== 'module.exports').sort();
        console.log(JSON.stringify({ viaRequire, viaImport }));
      });`;
    const r = node(dir, ['-e', script]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.status).toBe(0);
    const { viaRequire, viaImport } = JSON.parse(r.stdout) as { viaRequire: string[]; viaImport: string[] };
    expect(viaImport.length).toBeGreaterThan(0);
    expect(viaRequire.filter((k) => k !== '__esModule' && k !== 'module.exports')).toEqual(viaImport);
  });

  it('@odl/backend trains on cpu in plain Node ESM with the gradients of the installed tfjs-core', () => {
    const script = `
      import { setupBackend, tf } from '@odl/backend';
      const info = await setupBackend({ prefer: ['cpu'] });
      const g = tf.grad((x) => tf.sum(tf.relu(tf.mul(x, x))))(tf.tensor([1, -2, 3]));
      console.log(JSON.stringify({ backend: info.backend, gradients: info.gradientCount, g: Array.from(g.dataSync()) }));`;
    const r = node('packages/backend', ['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { backend: string; gradients: number; g: number[] };
    expect(out.backend).toBe('cpu');
    expect(out.gradients).toBeGreaterThanOrEqual(101);
    // d/dx Σ relu(x²) = 2x wherever x² > 0.
    expect(out.g).toEqual([2, -4, 6]);
  });
});
