import { ArgumentError } from '@odl/backend';
import { tuckerStorageCount, type TuckerStorage } from '../tucker/activation';
import { prod } from './dims';
import { bw, fromTerms, fw, type DetailedLayerCost } from './terms';

/**
 * Applies a Tucker method's `storage` option to its cost: float32 (or absent) leaves it as it is;
 * int8 (ASI's `storage: 'int8'`) sets the exact stored elements and bytes
 * ({@link tuckerStorageCount}: 1 byte per value plus a float32 scale per column) and adds the
 * encoding (2 FLOPs per value: the column maximum and the division; rounding not counted) and
 * decoding (1 per value in backward, 1 per factor value for the next step's warm start) terms
 * unless `countFlops` is false (paper mode counts the reference code's MACs only).
 *
 * @param cost - the float32 cost of the method
 * @param shape - the activation's shape
 * @param ks - the effective ranks (the core's shape)
 * @param storage - `'float32'`, `'int8'` or absent
 * @param countFlops - add the encode/decode terms (default true)
 * @example
 * ```ts
 * withTuckerStorage(cost, [128, 1, 1, 576], [8, 1, 1, 8], 'int8').activationBytes; // 1 per value + 4 per scale
 * ```
 */
export function withTuckerStorage(cost: DetailedLayerCost, shape: readonly number[], ks: readonly number[], storage: unknown, countFlops = true): DetailedLayerCost {
  if (storage == null || storage === 'float32') return cost;
  if (storage !== 'int8') throw new ArgumentError(`storage must be 'float32' or 'int8', got '${String(storage)}'`);
  const count = tuckerStorageCount(shape, ks, storage as TuckerStorage);
  if (!countFlops) return { ...cost, activationElements: count.elements, activationBytes: count.bytes };
  const coreValues = prod(ks);
  const factorValues = shape.reduce((a, d, i) => a + d * ks[i]!, 0);
  const withTerms = fromTerms(count.elements, [
    ...cost.terms,
    fw('int8-encode', 2 * (coreValues + factorValues)),
    fw('int8-decode-warm-start', factorValues),
    bw('int8-decode', coreValues + factorValues),
  ]);
  return { ...withTerms, activationBytes: count.bytes };
}

