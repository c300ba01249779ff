// Zero-copy read access to float32 tensor data on the backends that keep it in CPU memory.
import { tf } from '../engine';
import { tensorFromInfo } from '../memory/engine-internals';

interface WasmBackendInternals {
  makeOutput?: (shape: number[], dtype: tf.DataType) => tf.TensorInfo;
  dataIdMap?: { get(dataId: object): { memoryOffset?: number } | undefined };
  wasm?: { HEAPU8?: Uint8Array; asm?: { memory?: unknown }; wasmMemory?: unknown };
}

interface CpuBackendInternals {
  data?: { get(dataId: object): { values?: unknown } | undefined };
}

/**
 * The backend's own float32 memory of `t`, or `null` when it cannot be reached without a copy.
 * On wasm: a view into the heap (valid only until the next tfjs allocation, so use it at once);
 * on cpu: the backend's values array. Writing into it changes the tensor: do so only to a tensor
 * just made and not yet shared.
 */
export function float32Memory(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const backend = tf.getBackend();
  if (backend === 'wasm') {
    const be = tf.backend() as unknown as WasmBackendInternals;
    const offset = be.dataIdMap?.get(t.dataId)?.memoryOffset;
    // The memory's own buffer, not the glue's HEAPU8: in the threaded build that view is renewed
    // only lazily after the (shared) heap grows.
    const buffer = wasmHeapMemory()?.buffer ?? be.wasm?.HEAPU8?.buffer;
    if (typeof offset === 'number' && buffer != null && offset % 4 === 0) {
      return new Float32Array(buffer, offset, t.size);
    }
  } else if (backend === 'cpu') {
    const values = (tf.backend() as unknown as CpuBackendInternals).data?.get(t.dataId)?.values;
    if (values instanceof Float32Array && values.length === t.size) return values;
  }
  return null;
}

/**
 * The float32 values of `t`, for reading: the backend's own memory where {@link float32Memory}
 * reaches it (no copy), else dataSync.
 */
export function readFloat32(t: tf.Tensor): Float32Array {
  return float32Memory(t) ?? (t.dataSync() as Float32Array);
}

/**
 * The tfjs-wasm heap as a WebAssembly memory, for kernels that run on tensors in place, or `null`
 * on other backends (or when the wasm module does not expose it). The single-threaded builds
 * export their memory (`asm.memory`); the threaded build imports a shared one, which its glue
 * keeps as `wasmMemory`.
 */
export function wasmHeapMemory(): WebAssembly.Memory | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as WasmBackendInternals).wasm;
  const memory = wasm?.asm?.memory ?? wasm?.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/**
 * Byte address of a tensor's data in the tfjs-wasm heap, or `null` when the backend is not wasm or
 * the tensor has no heap memory (or, for 4-byte dtypes, an unaligned one). Addresses stay valid
 * while the tensor lives (heap growth keeps them); write only into a tensor just made and not yet
 * shared.
 */
export function wasmHeapAddress(t: tf.Tensor): number | null {
  if (tf.getBackend() !== 'wasm' || t.dtype === 'string' || t.dtype === 'complex64') return null;
  const offset = (tf.backend() as unknown as WasmBackendInternals).dataIdMap?.get(t.dataId)?.memoryOffset;
  if (typeof offset !== 'number') return null;
  return t.dtype === 'bool' || offset % 4 === 0 ? offset : null;
}

/**
 * A new float32 tensor whose heap memory is allocated but not written (its contents are whatever
 * the allocator left), for a kernel that writes every element; on wasm only, else `null`. Saves
 * the pass over memory that `tf.fill` would make.
 */
export function wasmUninitialized(shape: number[]): tf.Tensor | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as WasmBackendInternals;
  if (typeof backend.makeOutput !== 'function') return null;
  return tensorFromInfo(backend.makeOutput(shape, 'float32'));
}
