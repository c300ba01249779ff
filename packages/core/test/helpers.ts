import { activeTapeNodes, tf } from '@odl/backend';
import { gramSchmidtF64 } from '@odl/test-utils';

let seedCounter = 1;
/** A seeded standard-normal tensor. */
export const randn = (shape: number[], seed = seedCounter++): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** A `d × k` matrix with orthonormal columns (Gram–Schmidt of a seeded Gaussian, in Float64 on the host; k ≤ d). */
export function randomOrthonormal(d: number, k: number, seed = seedCounter++): tf.Tensor2D {
  // tf.linalg.qr is avoided: the reference stays independent of tfjs' and odl's linear algebra
  const g = tf.randomNormal([k, d], 0, 1, 'float32', seed); // row i: column i of the result
  const rows = g.dataSync();
  g.dispose();
  const q = gramSchmidtF64(Float64Array.from({ length: d * k }, (_, ij) => rows[(ij % k) * d + Math.floor(ij / k)]), d, k);
  return tf.tensor2d(Float32Array.from(q), [d, k]);
}

/** Inserts zeros between filter taps (dilation δ → a dilation-1 filter), with differentiable stock ops only. */
export function dilateFilterStock(w: tf.Tensor, dh: number, dw: number): tf.Tensor {
  let out = w;
  const d = [dh, dw];
  for (const axis of [0, 1]) {
    if (d[axis] === 1) continue;
    const parts: tf.Tensor[] = [];
    const k = out.shape[axis];
    const taps = tf.split(out, k, axis);
    taps.forEach((t, i) => {
      parts.push(t);
      if (i < k - 1) parts.push(tf.zerosLike(tf.concat(Array(d[axis] - 1).fill(t), axis)));
    });
    out = tf.concat(parts, axis);
  }
  return out;
}

/** A loss `Σ y ⊙ R` (R fixed) whose gradient node saves nothing, so only the layer's saved tensors show on the tape. */
export function weightedSum(y: tf.Tensor, R: tf.Tensor): tf.Scalar {
  const f = tf.customGrad((yy: tf.Tensor | tf.GradSaveFunc) => ({
    value: tf.sum(tf.mul(yy as tf.Tensor, R)),
    gradFunc: (dy: tf.Tensor) => tf.mul(dy, R),
  }));
  return f(y) as tf.Scalar;
}

/**
 * Unique buffers saved on the gradient tape, read at the start of backward (FALLBACK for
 * @odl/backend's measureSavedForBackward): runs `loss` under `tf.variableGrads` with a probe.
 */
export function savedAtBackwardStart(loss: () => tf.Scalar): { bytes: number; dataIds: Set<object>; grads: Record<string, tf.Tensor> } {
  const dataIds = new Set<object>();
  let bytes = 0;
  const probe = tf.customGrad((yy: tf.Tensor | tf.GradSaveFunc) => ({
    value: tf.clone(yy as tf.Tensor),
    gradFunc: (dy: tf.Tensor) => {
      for (const node of activeTapeNodes()) {
        for (const t of node.saved ?? []) {
          if (dataIds.has(t.dataId)) continue;
          dataIds.add(t.dataId);
          bytes += t.size * (t.dtype === 'bool' ? 1 : 4);
        }
      }
      return tf.clone(dy);
    },
  }));
  const { value, grads } = tf.variableGrads(() => probe(loss()) as tf.Scalar);
  value.dispose();
  return { bytes, dataIds, grads };
}
