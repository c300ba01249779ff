import { tf } from './engine';
import { ArgumentError } from './errors';
import { tfGlobalRegistry } from './memory/engine-internals';
import { checkWasmBinary, tfjsWasmFileFor } from './wasm-files';
import { BACKEND_PACKAGES, BackendNotInstalledError, loadBackendModule, type BackendName } from './backend-loader';
import { registerTfjsGradients } from './tfjs-gradients';
import { ThreadsUnavailableError, setThreadsCountReader, threadsUnavailableReason } from './threads';

export type { BackendName };

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
  /**
   * Threads of the wasm backend's kernels, 1 to {@link MAX_WASM_THREADS} (tfjs-wasm's
   * `setThreadsCount`; default: tfjs' own, half of `navigator.hardwareConcurrency`, where the
   * threaded build runs; an explicit count is not capped at that half, as tfjs would). More than 1
   * needs a cross-origin-isolated page ({@link CROSS_ORIGIN_ISOLATION_HEADERS}), where tfjs-wasm
   * loads its threaded SIMD build; elsewhere, and in Node, that is a {@link ThreadsUnavailableError} naming the fix. The
   * count is fixed when the wasm backend first starts: a later call asking for another one is an
   * `ArgumentError`. odl's own heap kernels run on the calling thread (docs/traps.md, "Threads").
   */
  threads?: number;
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
    /**
     * Why it could not start: the initialisation error's message, or, when its package is not
     * installed, a {@link BackendNotInstalledError} message that names the package to install.
     */
    reason: string;
    /** The error's `code` when odl raised it (`'backend-not-installed'`), else undefined. */
    code?: string;
  }[];
  /** Number of gradients registered with the tfjs engine. */
  gradientCount: number;
  /** On wasm: the threads its kernels use (1 on the single-threaded builds); absent elsewhere. */
  threads?: number;
}

const isNodeRuntime = (): boolean =>
  typeof process !== 'undefined' && process.versions != null && process.versions.node != null;

const extraRegistrations: Array<() => void> = [];
let registered = false;
const loadedBackends = new Set<BackendName>();

/**
 * Adds a function that registers extra kernels or gradients. It runs the first time
 * {@link setupBackend} is called (or at once if setup already happened), and again each time
 * setupBackend loads another backend's package (whose own kernels it may then replace), so it must
 * be safe to run more than once. Used by odl's own kernel modules; exported so that plugins can do
 * the same.
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

/** What odl uses of the `@tensorflow/tfjs-backend-wasm` module. */
type WasmModule = Pick<typeof import('@tensorflow/tfjs-backend-wasm'), 'setWasmPaths' | 'setThreadsCount' | 'getThreadsCount'>;

/** The thread count the wasm backend started with (null until it has started). */
let wasmStartedThreads: number | null = null;

/**
 * Checks `threads` against what the platform allows and what the wasm backend already started
 * with, then passes it to tfjs-wasm (before its first start, the only time it reads it).
 */
async function configureThreads(wasm: WasmModule, threads: number | undefined): Promise<void> {
  if (threads == null) return;
  if (threads > 1) {
    const isNode = isNodeRuntime();
    const multithread = isNode ? false : Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    const reason = threadsUnavailableReason(isNode, multithread);
    if (reason != null) throw new ThreadsUnavailableError(threads, reason);
  }
  if (wasmStartedThreads != null) {
    if (wasmStartedThreads !== threads) {
      throw new ArgumentError(
        `setupBackend: the wasm backend already runs with ${wasmStartedThreads} thread(s) and tfjs-wasm reads its thread count ` +
          `only when it first starts; pass threads: ${threads} to the first setupBackend call (or reload the page)`,
      );
    }
    return;
  }
  wasm.setThreadsCount(threads);
}

/** The most threads tfjs-wasm's threaded build runs (its pool of pre-started Web Workers). */
export const MAX_WASM_THREADS = 8;

/**
 * Runs `start` (the wasm backend's first start) where tfjs-wasm sees at least `2 × threads` logical
 * cores. tfjs-wasm caps its thread pool at `navigator.hardwareConcurrency / 2` (it assumes two
 * hardware threads per core) without a word, so `threads: 2` on a 2-core machine would run 1; odl
 * shadows `navigator.hardwareConcurrency` on the navigator object for the start only, and removes
 * it after (docs/traps.md, "Threads").
 */
async function withCoresForThreads<T>(threads: number | undefined, start: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (threads == null || threads < 2 || nav == null || wasmStartedThreads != null || (nav.hardwareConcurrency ?? 0) >= 2 * threads) return start();
  const own = Object.getOwnPropertyDescriptor(nav, 'hardwareConcurrency');
  Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * threads, configurable: true });
  try {
    return await start();
  } finally {
    if (own) Object.defineProperty(nav, 'hardwareConcurrency', own);
    else delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/**
 * Points tfjs-backend-wasm at its binaries (docs: packages/backend/README.md, "Browser apps and
 * the wasm binaries"). `wasmPath` must be a folder URL or path ending in `/`. In Node, without
 * one, the installed `@tensorflow/tfjs-backend-wasm/dist/`. In a browser the binary tfjs will
 * fetch is checked first, so a missing file is a {@link WasmFilesError} that says which files to
 * serve where and which option to pass, instead of tfjs' bare "initialisation returned false".
 */
async function configureWasm(wasm: WasmModule, wasmPath: string | undefined): Promise<void> {
  if (wasmPath != null && (typeof wasmPath !== 'string' || !wasmPath.endsWith('/'))) {
    throw new ArgumentError(
      `setupBackend: wasmPath must be the URL or path of a folder, ending in '/' (got ${JSON.stringify(wasmPath)}); ` +
        `e.g. new URL('tfjs-wasm/', document.baseURI).href`,
    );
  }
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
 * Imports backend `name`'s package, then (the first time) reruns the registrations over its
 * kernels. A backend the app registered itself (`import '@tensorflow/tfjs-backend-webgl'`) is
 * used even if odl cannot import its package by name.
 */
async function loadBackend(name: BackendName, wasmPath: string | undefined, threads: number | undefined): Promise<void> {
  let module: unknown;
  try {
    module = await loadBackendModule(name);
  } catch (e) {
    if (!(e instanceof BackendNotInstalledError) || tf.findBackendFactory(name) == null) throw e;
  }
  if (name === 'wasm' && module != null) {
    await configureThreads(module as WasmModule, threads);
    await configureWasm(module as WasmModule, wasmPath);
  }
  if (loadedBackends.has(name)) return;
  loadedBackends.add(name);
  for (const register of extraRegistrations) register();
}

/**
 * Prepares the tfjs engine for training: registers every gradient of tfjs-core and odl's training
 * kernels, then activates the first backend of `prefer` that initialises. Only the backends it
 * tries are imported (they are optional peer dependencies: install the ones you use, e.g.
 * `npm install @tensorflow/tfjs-backend-wasm`); one that is not installed is skipped, with a
 * reason in `rejected` that names its package. Idempotent: calling it again switches backend if
 * asked to, and otherwise returns what is active.
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
  for (const name of prefer) {
    if (!(name in BACKEND_PACKAGES)) {
      throw new ArgumentError(`setupBackend: unknown backend '${name}'; use one of wasm, cpu, webgl, webgpu`);
    }
  }
  const { threads } = options;
  if (threads != null && (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS)) {
    throw new ArgumentError(
      `setupBackend: threads must be a whole number from 1 to ${MAX_WASM_THREADS}, tfjs-wasm's pool of workers (got ${String(threads)}); leave it unset for tfjs' default`,
    );
  }
  if (threads != null && !prefer.includes('wasm')) {
    throw new ArgumentError(`setupBackend: threads applies to the wasm backend, which [${prefer.join(', ')}] does not include; add 'wasm' or drop threads`);
  }
  await registerTfjsGradients();
  if (!registered) {
    tf.enableProdMode();
    registered = true;
  }
  const rejected: BackendInfo['rejected'] = [];
  for (const name of prefer) {
    try {
      await loadBackend(name, options.wasmPath, threads);
      // setBackend awaits the backend's start, where tfjs-wasm reads its thread count.
      const started = name === 'wasm' ? await withCoresForThreads(threads, () => tf.setBackend(name)) : await tf.setBackend(name);
      if (started) {
        await tf.ready();
        const info: BackendInfo = { backend: name, isNode, rejected, gradientCount: countGradients() };
        if (name === 'wasm') info.threads = await startedWasmThreads();
        return info;
      }
      rejected.push({ backend: name, reason: 'initialisation returned false' });
    } catch (e) {
      if (e instanceof ThreadsUnavailableError) throw e;
      const { message, code } = e as { message: string; code?: string };
      rejected.push({ backend: name, reason: message, ...(code === 'backend-not-installed' ? { code } : {}) });
    }
  }
  throw new ArgumentError(
    `setupBackend: no backend of [${prefer.join(', ')}] could start: ` +
      rejected.map((r) => `${r.backend}: ${r.reason}`).join('; '),
  );
}

/** Records and returns the wasm backend's thread count once it has started. */
async function startedWasmThreads(): Promise<number> {
  const wasm = (await loadBackendModule('wasm').catch(() => null)) as WasmModule | null;
  let threads = 1;
  if (wasm != null) {
    setThreadsCountReader(() => wasm.getThreadsCount());
    try {
      threads = wasm.getThreadsCount();
    } catch {
      threads = 1;
    }
  }
  wasmStartedThreads ??= threads;
  return threads;
}

/** Number of kernel gradients the engine knows (tfjs-core registers 101 of its own). */
export function countGradients(): number {
  return tfGlobalRegistry('gradRegistry')?.size ?? 0;
}
