// What the transformer ops keep for backward (measured on the tape with @odl/backend's
// measureSavedForBackward, equal to the byte counts their typedoc states), no tensor leaks over
// repeated steps, and typed errors for bad input (docs/method.md §8).
import { ArgumentError, measureSavedForBackward, setupBackend, ShapeError, tf } from '@odl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { attention, frozenLinear, gelu, layerNorm } from '../src/index';
import { randn, weightedSum } from './helpers';

const F32 = 4;

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`transformer ops: bytes kept for backward and leaks (${backend})`, () => {
    beforeAll(async () => {
      await setupBackend({ prefer: [backend] });
    });

    it('layerNorm keeps x̂ (R·D), 1/σ (R) and γ (D): 4·(R·D + R + D) bytes', () => {
      tf.tidy(() => {
        const [B, N, D] = [2, 7, 12];
        const x = tf.variable(randn([B, N, D]));
        const gamma = tf.variable(randn([D]) as tf.Tensor1D);
        const beta = tf.variable(randn([D]) as tf.Tensor1D);
        const R = randn([B, N, D]);
        const m = measureSavedForBackward(() => weightedSum(layerNorm(x, gamma, beta, 1e-6), R), [x, gamma, beta]);
        const rows = B * N;
        expect(m.bytes).toBe(F32 * (rows * D + rows + D));
        expect(m.tensors).toBe(3);
        [x, gamma, beta].forEach((t) => t.dispose());
      });
    });

    it('gelu keeps x: 4 bytes per element', () => {
      tf.tidy(() => {
        const x = tf.variable(randn([3, 5, 16]));
        const R = randn([3, 5, 16]);
        const m = measureSavedForBackward(() => weightedSum(gelu(x), R), [x]);
        expect(m.bytes).toBe(F32 * 3 * 5 * 16);
        expect(m.tensors).toBe(1);
        x.dispose();
      });
    });

    it('attention keeps q, k, v and one log-sum-exp per row (plus the bias when given), not P', () => {
      tf.tidy(() => {
        const [B, H, N, d] = [2, 3, 16, 4];
        const q = randn([B, H, N, d]) as tf.Tensor4D;
        const k = randn([B, H, N, d]) as tf.Tensor4D;
        const v = randn([B, H, N, d]) as tf.Tensor4D;
        const R = randn([B, H, N, d]);
        const qkvBytes = F32 * 3 * B * H * N * d;
        const lseBytes = F32 * B * H * N;
        const plain = measureSavedForBackward(() => weightedSum(attention(q, k, v), R), [q, k, v]);
        expect(plain.bytes).toBe(qkvBytes + lseBytes);
        expect(plain.tensors).toBe(4);
        for (const biasShape of [[1, H, N, N], [B, 1, N, N]]) {
          const bias = randn(biasShape);
          const withBias = measureSavedForBackward(() => weightedSum(attention(q, k, v, { bias }), R), [q, k, v, bias]);
          expect(withBias.bytes).toBe(qkvBytes + lseBytes + F32 * bias.size);
        }
        const bias = randn([1, H, N, N]);
        const windowMask = tf.mul(tf.cast(tf.greater(randn([B, N, N]), 0), 'float32'), -100);
        const masked = measureSavedForBackward(() => weightedSum(attention(q, k, v, { bias, windowMask }), R), [q, k, v, bias]);
        expect(masked.bytes).toBe(qkvBytes + lseBytes + F32 * bias.size + F32 * windowMask.size);
        // tfjs' own ops (softmax then matMul) keep P (B·h·N·N floats) on top of q, k, v
        const stock = measureSavedForBackward(() => weightedSum(tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 0.5)), v), R), [q, k, v]);
        expect(stock.bytes).toBeGreaterThanOrEqual(qkvBytes + F32 * B * H * N * N);
        expect(plain.bytes).toBeLessThan(stock.bytes);
      });
    });

    it('frozenLinear keeps nothing on the tape (it reads W by reference in backward)', () => {
      tf.tidy(() => {
        const x = tf.variable(randn([2, 6, 8]));
        const w = randn([8, 5]) as tf.Tensor2D;
        const b = randn([5]) as tf.Tensor1D;
        const R = randn([2, 6, 5]);
        const m = measureSavedForBackward(() => weightedSum(frozenLinear(x, w, b), R), [x]);
        expect(m.bytes).toBe(0);
        expect(m.nodes).toBe(2); // frozenLinear's node and the loss's
        x.dispose();
      });
    });

    it('no tensor leaks over repeated training and inference steps of a small pre-norm block', () => {
      const [B, N, D, H] = [2, 5, 8, 2];
      const x = randn([B, N, D]);
      const gamma = tf.variable(randn([D]) as tf.Tensor1D);
      const beta = tf.variable(randn([D]) as tf.Tensor1D);
      const wQkv = randn([D, 3 * D]) as tf.Tensor2D;
      const w1 = randn([D, 2 * D]) as tf.Tensor2D;
      const w2 = tf.variable(randn([2 * D, D]) as tf.Tensor2D);
      const bias = tf.variable(randn([1, H, N, N]));
      const block = (): tf.Scalar => {
        const h = layerNorm(x, gamma, beta, 1e-6);
        const qkv = tf.transpose(tf.reshape(frozenLinear(h, wQkv, null), [B, N, 3, H, D / H]), [2, 0, 3, 1, 4]);
        const [q, k, v] = tf.unstack(qkv) as tf.Tensor4D[];
        const a = tf.reshape(tf.transpose(attention(q!, k!, v!, { bias }), [0, 2, 1, 3]), [B, N, D]);
        return tf.mean(tf.square(tf.matMul(tf.reshape(gelu(frozenLinear(tf.add(x, a), w1, null)), [B * N, 2 * D]), w2)));
      };
      const step = () => {
        const { value, grads } = tf.variableGrads(block);
        value.dispose();
        tf.dispose(grads);
        tf.tidy(() => block()).dispose();
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, gamma, beta, wQkv, w1, w2, bias]);
    });

    it('frozenLinear: a weight disposed before backward gives an ArgumentError naming the fix', () => {
      const x = randn([3, 4]);
      const torchWeight = randn([5, 4]); // PyTorch layout [O, I]
      // the transposed weight is an intermediate of the forward pass: tfjs disposes it before backward
      expect(() => tf.grad((t) => tf.sum(frozenLinear(t, tf.transpose(torchWeight) as tf.Tensor2D, null)))(x)).toThrow(ArgumentError);
      expect(() => tf.grad((t) => tf.sum(frozenLinear(t, tf.transpose(torchWeight) as tf.Tensor2D, null)))(x)).toThrow(/keep it alive.*tf\.Variable/);
      tf.dispose([x, torchWeight]);
    });
  });
}

describe('transformer ops: typed errors that name the fix', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });

  it('layerNorm', () => {
    tf.tidy(() => {
      const g = tf.ones([4]) as tf.Tensor1D;
      const b = tf.zeros([4]) as tf.Tensor1D;
      expect(() => layerNorm(tf.ones([4]), g, b, 1e-5)).toThrow(ShapeError);
      expect(() => layerNorm(tf.ones([4]), g, b, 1e-5)).toThrow(/rank ≥ 2, e\.g\. \[B, D\]/);
      expect(() => layerNorm(tf.ones([2, 5]), g, b, 1e-5)).toThrow(/gamma has shape \[4\]; it must be \[5\]/);
      expect(() => layerNorm(tf.ones([2, 4]), g, tf.zeros([2, 4]) as unknown as tf.Tensor1D, 1e-5)).toThrow(/beta has shape \[2, 4\]; it must be \[4\]/);
      expect(() => layerNorm(tf.ones([2, 4], 'int32'), g, b, 1e-5)).toThrow(/cast it to float32/);
      for (const eps of [0, -1e-5, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(() => layerNorm(tf.ones([2, 4]), g, b, eps)).toThrow(ArgumentError);
        expect(() => layerNorm(tf.ones([2, 4]), g, b, eps)).toThrow(/finite number > 0/);
      }
    });
  });

  it('gelu', () => {
    expect(() => gelu(tf.tensor1d([1, 2], 'int32'))).toThrow(ShapeError);
    expect(() => gelu(null as unknown as tf.Tensor)).toThrow(/x must be a tf\.Tensor/);
  });

  it('attention', () => {
    tf.tidy(() => {
      const q = tf.ones([2, 3, 5, 4]) as tf.Tensor4D;
      expect(() => attention(tf.ones([2, 5, 12]) as unknown as tf.Tensor4D, q, q)).toThrow(ShapeError);
      expect(() => attention(tf.ones([2, 5, 12]) as unknown as tf.Tensor4D, q, q)).toThrow(/\[B, heads, N, d\].*transpose/);
      expect(() => attention(q, tf.ones([2, 3, 5, 6]) as tf.Tensor4D, q)).toThrow(/agree on B, heads and d/);
      expect(() => attention(q, q, tf.ones([2, 3, 6, 4]) as tf.Tensor4D)).toThrow(/agree on B, heads and N/);
      expect(() => attention(q, q, q, { bias: tf.ones([3, 3, 5, 5]) })).toThrow(/does not broadcast.*\[1, 3, 5, 5\] or \[2, 1, 5, 5\]/);
      expect(() => attention(q, q, q, { bias: tf.ones([1, 1, 2, 3, 5, 5]) })).toThrow(ShapeError);
      expect(() => attention(q, q, q, { scale: 0 })).toThrow(ArgumentError);
      expect(() => attention(q, q, q, { windowMask: tf.zeros([3, 5, 5]) })).toThrow(/\[W, 5, 5\] with W dividing the batch 2/);
      expect(() => attention(q, q, q, { windowMask: tf.zeros([1, 2, 5, 5]) })).toThrow(ShapeError);
      expect(attention(q, q, q, { bias: null as unknown as tf.Tensor }).shape).toEqual([2, 3, 5, 4]); // null from JavaScript: no bias
      expect(() => attention(q, q, q, { scale: Number.NaN })).toThrow(/omit it for 1\/√d = 0\.5/);
    });
  });

  it('frozenLinear', () => {
    tf.tidy(() => {
      const x = tf.ones([2, 6, 8]);
      expect(() => frozenLinear(tf.ones([8]), tf.ones([8, 3]) as tf.Tensor2D, null)).toThrow(/rank ≥ 2/);
      expect(() => frozenLinear(x, tf.ones([3, 8]) as tf.Tensor2D, null)).toThrow(ShapeError);
      expect(() => frozenLinear(x, tf.ones([3, 8]) as tf.Tensor2D, null)).toThrow(/transposed/);
      expect(() => frozenLinear(x, tf.ones([8, 3, 1]) as unknown as tf.Tensor2D, null)).toThrow(/\[I, O\]/);
      expect(() => frozenLinear(x, tf.ones([8, 3]) as tf.Tensor2D, tf.ones([8]) as tf.Tensor1D)).toThrow(/bias has shape \[8\]; it must be \[3\]/);
    });
  });
});
