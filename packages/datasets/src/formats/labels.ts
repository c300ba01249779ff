import { ArgumentError } from '@odl/backend';
import { LabelRangeError } from '../errors';

/** Options of {@link checkLabels}. */
export interface LabelCheckOptions {
  /** The number of classes; every label must lie in 0..numClasses-1. */
  numClasses?: number;
  /**
   * Without `numClasses`: the largest class count inferred from the labels (max label + 1)
   * that is accepted (default 1000). Guards against a corrupt label sizing the task.
   */
  maxClasses?: number;
  /**
   * Without `numClasses`: also require an example of every class 0..max label (default false),
   * so that a single stray label such as 255 cannot add hundreds of empty classes.
   */
  requireAllClasses?: boolean;
}

/** Default of {@link LabelCheckOptions.maxClasses}. */
export const DEFAULT_MAX_CLASSES = 1000;

/**
 * Checks integer class labels and returns the number of classes. With `numClasses`, every
 * label must be in 0..numClasses-1. Without it the count is inferred as max label + 1, which must
 * not exceed `maxClasses` (default 1000), and with `requireAllClasses` every class 0..max must
 * occur at least once (so a single stray label such as 255 cannot add 246 empty classes).
 * Throws {@link LabelRangeError} naming `file`, the item and the fix; reads the labels only
 * (allocates nothing of their size beyond a class-count bitmap).
 *
 * @example
 * ```ts
 * checkLabels(Uint8Array.from([0, 2, 1]), 'labels.idx'); // 3
 * checkLabels(Uint8Array.from([0, 255]), 'labels.idx', { numClasses: 10 }); // throws LabelRangeError
 * checkLabels(Uint8Array.from([0, 255]), 'labels.idx', { requireAllClasses: true }); // throws LabelRangeError
 * ```
 */
export function checkLabels(labels: ArrayLike<number>, file: string, options: LabelCheckOptions = {}): number {
  const { numClasses } = options;
  const maxClasses = options.maxClasses ?? DEFAULT_MAX_CLASSES;
  if (numClasses != null && !(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new ArgumentError(`numClasses must be a positive integer, got ${numClasses}`);
  }
  if (!(Number.isInteger(maxClasses) && maxClasses >= 1)) throw new ArgumentError(`maxClasses must be a positive integer, got ${maxClasses}`);
  let max = -1;
  let maxAt = -1;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0) throw new LabelRangeError(file, `item ${i} has label ${l}; labels must be non-negative integers. The labels file is damaged or is not a labels file`);
    if (numClasses != null && l >= numClasses) {
      throw new LabelRangeError(file, `item ${i} has label ${l} but there are ${numClasses} classes (labels 0..${numClasses - 1}); fix the labels or pass the right numClasses`);
    }
    if (l > max) {
      max = l;
      maxAt = i;
    }
  }
  if (numClasses != null) return numClasses;
  if (max + 1 > maxClasses) {
    throw new LabelRangeError(file, `item ${maxAt} has label ${max}, which would make ${max + 1} classes, more than maxClasses=${maxClasses}; pass numClasses, or raise maxClasses if the task really has that many classes`);
  }
  if (!options.requireAllClasses) return max + 1;
  const seen = new Uint8Array(max + 1);
  for (let i = 0; i < labels.length; i++) seen[labels[i]] = 1;
  const missing = seen.indexOf(0);
  if (missing >= 0) {
    const absent = max + 1 - seen.reduce((a, b) => a + b, 0);
    throw new LabelRangeError(file, `item ${maxAt} has label ${max}, which would make ${max + 1} classes, but ${absent} of them (first: ${missing}) have no example; a damaged label? pass numClasses to say how many classes there are`);
  }
  return max + 1;
}
