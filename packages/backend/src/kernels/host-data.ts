// Zero-copy read access to float32 tensor data on the backends that keep it in CPU memory.
import { tf } from '../engine';

interface WasmBackendInternals {
  dataIdMap?: { get(dataId: object): { memoryOffset?: number } | undefined };
  wasm?: { HEAPU8?: Uint8Array };
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
    const heap = be.wasm?.HEAPU8;
    if (typeof offset === 'number' && heap != null && offset % 4 === 0) {
      return new Float32Array(heap.buffer, heap.byteOffset + offset, t.size);
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
