// Instantiates a hand-assembled WebAssembly module against the tfjs-wasm heap (its memory
// imported as env.mem), so that its functions read and write tensors in place by byte address.
// The heap of tfjs-wasm's threaded build is a shared memory: the module is then assembled with a
// shared import (docs/traps.md, "Threads"); its functions run on the calling thread.

/** A function of an assembled module. */
export interface HeapFunction {
  /** Export name. */
  name: string;
  /** Index of its signature in the module's type section. */
  type: number;
  /** Body: local declarations, code, end. */
  body: number[];
}

/** The exports of a heap-bound module, by name. */
export type HeapExports = Record<string, (...args: number[]) => number | void>;

interface Compiled {
  module: WebAssembly.Module;
  names: string[];
}

/** True when `memory` is shared (its buffer a SharedArrayBuffer: tfjs-wasm's threaded build). */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * Compiles `build(shared)` once per kind of memory (ordinary or shared) and instantiates it once
 * per memory. Returns null where WebAssembly SIMD (or, for a shared memory, the threads feature)
 * is unavailable, so that callers fall back to tensor ops.
 */
export class HeapModule {
  private readonly compiled = new Map<boolean, Compiled | null>();
  private readonly instances = new WeakMap<WebAssembly.Memory, HeapExports | null>();

  /**
   * @param build - the module bytes (importing a shared memory when `shared`) and the export
   *   names, in function order
   */
  constructor(private readonly build: (shared: boolean) => { bytes: Uint8Array<ArrayBuffer>; names: string[] }) {}

  /** The module's exports bound to `memory`, or null (see the class). */
  bind(memory: WebAssembly.Memory): HeapExports | null {
    const known = this.instances.get(memory);
    if (known !== undefined) return known;
    const shared = isSharedMemory(memory);
    let exports: HeapExports | null = null;
    const compiled = this.compile(shared);
    if (compiled != null) {
      try {
        const instance = new WebAssembly.Instance(compiled.module, { env: { mem: memory } });
        exports = Object.fromEntries(compiled.names.map((n) => [n, instance.exports[n] as HeapExports[string]]));
      } catch {
        exports = null;
      }
    }
    this.instances.set(memory, exports);
    return exports;
  }

  private compile(shared: boolean): Compiled | null {
    let compiled = this.compiled.get(shared);
    if (compiled === undefined) {
      try {
        const { bytes, names } = this.build(shared);
        compiled = { module: new WebAssembly.Module(bytes), names };
      } catch {
        compiled = null;
      }
      this.compiled.set(shared, compiled);
    }
    return compiled;
  }
}
