import { isRecordingGradients, ShapeError, tf } from '@odl/backend';
import type { CompressedActivation, LayerCompressor } from '../contract';
import { exactInputGradient, layerForward } from './exact';

/**
 * Runs one compressed layer. With no gradient tape (inference) it is the plain layer and the
 * compressor is not called. Under a tape it is a `tf.customGrad` whose inputs are
 * `[x (only if its gradient is wanted), weight, bias?]`; the forward is exact, only the
 * compressor's tensors are saved (a variable weight is read back directly, any other weight is
 * saved too), and the backward returns the exact input and bias gradients and the compressor's
 * weight gradient.
 */
export function runCompressed(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor | null,
  compressor: LayerCompressor,
  inputGradient: boolean,
  opName: string,
): tf.Tensor {
  const geometry = compressor.geometry;
  const forward = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor | null): tf.Tensor => {
    const y = layerForward(geometry, xx, ww);
    return bb == null ? y : tf.add(y, bb);
  };
  if (!isRecordingGradients()) return tf.tidy(() => forward(x, weight, bias));

  const weightIsVariable = weight instanceof tf.Variable;
  const inputs: tf.Tensor[] = [...(inputGradient ? [x] : []), weight, ...(bias == null ? [] : [bias])];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const tensors = args.slice(0, -1) as tf.Tensor[];
    const xx = inputGradient ? tensors[0] : x;
    const ww = tensors[inputGradient ? 1 : 0];
    const bb = bias == null ? null : tensors[tensors.length - 1];
    const value = forward(xx, ww, bb);
    const act = compressor.compress(xx);
    if (act.tensors.some((t) => t === xx)) {
      throw new ShapeError(`${opName}: compressor '${compressor.method}' returned the input tensor itself; return new tensors (e.g. tf.clone(input))`);
    }
    // save() keeps clones; the originals are disposed by the forward's tidy.
    save(weightIsVariable ? act.tensors : [...act.tensors, ww]);
    const count = act.tensors.length;
    const { meta, elements, bytes } = act;
    const inputShape = xx.shape;
    const rank = value.rank;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const activation: CompressedActivation = { tensors: saved.slice(0, count), meta, elements, bytes };
        const w = weightIsVariable ? weight : saved[count];
        const dw = compressor.weightGradient(activation, dy);
        if (dw.shape.length !== w.shape.length || dw.shape.some((d, i) => d !== w.shape[i])) {
          throw new ShapeError(`${opName}: compressor '${compressor.method}' returned a weight gradient of shape [${dw.shape.join(', ')}], expected [${w.shape.join(', ')}]`);
        }
        const grads: tf.Tensor[] = [];
        if (inputGradient) grads.push(exactInputGradient(geometry, w, dy, inputShape));
        grads.push(dw);
        if (bias != null) grads.push(tf.sum(dy, [...Array(rank - 1).keys()]));
        return grads;
      },
    };
  });
  return op(...inputs);
}
