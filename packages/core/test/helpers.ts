import { activeTapeNodes, tf } from '@odl/backend';

/** ‖a − b‖_F / ‖b‖_F, computed in float64 on the host. */
export function relErr(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shape mismatch [${a.shape}] vs [${b.shape}]`);
  const x = a.dataSync();
  const y = b.dataSync();
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    num += (x[i] - y[i]) ** 2;
    den += y[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

let seedCounter = 1;
/** A seeded standard-normal tensor. */
export const randn = (shape: number[], seed = seedCounter++): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** A `d × k` matrix with orthonormal columns (Q of a seeded Gaussian; k ≤ d). */
export function randomOrthonormal(d: number, k: number, seed = seedCounter++): tf.Tensor2D {
  // modified Gram-Schmidt, twice, in float64 on the host (tf.linalg.qr is avoided: test-independent)
  const g = tf.randomNormal([k, d], 0, 1, 'float32', seed);
  const rows = Array.from({ length: k }, (_, i) => Float64Array.from(g.dataSync().subarray(i * d, (i + 1) * d)));
  g.dispose();
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < i; j++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += rows[i][t] * rows[j][t];
        for (let t = 0; t < d; t++) rows[i][t] -= dot * rows[j][t];
      }
      let n = 0;
      for (let t = 0; t < d; t++) n += rows[i][t] ** 2;
      n = Math.sqrt(n);
      for (let t = 0; t < d; t++) rows[i][t] /= n;
    }
  }
  const out = new Float32Array(d * k);
  for (let i = 0; i < k; i++) for (let t = 0; t < d; t++) out[t * k + i] = rows[i][t];
  return tf.tensor2d(out, [d, k]);
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
