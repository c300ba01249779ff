import { tf } from '@odl/backend';

/** Numbers to compare: a tensor (read with dataSync) or any array of numbers. */
export type Values = tf.Tensor | ArrayLike<number>;

function read(v: Values): ArrayLike<number> {
  return v instanceof tf.Tensor ? v.dataSync() : v;
}

function pair(a: Values, b: Values, where: string): [ArrayLike<number>, ArrayLike<number>] {
  if (a instanceof tf.Tensor && b instanceof tf.Tensor && a.shape.join() !== b.shape.join()) {
    throw new Error(`${where}: shape mismatch [${a.shape}] vs [${b.shape}]`);
  }
  const x = read(a);
  const y = read(b);
  if (x.length !== y.length) throw new Error(`${where}: lengths ${x.length} and ${y.length} differ`);
  return [x, y];
}

/**
 * Relative Frobenius error ‖a − b‖_F / ‖b‖_F in Float64 (b: the reference; a zero reference
 * counts as 1e-300 so that equal zeros give 0). Tensors must have the same shape, arrays the
 * same length.
 *
 * @example
 * ```ts
 * expect(relFro(dw, refWeightGradient(g, x, dy))).toBeLessThan(1e-5);
 * ```
 */
export function relFro(a: Values, b: Values): number {
  const [x, y] = pair(a, b, 'relFro');
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    num += (x[i]! - y[i]!) ** 2;
    den += y[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/**
 * Largest |a − b| divided by the largest |b| (b: the reference): an error relative to the
 * reference's scale that no single element can hide in a norm.
 *
 * @example
 * ```ts
 * expect(maxRelError(dx.dataSync(), refConvInputGrad(g, co, dy, w))).toBeLessThan(2e-5);
 * ```
 */
export function maxRelError(a: Values, b: Values): number {
  const [x, y] = pair(a, b, 'maxRelError');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / Math.max(scale, 1e-30);
}

/**
 * Largest |a − b|.
 *
 * @example
 * ```ts
 * expect(maxAbsDiff(back.dataSync(), data)).toBeLessThan(1e-5);
 * ```
 */
export function maxAbsDiff(a: Values, b: Values): number {
  const [x, y] = pair(a, b, 'maxAbsDiff');
  let d = 0;
  for (let i = 0; i < y.length; i++) d = Math.max(d, Math.abs(x[i]! - y[i]!));
  return d;
}
