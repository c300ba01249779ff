import { describe, expect, it } from 'vitest';
import { dequantizeInt8Columns, quantizeInt8Columns, setupBackend, tf } from '../src/index';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`int8 column quantization (${backend})`, () => {
    it('matches a Float64 reference: per-column scale max|x|/127, codes round(x/scale), error ≤ scale/2', async () => {
      await setupBackend({ prefer: [backend] });
      const shape = [3, 1, 7, 5];
      const cols = 5;
      const values = Float32Array.from({ length: 105 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % cols)) ** 2 * 0.01);
      for (let i = 2; i < values.length; i += cols) values[i] = 0; // column 2 all zero
      const x = tf.tensor(values, shape);
      const before = tf.memory().numBytes;
      const q = quantizeInt8Columns(x);
      expect(tf.memory().numBytes - before).toBe(105 + 4 * cols); // one byte per code, 4 per scale
      expect(q.codes.dtype).toBe('bool');
      expect(q.codes.shape).toEqual(shape);
      const scale = Array.from({ length: cols }, (_, j) => {
        let m = 0;
        for (let i = j; i < values.length; i += cols) m = Math.max(m, Math.abs(values[i]!));
        return Math.fround(m / 127); // m is a float32 value; the scale is stored in float32
      });
      const scales = q.scales.dataSync();
      scale.forEach((s, j) => expect(scales[j]!).toBe(s));
      const codes = q.codes.dataSync();
      for (let i = 0; i < values.length; i++) {
        const s = scale[i % cols]!;
        expect(codes[i]).toBe(s === 0 ? 128 : 128 + Math.round(values[i]! / s));
      }
      const back = dequantizeInt8Columns(q);
      expect(back.shape).toEqual(shape);
      const b = back.dataSync();
      for (let i = 0; i < values.length; i++) expect(Math.abs(b[i]! - values[i]!)).toBeLessThanOrEqual(scale[i % cols]! / 2 + 1e-7);
      // each column's largest magnitude comes back exactly (code ±127)
      for (let j = 0; j < cols; j++) {
        let m = 0;
        for (let i = j; i < values.length; i += cols) m = Math.max(m, Math.abs(b[i]!));
        expect(m).toBeCloseTo(scale[j]! * 127, 6);
      }
      tf.dispose([x, q.codes, q.scales, back]);
    });

    it('round-trips codes through quantize → dequantize → quantize unchanged', async () => {
      await setupBackend({ prefer: [backend] });
      const x = tf.randomNormal([40, 6], 0, 3, 'float32', 5);
      const q1 = quantizeInt8Columns(x);
      const back = dequantizeInt8Columns(q1);
      const q2 = quantizeInt8Columns(back);
      expect(Array.from(q2.codes.dataSync())).toEqual(Array.from(q1.codes.dataSync()));
      tf.dispose([x, q1.codes, q1.scales, back, q2.codes, q2.scales]);
    });

    it('rejects non-float input, scalars, non-finite values and mismatched scales with the fix', async () => {
      await setupBackend({ prefer: [backend] });
      const i = tf.tensor1d([1, 2], 'int32');
      expect(() => quantizeInt8Columns(i)).toThrow(/expected a float32 tensor, got int32; cast it first/);
      const s = tf.scalar(1);
      expect(() => quantizeInt8Columns(s)).toThrow(/rank ≥ 1/);
      const bad = tf.tensor2d([[1, NaN], [2, 3]]);
      expect(() => quantizeInt8Columns(bad)).toThrow(/column 1 holds a non-finite value/);
      const inf = tf.tensor2d([[Infinity, 1]]);
      expect(() => quantizeInt8Columns(inf)).toThrow(/column 0 holds a non-finite value/);
      const q = quantizeInt8Columns(tf.ones([2, 3]));
      const wrong = tf.zeros([2]) as tf.Tensor1D;
      expect(() => dequantizeInt8Columns({ codes: q.codes, scales: wrong })).toThrow(/one per column/);
      tf.dispose([i, s, bad, inf, q.codes, q.scales, wrong]);
    });
  });
}
