import type { tf } from '../engine';
import { engineInternal } from './engine-internals';

const BYTES_PER_ELEMENT: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/**
 * Bytes of the buffer behind a tensor: its size times the bytes per element (float32 and int32
 * 4, bool 1, complex64 8); for any other dtype (strings) the bytes the engine recorded for the
 * buffer. A reshape or a cpu clone shares its source's buffer, so count by `dataId` to avoid
 * counting shared memory twice.
 *
 * @example
 * ```ts
 * tensorBufferBytes(tf.zeros([2, 3])); // 24
 * ```
 */
export function tensorBufferBytes(t: tf.Tensor): number {
  const per = BYTES_PER_ELEMENT[t.dtype];
  if (per !== undefined) return t.size * per;
  return engineInternal().state.tensorInfo.get(t.dataId as object)?.bytes ?? 0;
}
