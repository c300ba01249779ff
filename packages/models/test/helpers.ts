/** A small synthetic labelled image set: class k has a bright k-th horizontal band plus noise. */
export { bandImages as syntheticImages } from '@odl/test-utils';

/** Copies of every named weight's values. */
export function snapshot(weights: Map<string, { dataSync(): ArrayLike<number> }>): Map<string, Float32Array> {
  return new Map([...weights].map(([k, v]) => [k, Float32Array.from(v.dataSync())]));
}
