import type { tf } from '../engine';
import { ArgumentError } from '../errors';
import { tensorBufferBytes } from './buffer-bytes';
import { engineInternal, tensorsIn } from './engine-internals';

/** Result of {@link measureKept}. */
export interface KeptMeasurement<T> {
  /** What the closure returned. */
  result: T;
  /**
   * Bytes of the new buffers (unique dataIds created during the call) still alive afterwards,
   * INCLUDING those behind the returned tensors.
   */
  bytes: number;
  /** New tensor objects (and variables) still alive afterwards, including the returned ones. */
  tensors: number;
  /** {@link KeptMeasurement.bytes} minus the buffers behind the returned tensors: what leaked or was kept on purpose. */
  bytesExcludingResult: number;
  /** {@link KeptMeasurement.tensors} minus the returned tensors. */
  tensorsExcludingResult: number;
}

/**
 * Runs the synchronous closure `fn` and reports what it leaves alive: new tensors not disposed
 * and the bytes of their buffers, counted once per buffer (by dataId), so a reshape or a cpu
 * clone of an existing tensor costs no bytes. Both numbers come with and without the returned
 * tensors (found in a returned tensor, array or plain object). Works on every backend; it hooks
 * the engine's tensor tracking only for the duration of the call.
 *
 * @example
 * ```ts
 * const { result, bytes, bytesExcludingResult } = measureKept(() => tf.tidy(() => tf.square(x)));
 * // bytes === x.size * 4, bytesExcludingResult === 0 (nothing leaked)
 * ```
 */
export function measureKept<T>(fn: () => T): KeptMeasurement<T> {
  const engine = engineInternal();
  const created: tf.Tensor[] = [];
  const newBuffers = new Set<object>();
  const original = engine.trackTensor;
  engine.trackTensor = function (this: typeof engine, t: tf.Tensor, backend: unknown) {
    if (!this.state.tensorInfo.has(t.dataId as object)) newBuffers.add(t.dataId as object);
    created.push(t);
    return original.call(this, t, backend);
  };
  let result: T;
  try {
    result = fn();
  } finally {
    engine.trackTensor = original;
  }
  if (result instanceof Promise) {
    throw new ArgumentError('measureKept: the closure returned a Promise; measure synchronous code only');
  }
  const returned = tensorsIn(result);
  const returnedIds = new Set(returned.map((t) => t.id));
  const returnedBuffers = new Set(returned.map((t) => t.dataId as object));
  const aliveById = new Map<object, number>();
  for (const t of created) {
    if (!t.isDisposed && newBuffers.has(t.dataId as object)) aliveById.set(t.dataId as object, tensorBufferBytes(t));
  }
  let bytes = 0;
  let bytesExcludingResult = 0;
  for (const [id, b] of aliveById) {
    if (!engine.state.tensorInfo.has(id)) continue;
    bytes += b;
    if (!returnedBuffers.has(id)) bytesExcludingResult += b;
  }
  const alive = created.filter((t) => !t.isDisposed);
  return {
    result,
    bytes,
    tensors: alive.length,
    bytesExcludingResult,
    tensorsExcludingResult: alive.filter((t) => !returnedIds.has(t.id)).length,
  };
}
