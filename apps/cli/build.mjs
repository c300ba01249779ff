// Bundles the CLI into one ESM file for Node. The @odl packages are inlined from their sources
// (so the benchmark files, which sit beside those sources, share the same module instances; the
// private, never-built @odl/test-utils that the benchmarks use is inlined the same way) and
// tfjs from its ESM build, so exactly one copy of tfjs-core runs. Only the wasm binaries and the
// shipped data stay on disk; the CLI finds them through require.resolve at run time.
import * as esbuild from 'esbuild';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `@odl/<pkg>` → [<pkg>, 'src/index.ts']; the Node-only subpath `@odl/<pkg>/node` → [<pkg>, 'src/node/index.ts']. */
const odlSource = (path) => {
  const [pkg, sub] = path.slice('@odl/'.length).split('/');
  return [pkg, sub === 'node' ? 'src/node/index.ts' : 'src/index.ts'];
};
const odlSources = {
  name: 'odl-sources',
  setup(build) {
    build.onResolve({ filter: /^@odl\/[a-z-]+(\/node)?$/ }, (args) => ({
      path: resolve(root, 'packages', ...odlSource(args.path)),
    }));
  },
};

await esbuild.build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/odl.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  sourcemap: true,
  logLevel: 'warning',
  plugins: [odlSources],
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import { createRequire as __odlCreateRequire } from 'node:module';",
      'const require = __odlCreateRequire(import.meta.url);',
    ].join('\n'),
  },
});
