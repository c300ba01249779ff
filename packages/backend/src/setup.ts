import { tf } from './engine';
import { ArgumentError } from './errors';
import { tfGlobalRegistry } from './memory/engine-internals';

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
   * Where the tfjs wasm binaries live (a URL or folder prefix ending in `/`). Default: the
   * installed `@tensorflow/tfjs-backend-wasm/dist/` in Node; the bundler's asset URL in browsers.
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

async function configureWasm(wasmPath: string | undefined): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (wasmPath != null) {
    wasm.setWasmPaths(wasmPath);
    return;
  }
  if (!isNodeRuntime()) return;
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
