import { measureSavedForBackward, setupBackend, tf } from '@odl/backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { foldBatchNormIntoConv, frozenBatchNorm, relu6Masked, reluMasked, softmaxCrossEntropy } from '../src/index';
import { relFro } from '@odl/test-utils';
import { randn, weightedSum } from './helpers';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`memory-lean ops (${backend})`, () => {
    beforeAll(async () => {
      await setupBackend({ prefer: [backend] });
    });

    const bn = () => ({
      mean: randn([5]) as tf.Tensor1D,
      variance: tf.add(tf.square(randn([5])), 0.1) as tf.Tensor1D,
      scale: randn([5]) as tf.Tensor1D,
      offset: randn([5]) as tf.Tensor1D,
      epsilon: 1e-5,
    });

    it('frozenBatchNorm equals tf.batchNorm (value and input gradient) and keeps C floats', () => {
      tf.tidy(() => {
        const p = bn();
        const x = randn([3, 4, 4, 5]);
        const R = randn([3, 4, 4, 5]);
        const stock = (t: tf.Tensor) => tf.batchNorm(t, p.mean, p.variance, p.offset, p.scale, p.epsilon);
        expect(relFro(frozenBatchNorm(x, p), stock(x))).toBeLessThan(1e-6);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(frozenBatchNorm(t, p), R)))(x);
        const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(stock(t), R)))(x);
        expect(relFro(g, ref)).toBeLessThan(1e-5);
        const xv = tf.variable(x);
        const m = measureSavedForBackward(() => weightedSum(frozenBatchNorm(xv, p), R), [xv]);
        expect(m.bytes).toBe(5 * 4);
        xv.dispose();
      });
    });

    it('foldBatchNormIntoConv gives the same function as conv + BatchNorm', () => {
      tf.tidy(() => {
        const p = bn();
        const x = randn([2, 6, 6, 3]) as tf.Tensor4D;
        const w = randn([3, 3, 3, 5]) as tf.Tensor4D;
        const b = randn([5]) as tf.Tensor1D;
        const ref = tf.batchNorm(tf.add(tf.conv2d(x, w, 1, 'same'), b), p.mean, p.variance, p.offset, p.scale, p.epsilon);
        const f = foldBatchNormIntoConv(w, b, p);
        expect(relFro(tf.add(tf.conv2d(x, f.weight as tf.Tensor4D, 1, 'same'), f.bias), ref)).toBeLessThan(1e-5);
        // depthwise, multiplier 1 → 5 output channels
        const wd = randn([3, 3, 5, 1]) as tf.Tensor4D;
        const xd = randn([2, 6, 6, 5]) as tf.Tensor4D;
        const refD = tf.batchNorm(tf.depthwiseConv2d(xd, wd, 1, 'same'), p.mean, p.variance, p.offset, p.scale, p.epsilon);
        const fd = foldBatchNormIntoConv(wd, null, p, 'depthwise');
        expect(relFro(tf.add(tf.depthwiseConv2d(xd, fd.weight as tf.Tensor4D, 1, 'same'), fd.bias), refD)).toBeLessThan(1e-5);
      });
    });

    for (const [name, ours, stock] of [
      ['reluMasked', reluMasked, tf.relu],
      ['relu6Masked', relu6Masked, tf.relu6],
    ] as const) {
      it(`${name} equals the stock op and keeps a 1-bit mask`, () => {
        tf.tidy(() => {
          // include the kinks exactly: 0 and 6
          const x = tf.concat([tf.mul(randn([200]), 5), tf.tensor1d([0, 6, -0, 6.0001, 5.9999])]);
          const R = randn([205]);
          expect(relFro(ours(x), stock(x))).toBe(0);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(ours(t), R)))(x);
          const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(stock(t), R)))(x);
          expect(relFro(g, ref)).toBe(0);
          const xv = tf.variable(x);
          const m = measureSavedForBackward(() => weightedSum(ours(xv), R), [xv]);
          expect(m.bytes).toBe(Math.ceil(205 / 8)); // 26 bytes of packed bits
          expect(m.byDtype.bool).toBe(26);
          xv.dispose();
        });
      });
    }

    it('softmaxCrossEntropy equals tf.losses.softmaxCrossEntropy and keeps one [B, K] tensor', () => {
      tf.tidy(() => {
        const logits = tf.mul(randn([6, 4]), 3);
        const idx = tf.tensor1d([0, 3, 1, 1, 2, 3], 'int32');
        const onehot = tf.oneHot(idx, 4);
        const ref = (lg: tf.Tensor) => tf.losses.softmaxCrossEntropy(onehot, lg);
        for (const labels of [idx, onehot]) {
          expect(relFro(softmaxCrossEntropy(logits, labels), ref(logits))).toBeLessThan(1e-6);
          const g = tf.grad((lg: tf.Tensor) => softmaxCrossEntropy(lg, labels))(logits);
          expect(relFro(g, tf.grad((lg: tf.Tensor) => ref(lg) as tf.Scalar)(logits))).toBeLessThan(1e-5);
        }
        const soft = tf.softmax(randn([6, 4]));
        const gSoft = tf.grad((lg: tf.Tensor) => softmaxCrossEntropy(lg, soft, 'sum'))(logits);
        const refSoft = tf.grad((lg: tf.Tensor) => tf.neg(tf.sum(tf.mul(soft, tf.logSoftmax(lg)))))(logits);
        expect(relFro(gSoft, refSoft)).toBeLessThan(1e-5);
        const lv = tf.variable(logits);
        const m = measureSavedForBackward(() => softmaxCrossEntropy(lv, idx) as tf.Scalar, [lv]);
        expect(m.bytes).toBe(6 * 4 * 4);
        lv.dispose();
        expect(() => softmaxCrossEntropy(logits, tf.tensor1d([1, 2], 'int32'))).toThrow(/2 labels for a batch of 6/);
      });
    });
  });
}
