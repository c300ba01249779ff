import { tf } from '../engine';
import { ArgumentError } from '../errors';
import { tensorBufferBytes } from './buffer-bytes';
import { engineInternal } from './engine-internals';
import { wasmHeapMemory } from '../kernels/host-data';

/** Options of {@link measurePeakBytes}. */
export interface PeakBytesOptions {
  /**
   * Tensors alive before the call that belong to what is measured (the weights, the input batch,
   * optimizer slots): their buffers count from the start, once each, and their release during the
   * call is subtracted. Any other buffer alive before the call (a dataset, a cache) is outside the
   * count: neither it nor its release is seen.
   */
  resident?: readonly tf.Tensor[];
}

/** Result of {@link measurePeakBytes}. */
export interface PeakBytesMeasurement<T> {
  /** What the closure returned. */
  result: T;
  /** Unique bytes of the `resident` tensors' buffers at the start. */
  residentBytes: number;
  /**
   * The largest number of live bytes during the call: the resident buffers plus every buffer the
   * engine allocated during the call and had not yet released, each buffer once (by dataId), read
   * after every allocation (live bytes only rise at an allocation, so this is the exact maximum).
   */
  peakBytes: number;
  /** `peakBytes − residentBytes`. */
  peakAboveStartBytes: number;
  /** Live bytes when the call returned (resident buffers still alive plus new buffers not released). */
  endBytes: number;
  /** The phase (named through the closure's `phase` callback) during which the peak was reached; `null` when no phase was named then. */
  peakPhase: string | null;
  /** The largest live bytes reached within each named phase. */
  phasePeakBytes: Record<string, number>;
  /** Buffers the engine allocated during the call. */
  allocations: number;
}

/**
 * Runs the synchronous closure `fn` and reports the peak of the bytes alive in the tfjs engine
 * during it: the resident buffers plus every tensor buffer allocated inside and not yet released,
 * counted once per buffer (a reshape or a cpu clone shares its source's buffer and costs nothing).
 * `tf.memory().numBytes` (and `tf.profile`'s `peakBytes`, a maximum of it) counts a shared buffer
 * once per tensor object, so it over-counts (docs/traps.md). The closure gets a `phase(name)`
 * callback that names the part of the work running from then on, for {@link
 * PeakBytesMeasurement.phasePeakBytes}.
 *
 * What it sees are the buffers the engine tracks. A kernel's private scratch memory (never a
 * tensor) is not seen, and on wasm the heap (`WebAssembly.Memory`) grows to the largest size it
 * ever needed and never shrinks, so the heap size is a different figure: the process's
 * high-water mark, not the step's live bytes.
 *
 * It hooks the engine's buffer bookkeeping (`Engine.trackTensor`, `Engine.removeDataId`) for the
 * duration of the call only; it nests with {@link measureKept}.
 *
 * @example
 * ```ts
 * const m = measurePeakBytes((phase) => {
 *   phase('forward');
 *   const a = tf.zeros([10]);           // 40 bytes alive
 *   const b = a.reshape([2, 5]);        // same buffer: still 40
 *   const c = tf.zeros([20]);           // 120
 *   tf.dispose([a, b, c]);
 * });
 * m.peakBytes; // 120
 * ```
 */
export function measurePeakBytes<T>(fn: (phase: (name: string) => void) => T, options: PeakBytesOptions = {}): PeakBytesMeasurement<T> {
  if (typeof fn !== 'function') throw new ArgumentError('measurePeakBytes: fn must be a function');
  const engine = engineInternal();
  const info = engine.state.tensorInfo;
  // bytes of every buffer being counted, by dataId
  const counted = new Map<object, number>();
  let live = 0;
  for (const t of options.resident ?? []) {
    if (!(t instanceof tf.Tensor)) throw new ArgumentError('measurePeakBytes: resident must be tensors');
    const id = t.dataId as object;
    if (t.isDisposed || counted.has(id) || !info.has(id)) continue;
    const b = tensorBufferBytes(t);
    counted.set(id, b);
    live += b;
  }
  const residentBytes = live;
  let peak = live;
  let peakPhase: string | null = null;
  let current: string | null = null;
  const phasePeakBytes: Record<string, number> = {};
  let allocations = 0;
  const phase = (name: string) => {
    current = name;
    phasePeakBytes[name] = Math.max(phasePeakBytes[name] ?? 0, live);
  };
  const originalTrack = engine.trackTensor;
  const originalRemove = engine.removeDataId;
  engine.trackTensor = function (this: typeof engine, t: tf.Tensor, backend: unknown) {
    const id = t.dataId as object;
    const isNew = !this.state.tensorInfo.has(id);
    const r = originalTrack.call(this, t, backend);
    if (isNew && this.state.tensorInfo.has(id)) {
      const b = tensorBufferBytes(t);
      counted.set(id, b);
      live += b;
      allocations++;
      if (live > peak) {
        peak = live;
        peakPhase = current;
      }
      if (current != null && live > (phasePeakBytes[current] ?? 0)) phasePeakBytes[current] = live;
    }
    return r;
  };
  engine.removeDataId = function (this: typeof engine, dataId: object, backend: unknown) {
    const r = originalRemove.call(this, dataId, backend);
    const b = counted.get(dataId);
    if (b != null && !this.state.tensorInfo.has(dataId)) {
      counted.delete(dataId);
      live -= b;
    }
    return r;
  };
  let result: T;
  try {
    result = fn(phase);
  } finally {
    engine.trackTensor = originalTrack;
    engine.removeDataId = originalRemove;
  }
  if (result instanceof Promise) {
    throw new ArgumentError('measurePeakBytes: the closure returned a Promise; measure synchronous code only (cpu and wasm run every kernel synchronously)');
  }
  return { result, residentBytes, peakBytes: peak, peakAboveStartBytes: peak - residentBytes, endBytes: live, peakPhase, phasePeakBytes, allocations };
}

interface WasmHeapInternals {
  wasm?: { HEAPU8?: Uint8Array } | null;
}

/**
 * Size in bytes of the wasm backend's heap (its `WebAssembly.Memory`) now, or `null` on any other
 * backend. The heap grows when an allocation does not fit and never shrinks, so this is the
 * largest memory the backend has needed since it started (plus the allocator's slack), for the
 * whole process: a high-water mark, not what one step holds ({@link measurePeakBytes} is that).
 *
 * @example
 * ```ts
 * await setupBackend({ prefer: ['wasm'] });
 * wasmHeapBytes(); // e.g. 16777216
 * ```
 */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const buffer = wasmHeapMemory()?.buffer ?? (tf.backend() as unknown as WasmHeapInternals).wasm?.HEAPU8?.buffer;
  return buffer == null ? null : buffer.byteLength;
}
