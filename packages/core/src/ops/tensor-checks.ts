import { ShapeError, tf } from '@odl/backend';

/** `[2, 3, 4]` for messages. */
export function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws a ShapeError unless `t` is a live float32 tf.Tensor (`name` names it in the message). */
export function checkFloatTensor(t: unknown, where: string, name: string): asserts t is tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw new ShapeError(`${where}: ${name} must be a tf.Tensor, got ${t === null ? 'null' : typeof t}`);
  if (t.isDisposed) throw new ShapeError(`${where}: ${name} is disposed; pass a live tensor`);
  if (t.dtype !== 'float32') throw new ShapeError(`${where}: ${name} has dtype ${t.dtype}; cast it to float32 (tf.cast)`);
}

/** Throws a ShapeError unless `t` has rank ≥ `min` (`expected` describes the layout, e.g. `'[B, N, D]'`). */
export function checkMinRank(t: tf.Tensor, min: number, where: string, name: string, expected: string): void {
  if (t.rank < min) throw new ShapeError(`${where}: ${name} has shape ${shapeText(t.shape)} (rank ${t.rank}); it needs rank ≥ ${min}, e.g. ${expected}`);
}
