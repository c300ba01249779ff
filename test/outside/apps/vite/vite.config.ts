// A plain Vite app: the only odl-specific line is the plugin that serves and emits the tfjs wasm
// binaries under tfjs-wasm/ (packages/backend/README.md, "Browser apps and the wasm binaries").
import { tfjsWasmFiles } from '@odl/backend/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  plugins: [tfjsWasmFiles()],
});
