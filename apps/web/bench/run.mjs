// Runs a TypeScript benchmark of the web app (default: threads-bench.ts) under plain Node: esbuild
// bundles its relative imports and the private @odl/test-utils (sources only) into
// apps/web/node_modules/.odl-web-bench.mjs (one level below apps/web, as test/*.ts sit, so that
// their `import.meta.url` paths still find the app) and leaves every other package import
// (playwright-core, @odl/backend: its built dist) to Node. `pnpm bench:browser` runs it.
import * as esbuild from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(here, '../node_modules');
mkdirSync(outdir, { recursive: true });
const outfile = resolve(outdir, '.odl-web-bench.mjs');
await esbuild.build({
  entryPoints: [resolve(here, 'threads-bench.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [
    {
      name: 'external-packages-but-test-utils',
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, (args) => (args.path === '@odl/test-utils' ? undefined : { path: args.path, external: true }));
      },
    },
  ],
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
