import { ArgumentError, ShapeError, dequantizeInt8Columns, quantizeInt8Columns, tensorBufferBytes, tf, tuckerDims, type TuckerFactors } from '@odl/backend';
import type { CompressedActivation } from '../contract';

/**
 * How the tensors of a Tucker form are stored between forward and backward:
 * - `'float32'`: as computed, 4 bytes per element;
 * - `'int8'`: each tensor (core and factors) as 8-bit codes with one float32 scale per column
 *   (`quantizeInt8Columns` of @odl/backend): 1 byte per element plus 4 per column, values within
 *   0.4 % of their column's largest magnitude. About 4× less memory for the same ranks.
 */
export type TuckerStorage = 'float32' | 'int8';

/** Element and byte counts of a stored Tucker form (see {@link tuckerStorageCount}). */
export interface TuckerStorageCount {
  /** Elements of all stored tensors (codes and scales count one each). */
  elements: number;
  /** Bytes of all stored tensors. */
  bytes: number;
}

/**
 * What a Tucker form of the given ranks holds when stored: the core `Π k_n` and each stored
 * factor `d_n × k_n`, in float32 (4 bytes each) or int8 (1 byte each, plus one float32 scale per
 * column: `k_last` for the core, `k_n` per factor). The same count that
 * {@link tuckerCompressedActivation} reports, for planning before any tensor exists.
 *
 * @param shape - the activation's shape `[d_0, d_1, …]`
 * @param ranks - the core's shape `[k_0, k_1, …]` (k_n = d_n for a mode kept whole)
 * @param storage - float32 or int8
 * @param hasFactor - per mode, whether a factor is stored (default: every mode)
 *
 * @example
 * ```ts
 * tuckerStorageCount([128, 576], [8, 8], 'float32'); // { elements: 5696, bytes: 22784 }
 * tuckerStorageCount([128, 576], [8, 8], 'int8');    // { elements: 5720, bytes: 5792 }
 * ```
 */
export function tuckerStorageCount(shape: readonly number[], ranks: readonly number[], storage: TuckerStorage, hasFactor?: readonly boolean[]): TuckerStorageCount {
  if (ranks.length !== shape.length) throw new ShapeError(`tuckerStorageCount: ${ranks.length} ranks for a rank-${shape.length} activation; give one per mode`);
  const stored = (n: number) => hasFactor == null || hasFactor[n] === true;
  const values = ranks.reduce((p, k) => p * k, 1) + ranks.reduce((s, k, n) => s + (stored(n) ? k * shape[n]! : 0), 0);
  if (storage === 'float32') return { elements: values, bytes: 4 * values };
  if (storage !== 'int8') throw new ArgumentError(`Tucker storage must be 'float32' or 'int8', got ${String(storage)}`);
  const scales = ranks[ranks.length - 1]! + ranks.reduce((s, k, n) => s + (stored(n) ? k : 0), 0);
  return { elements: values + scales, bytes: values + 4 * scales };
}

/** The `meta.tucker` record that {@link tuckerCompressedActivation} writes. */
export interface TuckerMeta {
  /** How the core and factors are stored (`tensors` holds codes and scales for `'int8'`). */
  storage: TuckerStorage;
  /** Per mode: true when a factor is stored, false for a mode kept whole. */
  hasFactor: boolean[];
  /** Per-mode ranks `k_n` (the core's shape). */
  ranks: number[];
  /** Shape of the activation the Tucker form represents `[d_0, d_1, …]`. */
  shape: number[];
}

/**
 * Counts the bytes that `tensors` hold on the cpu and wasm backends (1 byte per `bool`,
 * 4 per `float32`/`int32`).
 *
 * @example
 * ```ts
 * tensorBytes([tf.zeros([2, 3])]); // 24
 * ```
 */
export function tensorBytes(tensors: readonly tf.Tensor[]): number {
  return tensors.reduce((sum, t) => sum + tensorBufferBytes(t), 0);
}

/**
 * Packs a Tucker form into a {@link CompressedActivation}: `tensors = [core, …stored factors]`
 * (float32) or `[core codes, core scales, factor codes, factor scales, …]` (int8), `meta.tucker`
 * records the storage and which modes have a factor, `elements`/`bytes` are the exact counts
 * ({@link tuckerStorageCount}). Takes ownership of `core` and `factors` (float32: they become
 * the activation's tensors; int8: they are quantized and released). `meta` adds method-specific
 * plain values.
 *
 * @example
 * ```ts
 * const act = tuckerCompressedActivation(S, [UB, UH, UW, UC], { step: 3 });
 * act.elements; // S.size + UB.size + UH.size + UW.size + UC.size
 * const small = tuckerCompressedActivation(S2, [UB2, null, null, UC2], {}, 'int8'); // ≈ 4× fewer bytes
 * ```
 */
export function tuckerCompressedActivation(core: tf.Tensor, factors: TuckerFactors, meta: Record<string, unknown> = {}, storage: TuckerStorage = 'float32'): CompressedActivation {
  const shape = tuckerDims(core, factors);
  const stored = factors.filter((U): U is tf.Tensor2D => U != null);
  let tensors: tf.Tensor[] = [core, ...stored];
  if (storage === 'int8') {
    tensors = tensors.flatMap((t) => {
      const q = quantizeInt8Columns(t);
      t.dispose();
      return [q.codes, q.scales];
    });
  } else if (storage !== 'float32') {
    throw new ArgumentError(`Tucker storage must be 'float32' or 'int8', got ${String(storage)}`);
  }
  const tucker: TuckerMeta = { storage, hasFactor: factors.map((U) => U != null), ranks: [...core.shape], shape };
  return {
    tensors,
    meta: { ...meta, tucker },
    elements: tensors.reduce((s, t) => s + t.size, 0),
    bytes: tensorBytes(tensors),
  };
}

/** A Tucker form read back from a {@link CompressedActivation}. */
export interface UnpackedTucker {
  /**
   * True when `core` and `factors` are new float32 tensors decoded from int8 storage, owned by
   * the caller (dispose them, or unpack inside a `tf.tidy`); false when they are the activation's
   * own tensors (do not dispose).
   */
  decoded: boolean;
  /** The core `S`. */
  core: tf.Tensor;
  /** One factor (or `null`) per mode. */
  factors: TuckerFactors;
  /** The activation's `meta.tucker` record. */
  meta: TuckerMeta;
}

/**
 * Reads back the core and factors of an activation made by {@link tuckerCompressedActivation}
 * (after the op has saved it: the tensors are the saved clones, in the same order). Int8 storage
 * is decoded to new float32 tensors (`decoded: true`).
 *
 * @example
 * ```ts
 * const { core, factors } = unpackTucker(saved);
 * ```
 */
export function unpackTucker(saved: CompressedActivation): UnpackedTucker {
  const meta = saved.meta.tucker as TuckerMeta | undefined;
  if (meta == null || !Array.isArray(meta.hasFactor)) {
    throw new ShapeError('unpackTucker: the activation has no meta.tucker record; build it with tuckerCompressedActivation');
  }
  const stored = meta.hasFactor.filter(Boolean).length;
  const perTensor = meta.storage === 'int8' ? 2 : 1;
  if (saved.tensors.length !== perTensor * (1 + stored)) {
    throw new ShapeError(`unpackTucker: expected ${perTensor * (1 + stored)} tensors (core + ${stored} factors, ${meta.storage}), got ${saved.tensors.length}`);
  }
  const read = (i: number): tf.Tensor =>
    perTensor === 1 ? saved.tensors[i]! : dequantizeInt8Columns({ codes: saved.tensors[2 * i]!, scales: saved.tensors[2 * i + 1] as tf.Tensor1D });
  let next = 1;
  const factors = meta.hasFactor.map((has) => (has ? (read(next++) as tf.Tensor2D) : null));
  return { core: read(0), factors, meta, decoded: perTensor === 2 };
}
