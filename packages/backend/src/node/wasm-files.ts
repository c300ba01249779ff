// Node built-ins are imported lazily, as everywhere in `@odl/backend/node`: other packages import
// this entry from code that is also bundled for browsers, where these functions never run.
import { TFJS_WASM_FILES } from '../wasm-files';

/**
 * The folder holding the tfjs wasm binaries ({@link TFJS_WASM_FILES}): the `dist/` folder of the
 * `@tensorflow/tfjs-backend-wasm` resolved from `from` (a file URL or path; default: where
 * `@odl/backend` is installed).
 *
 * @example
 * ```ts
 * await tfjsWasmDir(); // '/app/node_modules/@tensorflow/tfjs-backend-wasm/dist'
 * ```
 */
export async function tfjsWasmDir(from: string = import.meta.url): Promise<string> {
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  let manifest: string;
  try {
    manifest = createRequire(from).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  } catch {
    throw new Error('@tensorflow/tfjs-backend-wasm is not installed: npm install @tensorflow/tfjs-backend-wasm (the version of your @tensorflow/tfjs-core)');
  }
  return join(dirname(manifest), 'dist');
}

/**
 * Copies the tfjs wasm binaries into `destDir` (created if needed), for a bundler without a
 * plugin (esbuild, Rollup, webpack): serve that folder and pass its URL as
 * `setupBackend({ wasmPath })`. Returns the paths written.
 *
 * @example
 * ```ts
 * await copyTfjsWasmFiles('dist/tfjs-wasm'); // then setupBackend({ wasmPath: new URL('tfjs-wasm/', document.baseURI).href })
 * ```
 */
export async function copyTfjsWasmFiles(destDir: string): Promise<string[]> {
  const { copyFile, mkdir } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const src = await tfjsWasmDir();
  await mkdir(destDir, { recursive: true });
  const written: string[] = [];
  for (const f of TFJS_WASM_FILES) {
    await copyFile(join(src, f), join(destDir, f));
    written.push(join(destDir, f));
  }
  return written;
}
