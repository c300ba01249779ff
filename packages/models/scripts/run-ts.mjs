// Dev helper: bundles a TypeScript entry that imports @odl/* (from sources) with esbuild, the same
// way apps/cli is built, into node_modules/.cache/odl-models/, and runs it with the given args.
import * as esbuild from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');

/** `@odl/<pkg>` → [<pkg>, 'src/index.ts']; the Node-only subpath `@odl/<pkg>/node` → [<pkg>, 'src/node/index.ts']. */
const odlSource = (path) => {
  const [pkg, sub] = path.slice('@odl/'.length).split('/');
  return [pkg, sub === 'node' ? 'src/node/index.ts' : 'src/index.ts'];
};

/** Bundles `entry` (a .ts file) and imports it. */
export async function runTs(entry) {
  // The bundle runs from node_modules/.cache, where the package's own folders cannot be found.
  process.env.ODL_MODELS_PRETRAINED_DIR ??= resolve(here, '../pretrained/mcunet-in1-fmnist04');
  const outdir = resolve(here, '../node_modules/.cache/odl-models');
  mkdirSync(outdir, { recursive: true });
  const outfile = resolve(outdir, basename(entry).replace(/\.ts$/, '.mjs'));
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    logLevel: 'warning',
    plugins: [
      {
        name: 'odl-sources',
        setup(build) {
          build.onResolve({ filter: /^@odl\/[a-z-]+(\/node)?$/ }, (args) => ({
            path: resolve(root, 'packages', ...odlSource(args.path)),
          }));
        },
      },
    ],
    banner: {
      js: "import { createRequire as __odlCreateRequire } from 'node:module';\nconst require = __odlCreateRequire(import.meta.url);",
    },
  });
  return import(pathToFileURL(outfile).href);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runTs(resolve(process.argv[2]));
}
