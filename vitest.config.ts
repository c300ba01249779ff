import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

// test-utils: the private Float64 references and error metrics of the tests (sources only).
const odlPackages = ['backend', 'core', 'lowrank', 'shortcut', 'profiler', 'datasets', 'models', 'layers', 'test-utils'];
// tfjs-layers (and tfjs-data, for its tests) are dependencies of @odl/layers only: resolved from there.
const layersRequire = createRequire(resolve(root, 'packages/layers/package.json'));
const layersPkgDir = (name: string) => dirname(layersRequire.resolve(`${name}/package.json`));

/**
 * One vitest configuration for the whole workspace.
 *
 * tfjs is aliased to its ESM build and pre-bundled once (docs/traps.md): that gives exactly one copy
 * of tfjs-core and lets the extension-less gradient modules load. `@odl/*` (and the Node-only
 * subpath `@odl/backend/node`) resolve to sources.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@odl\/core\/testing$/, replacement: resolve(root, 'packages/core/src/testing/index.ts') },
      ...odlPackages.map((p) => ({ find: new RegExp(`^@odl/${p}$`), replacement: resolve(root, `packages/${p}/src/index.ts`) })),
      { find: /^@odl\/backend\/node$/, replacement: resolve(root, 'packages/backend/src/node/index.ts') },
      { find: /^@tensorflow\/tfjs-core$/, replacement: resolve(pkgDir('@tensorflow/tfjs-core'), 'dist/index.js') },
      { find: /^@tensorflow\/tfjs-backend-wasm$/, replacement: resolve(pkgDir('@tensorflow/tfjs-backend-wasm'), 'dist/index.js') },
      { find: /^@tensorflow\/tfjs-backend-cpu$/, replacement: resolve(pkgDir('@tensorflow/tfjs-backend-cpu'), 'dist/index.js') },
      { find: /^@tensorflow\/tfjs-layers$/, replacement: resolve(layersPkgDir('@tensorflow/tfjs-layers'), 'dist/index.js') },
      { find: /^@tensorflow\/tfjs-data$/, replacement: resolve(layersPkgDir('@tensorflow/tfjs-data'), 'dist/index.js') },
    ],
  },
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'apps/*/test/**/*.test.ts',
      'examples/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    deps: {
      optimizer: {
        ssr: {
          enabled: true,
          include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-data'],
        },
      },
    },
  },
});
