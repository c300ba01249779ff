// Threads of tfjs-wasm: its threaded SIMD build runs XNNPACK's kernels on a pool of Web Workers
// over a shared memory, which browsers allow only in cross-origin-isolated pages. What odl checks,
// the error that says how to get there, and what a page runs with (docs/traps.md, "Threads").
import { OdlError } from './errors';
import { isSharedMemory } from './kernels/heap-module';
import { wasmHeapMemory } from './kernels/host-data';
import { maskKernels } from './kernels/simd-mask';
import { modeKernels } from './kernels/simd-mode';

/**
 * The two response headers that make a page cross-origin isolated (`crossOriginIsolated` true),
 * which browsers require before they give a page SharedArrayBuffer, and so tfjs-wasm its threaded
 * build. Serve them with the page (and its workers' scripts). With `require-corp`, every
 * cross-origin resource the page loads must opt in (`Cross-Origin-Resource-Policy` or CORS).
 *
 * @example
 * ```ts
 * // a Node server
 * res.writeHead(200, { ...CROSS_ORIGIN_ISOLATION_HEADERS, 'Content-Type': 'text/html' });
 * ```
 */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * `setupBackend({ threads })` asked for more than one thread where tfjs-wasm cannot have them: a
 * page that is not cross-origin isolated, or Node (tfjs-backend-wasm never uses its threaded build
 * there). The message names the reason and the fix.
 *
 * @example
 * ```ts
 * try { await setupBackend({ prefer: ['wasm'], threads: 2 }); }
 * catch (e) { if (e instanceof ThreadsUnavailableError) console.warn(e.message); }
 * ```
 */
export class ThreadsUnavailableError extends OdlError {
  /** The number of threads asked for. */
  readonly threads: number;

  constructor(threads: number, reason: string) {
    super('threads-unavailable', `setupBackend: ${threads} threads were asked for, but ${reason}`);
    this.threads = threads;
  }
}

const headerList = Object.entries(CROSS_ORIGIN_ISOLATION_HEADERS)
  .map(([k, v]) => `${k}: ${v}`)
  .join(' and ');

/** Why `threads` (> 1) cannot be had here, or null when they can. */
export function threadsUnavailableReason(isNode: boolean, multithreadSupport: boolean): string | null {
  if (isNode) {
    return (
      'tfjs-backend-wasm runs its single-threaded build in Node (its WASM_HAS_MULTITHREAD_SUPPORT flag is false there, ' +
      'and odl does not override it): leave `threads` unset or 1 in Node; threads are a browser feature (docs/traps.md, "Threads")'
    );
  }
  const g = globalThis as { crossOriginIsolated?: boolean };
  if (g.crossOriginIsolated !== true) {
    return (
      'this page is not cross-origin isolated (crossOriginIsolated is false), so the browser gives it no SharedArrayBuffer ' +
      `and tfjs-wasm loads its single-threaded build. Serve the page with the headers ${headerList} ` +
      "(Vite: tfjsWasmFiles({ crossOriginIsolation: true }) of '@odl/backend/vite' sets them in dev and preview; " +
      'other servers: CROSS_ORIGIN_ISOLATION_HEADERS of @odl/backend), or leave `threads` unset'
    );
  }
  if (!multithreadSupport) {
    return 'this browser has no WebAssembly threads (tfjs-wasm\'s WASM_HAS_MULTITHREAD_SUPPORT is false): leave `threads` unset';
  }
  return null;
}

/** What the wasm backend runs with: see {@link wasmThreadsInfo}. */
export interface WasmThreadsInfo {
  /** Threads tfjs-wasm's kernels use (XNNPACK's pool; 1 on the single-threaded builds). */
  threads: number;
  /** True when the heap is a shared memory (the threaded build). */
  sharedMemory: boolean;
  /**
   * True when odl's heap SIMD kernels (mode products, packed ReLU masks) bind to this heap, so
   * that they run on it in place instead of falling back to tensor ops. They run on the calling
   * thread, on a shared heap too.
   */
  heapKernels: boolean;
}

let threadsCount: (() => number) | null = null;

/** Set by setupBackend once the wasm backend has started: reads tfjs-wasm's thread count. */
export function setThreadsCountReader(read: () => number): void {
  threadsCount = read;
}

/**
 * What the active wasm backend runs with: its thread count, whether its heap is shared, and
 * whether odl's heap SIMD kernels run on it; `null` when the active backend is not wasm.
 *
 * @example
 * ```ts
 * await setupBackend({ prefer: ['wasm'], threads: 2 }); // in a cross-origin-isolated page
 * wasmThreadsInfo(); // { threads: 2, sharedMemory: true, heapKernels: true }
 * ```
 */
export function wasmThreadsInfo(): WasmThreadsInfo | null {
  const memory = wasmHeapMemory();
  if (memory == null) return null;
  let threads = 1;
  try {
    threads = threadsCount?.() ?? 1;
  } catch {
    threads = 1;
  }
  return {
    threads,
    sharedMemory: isSharedMemory(memory),
    heapKernels: modeKernels(memory) != null && maskKernels(memory) != null,
  };
}
