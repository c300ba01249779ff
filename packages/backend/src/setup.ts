import { tf } from './engine';
import { ArgumentError } from './errors';
import { tfGlobalRegistry } from './memory/engine-internals';
import { checkWasmBinary, tfjsWasmFileFor } from './wasm-files';

/** Names of the tfjs backends odl can run on. */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';

/** Options of {@link setupBackend}. */
export interface SetupOptions {
  /**
   * Backends to try, in order. Default: `['wasm', 'cpu']` in Node,
   * `['webgpu', 'webgl', 'wasm', 'cpu']` in browsers.
   */
  prefer?: BackendName[];
  /**
   * Where the tfjs wasm binaries ({@link TFJS_WASM_FILES}) live: a folder URL or path ending in
   * `/`. Default: the installed `@tensorflow/tfjs-backend-wasm/dist/` in Node; in browsers, the
   * page's folder (a worker's: its script's), where bundlers do not put them. A browser
   * app serves the files itself (Vite: `tfjsWasmFiles()` of `@odl/backend/vite`; others:
   * `copyTfjsWasmFiles` of `@odl/backend/node`) and passes e.g.
   * `new URL('tfjs-wasm/', document.baseURI).href`. A missing binary is a {@link WasmFilesError}.
   */
  wasmPath?: string;
}

/** What {@link setupBackend} chose. */
export interface BackendInfo {
  /** The active backend. */
  backend: BackendName;
  /** True in Node, false in a browser or worker. */
  isNode: boolean;
  /** Backends tried before the chosen one, with the reason each was not usable. */
  rejected: {
    /** A backend that was tried and could not start. */
    backend: BackendName;
    /** Why it could not start (the initialisation error's message). */
    reason: string;
  }[];
  /** Number of gradients registered with the tfjs engine. */
  gradientCount: number;
}

const isNodeRuntime = (): boolean =>
  typeof process !== 'undefined' && process.versions != null && process.versions.node != null;

const extraRegistrations: Array<() => void> = [];
let registered = false;

/**
 * Adds a function that registers extra kernels or gradients. It runs once, the first time
 * {@link setupBackend} is called (or at once if setup already happened). Used by odl's own kernel
 * modules; exported so that plugins can do the same.
 *
 * @example
 * ```ts
 * onSetup(() => tf.registerKernel({ kernelName: 'MyOp', backendName: 'cpu', kernelFunc }));
 * ```
 */
export function onSetup(register: () => void): void {
  extraRegistrations.push(register);
  if (registered) register();
}

/**
 * Points tfjs-backend-wasm at its binaries (docs: packages/backend/README.md, "Browser apps and
 * the wasm binaries"). `wasmPath` must be a folder URL or path ending in `/`. In Node, without
 * one, the installed `@tensorflow/tfjs-backend-wasm/dist/`. In a browser the binary tfjs will
 * fetch is checked first, so a missing file is a {@link WasmFilesError} that says which files to
 * serve where and which option to pass, instead of tfjs' bare "initialisation returned false".
 */
async function configureWasm(wasmPath: string | undefined): Promise<void> {
  if (wasmPath != null && (typeof wasmPath !== 'string' || !wasmPath.endsWith('/'))) {
    throw new ArgumentError(
      `setupBackend: wasmPath must be the URL or path of a folder, ending in '/' (got ${JSON.stringify(wasmPath)}); ` +
        `e.g. new URL('tfjs-wasm/', document.baseURI).href`,
    );
  }
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!isNodeRuntime()) {
    // tfjs' own default in a module bundle: the folder of the page (of the script, in a worker).
    const folder = new URL(wasmPath ?? './', globalThis.location?.href).href;
    const env = tf.env();
    const simd = Boolean(await env.getAsync('WASM_HAS_SIMD_SUPPORT'));
    const threads = Boolean(await env.getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    await checkWasmBinary(folder, tfjsWasmFileFor({ simd, threads }), wasmPath);
    wasm.setWasmPaths(folder);
    return;
  }
  if (wasmPath != null) {
    wasm.setWasmPaths(wasmPath);
    return;
  }
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const require = createRequire(import.meta.url);
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  // The emscripten glue reads `__dirname`, which ES modules do not define.
  const g = globalThis as { __dirname?: string };
  g.__dirname ??= dist;
  wasm.setWasmPaths(`${dist}/`);
}

/**
 * Prepares the tfjs engine for training: registers every gradient and odl's training kernels
 * exactly once, then activates the first backend of `prefer` that initialises. Idempotent:
 * calling it again switches backend if asked to, and otherwise returns what is active.
 *
 * @example
 * ```ts
 * const info = await setupBackend({ prefer: ['wasm'] });
 * console.log(info.backend); // 'wasm'
 * ```
 */
export async function setupBackend(options: SetupOptions = {}): Promise<BackendInfo> {
  const isNode = isNodeRuntime();
  const prefer = options.prefer ?? (isNode ? ['wasm', 'cpu'] : ['webgpu', 'webgl', 'wasm', 'cpu']);
  if (prefer.length === 0) throw new ArgumentError('setupBackend: `prefer` is empty; name at least one backend');
  if (!registered) {
    tf.enableProdMode();
    for (const register of extraRegistrations) register();
    registered = true;
  }
  const rejected: BackendInfo['rejected'] = [];
  for (const name of prefer) {
    if (!['wasm', 'cpu', 'webgl', 'webgpu'].includes(name)) {
      throw new ArgumentError(`setupBackend: unknown backend '${name}'; use one of wasm, cpu, webgl, webgpu`);
    }
    try {
      if (name === 'wasm') await configureWasm(options.wasmPath);
      if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
      if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { backend: name, isNode, rejected, gradientCount: countGradients() };
      }
      rejected.push({ backend: name, reason: 'initialisation returned false' });
    } catch (e) {
      rejected.push({ backend: name, reason: (e as Error).message });
    }
  }
  throw new ArgumentError(
    `setupBackend: no backend of [${prefer.join(', ')}] could start: ` +
      rejected.map((r) => `${r.backend}: ${r.reason}`).join('; '),
  );
}

/** Number of kernel gradients the engine knows (tfjs-core registers 101 of its own). */
export function countGradients(): number {
  return tfGlobalRegistry('gradRegistry')?.size ?? 0;
}
