// Instantiates a hand-assembled WebAssembly module against the tfjs-wasm heap (its memory
// imported as env.mem), so that its functions read and write tensors in place by byte address.

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

/**
 * Compiles `build()` once per `cache` and instantiates it once per memory. Returns null where
 * WebAssembly SIMD is unavailable or the memory is shared (tfjs' threaded build), so that callers
 * fall back to tensor ops.
 */
export class HeapModule {
  private compiled: Compiled | null | undefined;
  private readonly instances = new WeakMap<WebAssembly.Memory, HeapExports | null>();

  /**
   * @param build - the module bytes and the export names, in function order
   */
  constructor(private readonly build: () => { bytes: Uint8Array<ArrayBuffer>; names: string[] }) {}

  /** The module's exports bound to `memory`, or null (see the class). */
  bind(memory: WebAssembly.Memory): HeapExports | null {
    const known = this.instances.get(memory);
    if (known !== undefined) return known;
    let exports: HeapExports | null = null;
    try {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      if (!shared && this.compiled !== null) {
        if (this.compiled === undefined) {
          const { bytes, names } = this.build();
          this.compiled = { module: new WebAssembly.Module(bytes), names };
        }
        const instance = new WebAssembly.Instance(this.compiled.module, { env: { mem: memory } });
        exports = Object.fromEntries(this.compiled.names.map((n) => [n, instance.exports[n] as HeapExports[string]]));
      }
    } catch {
      this.compiled = null;
    }
    this.instances.set(memory, exports);
    return exports;
  }
}
