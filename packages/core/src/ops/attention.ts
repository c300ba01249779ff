import { ArgumentError, isRecordingGradients, ShapeError, tf } from '@odl/backend';
import { checkFloatTensor, shapeText } from './tensor-checks';

/** Options of {@link attention}. */
export interface AttentionOptions {
  /** Factor on the scores `q·kᵀ` (default `1/√d`, d = q's last axis). Finite and > 0. */
  scale?: number;
  /**
   * Added to the scaled scores before the softmax (e.g. Swin's relative position bias plus its
   * shift mask); broadcastable to `[B, heads, Nq, Nk]` (rank ≤ 4, each axis 1 or the full size:
   * `[1, heads, N, N]`, `[B, 1, N, N]`, `[N, N]`, …). It gets a gradient (summed over its
   * broadcast axes), so a trained bias table works.
   */
  bias?: tf.Tensor;
  /**
   * A constant added to the scores of each window, `[W, Nq, Nk]`, W dividing B: batch entry b gets
   * `windowMask[b mod W]` on every head. This is Swin's shifted-window mask in torchvision's layout
   * (the W windows of one image are consecutive in the batch; masked pairs hold −100), kept at its
   * own size (W·Nq·Nk floats) instead of a bias tiled to `[B, heads, N, N]`. No gradient.
   */
  windowMask?: tf.Tensor;
}

function checkAttentionInputs(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number, bias: tf.Tensor | undefined, mask: tf.Tensor | undefined): void {
  const where = 'attention';
  for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
    checkFloatTensor(t, where, name);
    if (t.rank !== 4) throw new ShapeError(`${where}: ${name} has shape ${shapeText(t.shape)}; it must be [B, heads, N, d] (reshape [B, N, heads·d] to [B, N, heads, d] and transpose to [0, 2, 1, 3])`);
  }
  const [B, H, Nq, d] = q.shape;
  const [Bk, Hk, Nk, dk] = k.shape;
  const [Bv, Hv, Nv] = v.shape;
  if (Bk !== B || Hk !== H || dk !== d) throw new ShapeError(`${where}: k has shape ${shapeText(k.shape)}, q ${shapeText(q.shape)}; they must agree on B, heads and d`);
  if (Bv !== B || Hv !== H || Nv !== Nk) throw new ShapeError(`${where}: v has shape ${shapeText(v.shape)}, k ${shapeText(k.shape)}; they must agree on B, heads and N`);
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new ArgumentError(`${where}: scale is ${String(scale)}; it must be a finite number > 0 (omit it for 1/√d = ${1 / Math.sqrt(d)})`);
  }
  const scores = [B, H, Nq, Nk];
  if (bias !== undefined) {
    checkFloatTensor(bias, where, 'bias');
    const padded = [...Array(Math.max(0, 4 - bias.rank)).fill(1), ...bias.shape] as number[];
    if (bias.rank > 4 || padded.some((n, i) => n !== 1 && n !== scores[i])) {
      throw new ShapeError(`${where}: bias has shape ${shapeText(bias.shape)}, which does not broadcast to the scores ${shapeText(scores)}; give each axis size 1 or the full size (e.g. [1, ${H}, ${Nq}, ${Nk}] or [${B}, 1, ${Nq}, ${Nk}])`);
    }
  }
  if (mask !== undefined) {
    checkFloatTensor(mask, where, 'windowMask');
    const [W, Mq, Mk] = mask.shape;
    if (mask.rank !== 3 || Mq !== Nq || Mk !== Nk || B % W! !== 0) {
      throw new ShapeError(`${where}: windowMask has shape ${shapeText(mask.shape)}; it must be [W, ${Nq}, ${Nk}] with W dividing the batch ${B} (one mask per window, windows of an image consecutive in the batch)`);
    }
  }
}

/** Scaled scores `q·kᵀ·scale + bias (+ windowMask[b mod W])`, `[B, heads, Nq, Nk]`. */
function scores(q: tf.Tensor4D, k: tf.Tensor4D, scale: number, bias: tf.Tensor | undefined, mask: tf.Tensor | undefined): tf.Tensor4D {
  const s = tf.mul(tf.matMul(q, k, false, true), scale) as tf.Tensor4D;
  const biased = bias === undefined ? s : (tf.add(s, bias) as tf.Tensor4D);
  if (mask === undefined) return biased;
  const [B, H, Nq, Nk] = biased.shape;
  const W = mask.shape[0]!;
  const perWindow = tf.add(tf.reshape(biased, [B / W, W, H, Nq, Nk]), tf.reshape(mask, [1, W, 1, Nq, Nk]));
  return tf.reshape(perWindow, [B, H, Nq, Nk]);
}

/** The softmax of `s` over its last axis as `e/rowSum` with `e = exp(s − rowMax)` (the same kernels with and without the tape). */
function softmaxParts(s: tf.Tensor4D): { rowMax: tf.Tensor4D; e: tf.Tensor4D; rowSum: tf.Tensor4D } {
  const rowMax = tf.max(s, 3, true) as tf.Tensor4D;
  const e = tf.exp(tf.sub(s, rowMax)) as tf.Tensor4D;
  return { rowMax, e, rowSum: tf.sum(e, 3, true) as tf.Tensor4D };
}

/** Sums a gradient of the scores' shape over the axes `bias` was broadcast along, back to `bias`'s shape. */
function reduceToBias(dScores: tf.Tensor4D, bias: tf.Tensor): tf.Tensor {
  const padded = [...Array(4 - bias.rank).fill(1), ...bias.shape] as number[];
  const axes = padded.map((n, i) => (n === 1 && dScores.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
  const summed = axes.length > 0 ? tf.sum(dScores, axes, true) : dScores;
  return tf.reshape(summed, bias.shape);
}

/**
 * Scaled dot-product attention per head: `softmax(q·kᵀ·scale + bias)·v`, the softmax over the
 * keys. `q`: `[B, heads, Nq, d]`, `k`: `[B, heads, Nk, d]`, `v`: `[B, heads, Nk, dv]` (self-attention:
 * Nq = Nk = N, dv = d); `scale` defaults to `1/√d`. Returns `[B, heads, Nq, dv]`.
 *
 * Backward keeps q, k, v and the per-row log-sum-exp `L = log Σ_j exp(S_ij)` of the scores S
 * (and `bias` and `windowMask`, when given, at their own shapes), and recomputes the
 * probabilities `P = exp(S − L)` from them (as FlashAttention does) instead of keeping P
 * (B·heads·Nq·Nk floats): `4·(q.size + k.size + v.size + B·heads·Nq [+ bias.size]
 * [+ windowMask.size])` bytes on the tape (q, k, v as distinct tensors). Gradients (docs/method.md §8): `dv = Pᵀ·dy`, `dP = dy·vᵀ`,
 * `dS = P ⊙ (dP − rowsum(P ⊙ dP))`, `dq = scale·dS·k`, `dk = scale·dSᵀ·q`, `dbias = dS` summed
 * over bias's broadcast axes.
 *
 * @param q - queries, float32 `[B, heads, Nq, d]`
 * @param k - keys, float32 `[B, heads, Nk, d]`
 * @param v - values, float32 `[B, heads, Nk, dv]`
 * @param options - `scale` (default `1/√d`), `bias` and `windowMask` (see {@link AttentionOptions})
 * @throws ShapeError for wrong ranks, shapes, dtypes or a bias that does not broadcast; ArgumentError for a scale that is not finite and > 0
 * @example
 * ```ts
 * const q = tf.randomNormal([2, 12, 50, 64]) as tf.Tensor4D;
 * const out = attention(q, q, q); // [2, 12, 50, 64]
 * ```
 */
export function attention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, options: AttentionOptions = {}): tf.Tensor4D {
  const bias = options.bias ?? undefined; // null (from JavaScript callers) means none
  const mask = options.windowMask ?? undefined;
  const scale = options.scale ?? (q instanceof tf.Tensor && q.rank === 4 ? 1 / Math.sqrt(q.shape[3]) : NaN);
  checkAttentionInputs(q, k, v, scale, bias, mask);
  if (!isRecordingGradients()) {
    return tf.tidy(() => {
      const { e, rowSum } = softmaxParts(scores(q, k, scale, bias, mask));
      return tf.matMul(tf.div(e, rowSum), v);
    });
  }
  const inputs = bias === undefined ? [q, k, v] : [q, k, v, bias];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [qq, kk, vv, bb] = args.slice(0, -1) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor | undefined];
    const { rowMax, e, rowSum } = softmaxParts(scores(qq, kk, scale, bb, mask));
    const logSumExp = tf.add(rowMax, tf.log(rowSum));
    // the mask is a constant, not an input of this node: saved for backward, given no gradient
    save([qq, kk, vv, logSumExp, ...(bb === undefined ? [] : [bb]), ...(mask === undefined ? [] : [mask])]);
    return {
      value: tf.matMul(tf.div(e, rowSum), vv),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sLse] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const sBias = bb === undefined ? undefined : saved[4];
        const sMask = mask === undefined ? undefined : saved[saved.length - 1];
        const p = tf.exp(tf.sub(scores(sq, sk, scale, sBias, sMask), sLse)) as tf.Tensor4D;
        const dv = tf.matMul(p, dy as tf.Tensor4D, true, false);
        const dp = tf.matMul(dy as tf.Tensor4D, sv, false, true);
        const dS = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(p, dp), 3, true))) as tf.Tensor4D;
        const dq = tf.mul(tf.matMul(dS, sk), scale);
        const dk = tf.mul(tf.matMul(dS, sq, true, false), scale);
        return sBias === undefined ? [dq, dk, dv] : [dq, dk, dv, reduceToBias(dS, sBias)];
      },
    };
  });
  return op(...inputs) as tf.Tensor4D;
}
