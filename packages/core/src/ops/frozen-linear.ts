import { ArgumentError, isRecordingGradients, ShapeError, tf } from '@odl/backend';
import { checkFloatTensor, checkMinRank, shapeText } from './tensor-checks';

function checkFrozenLinearInputs(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null): void {
  const where = 'frozenLinear';
  checkFloatTensor(x, where, 'x');
  checkFloatTensor(weight, where, 'weight');
  checkMinRank(x, 2, where, 'x', '[B, I] or [B, N, I]');
  if (weight.rank !== 2) throw new ShapeError(`${where}: weight has shape ${shapeText(weight.shape)}; it must be [I, O] (odl's layout; transpose a PyTorch [O, I] weight)`);
  const [I, O] = weight.shape as [number, number];
  const xI = x.shape[x.rank - 1]!;
  if (xI !== I) throw new ShapeError(`${where}: x has ${xI} features on its last axis (shape ${shapeText(x.shape)}) but weight ${shapeText(weight.shape)} expects ${I}; is the weight transposed ([O, I] instead of [I, O])?`);
  if (bias != null) {
    checkFloatTensor(bias, where, 'bias');
    if (bias.rank !== 1 || bias.shape[0] !== O) throw new ShapeError(`${where}: bias has shape ${shapeText(bias.shape)}; it must be [${O}] (the weight's output size) or null`);
  }
}

function forward(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor {
  const [I, O] = weight.shape;
  const y = tf.matMul(tf.reshape(x, [x.size / I, I]), weight);
  return tf.reshape(bias == null ? y : tf.add(y, bias), [...x.shape.slice(0, -1), O]);
}

/**
 * `y = x·W + b` for a frozen `W` (`[I, O]`, odl's layout) on inputs of any rank ≥ 2 (`[B, I]`,
 * `[B, N, I]`, …): the gradient flows to `x` only (`dx = dy·Wᵀ`); `W` and `b` get none.
 *
 * Backward keeps nothing on the tape (0 bytes): it reads `W` itself, by reference, so `W` must
 * still be alive when backward runs — a model parameter (a `tf.Variable` or a tensor created
 * outside the training step) is; a weight computed and disposed inside the step is not, and
 * backward then throws an ArgumentError (docs/method.md §8).
 *
 * @param x - input, float32, rank ≥ 2, `I` features on the last axis
 * @param weight - `W`, `[I, O]`
 * @param bias - `b`, `[O]`, or null
 * @returns `[..., O]` (x's leading axes, then O)
 * @throws ShapeError for a wrong rank, shape or dtype (the message says when the weight looks transposed)
 * @example
 * ```ts
 * const y = frozenLinear(tf.randomNormal([2, 50, 768]), w768x3072, b3072); // [2, 50, 3072]
 * ```
 */
export function frozenLinear(x: tf.Tensor, weight: tf.Tensor2D, bias: tf.Tensor1D | null): tf.Tensor {
  checkFrozenLinearInputs(x, weight, bias);
  if (!isRecordingGradients()) return tf.tidy(() => forward(x, weight, bias));
  const op = tf.customGrad((xx: tf.Tensor | tf.GradSaveFunc) => {
    const input = xx as tf.Tensor;
    const inputShape = input.shape;
    return {
      value: forward(input, weight, bias),
      gradFunc: (dy: tf.Tensor) => {
        if (weight.isDisposed) {
          throw new ArgumentError('frozenLinear: the weight was disposed before backward; keep it alive until the gradient is computed (a tf.Variable, or a tensor created outside the training step)');
        }
        const O = weight.shape[1];
        return tf.reshape(tf.matMul(tf.reshape(dy, [dy.size / O, O]), weight, false, true), inputShape);
      },
    };
  });
  return op(x);
}
