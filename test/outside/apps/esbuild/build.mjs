// A plain esbuild app: bundle the page, then copy the tfjs wasm binaries next to it
// (packages/backend/README.md, "Browser apps and the wasm binaries").
import { copyFileSync, mkdirSync } from 'node:fs';
import { copyTfjsWasmFiles } from '@odl/backend/node';
import { build } from 'esbuild';

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: ['main.ts'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outdir: 'dist',
  // Reached only on Node code paths of the packages (files, the PNG decoder of Node).
  external: ['node:*', 'pngjs'],
  logLevel: 'warning',
});
copyFileSync('index.html', 'dist/index.html');
await copyTfjsWasmFiles('dist/tfjs-wasm');
