import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tfjsWasmFiles } from '@odl/backend/vite';
import { defineConfig, type Plugin } from 'vite';
import { PLUGINS_ENV, methodPluginsModule, pluginModules } from './config/method-plugins';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');

const odlPackages = ['backend', 'core', 'lowrank', 'shortcut', 'profiler', 'datasets', 'models'];

/** Method plugins bundled into the worker (ODL_WEB_PLUGINS; README "Add your own method"). */
const methodPlugins = pluginModules(process.env[PLUGINS_ENV], root);

/**
 * Node built-ins appear only in the packages' Node branches, behind dynamic `import('node:…')`
 * that never runs in a browser. Resolve them to an empty module instead of Vite's noisy
 * "externalized for browser compatibility" stub; its named exports are undefined (the benchmark
 * page bundles @odl/test-utils, whose Node-only helpers import them statically and never run).
 */
function nodeBuiltinsStub(): Plugin {
  const prefix = '\0odl-node-builtin:';
  return {
    name: 'odl-node-builtins-stub',
    enforce: 'pre',
    resolveId(id) {
      return id.startsWith('node:') ? prefix + id : null;
    },
    load(id) {
      return id.startsWith(prefix) ? { code: 'export default {};', syntheticNamedExports: true } : null;
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  // `process.env.X` in Node-only branches of the packages must not throw in a browser.
  define: { 'process.env': '{}' },
  resolve: {
    alias: [
      ...odlPackages.map((p) => ({ find: new RegExp(`^@odl/${p}$`), replacement: resolve(root, `packages/${p}/src/index.ts`) })),
      { find: /^@odl\/backend\/node$/, replacement: resolve(root, 'packages/backend/src/node/index.ts') },
      { find: /^@odl\/datasets\/data\/(.*)$/, replacement: resolve(root, 'packages/datasets/data/$1') },
      // pngjs is only loaded by @odl/datasets' Node decoder; browsers decode with createImageBitmap.
      { find: /^pngjs$/, replacement: resolve(here, 'src/shims/no-pngjs.ts') },
    ],
    // One tfjs-core for the app, the gradients, every backend and the method plugins (docs/traps.md).
    dedupe: ['@tensorflow/tfjs-core'],
  },
  worker: { format: 'es', plugins: () => [nodeBuiltinsStub(), methodPluginsModule(methodPlugins)] },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    reportCompressedSize: false,
    assetsInlineLimit: 0,
  },
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-core/dist/register_all_gradients',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-webgpu',
    ],
  },
  server: { host: '127.0.0.1', fs: { allow: [root, ...methodPlugins.map((m) => dirname(m.file))] } },
  // tfjs' wasm binaries under tfjs-wasm/; COOP/COEP in dev and preview, so tfjs-wasm runs threaded
  plugins: [nodeBuiltinsStub(), tfjsWasmFiles({ crossOriginIsolation: true }), methodPluginsModule(methodPlugins)],
});
