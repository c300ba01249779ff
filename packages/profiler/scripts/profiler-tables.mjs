// Regenerates docs/profiler-tables.md from the profiler's analytic cost model.
// Usage (from the repository root): node packages/profiler/scripts/profiler-tables.mjs [output.md]
// Bundles the sources with esbuild (no build step needed), then calls tablesMarkdown() of
// ./table-methods.ts (the methods counted, registered there; profilerTablesMarkdown() of @odl/profiler).
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const out = resolve(process.argv[2] ?? join(root, 'docs/profiler-tables.md'));
const dir = mkdtempSync(join(tmpdir(), 'odl-profiler-tables-'));
const bundle = join(dir, 'tables.mjs');
const odl = ['backend', 'core', 'lowrank', 'shortcut', 'profiler', 'datasets', 'models'];
try {
  await build({
    stdin: {
      contents: `export { writeFileAtomic } from '@odl/backend/node'; export { tablesMarkdown } from './packages/profiler/scripts/table-methods.ts';`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: bundle,
    logLevel: 'error',
    alias: {
      ...Object.fromEntries(odl.map((p) => [`@odl/${p}`, join(root, `packages/${p}/src/index.ts`)])),
      '@odl/backend/node': join(root, 'packages/backend/src/node/index.ts'),
    },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const { tablesMarkdown, writeFileAtomic } = await import(pathToFileURL(bundle).href);
  await writeFileAtomic(out, tablesMarkdown());
  console.log(`wrote ${out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
