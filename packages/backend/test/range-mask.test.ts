import { describe, expect, it } from 'vitest';
import { applyMaskBits, rangeMask, rangeMaskBits, setupBackend, tf } from '../src/index';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`rangeMask (${backend})`, () => {
    it('is true exactly where low < x ≤ high, including the kinks, ±0, ±Infinity and NaN', async () => {
      await setupBackend({ prefer: [backend] });
      const special = [0, -0, 6, 6.0001, 5.9999, 1e-45, -1e-45, Infinity, -Infinity, NaN];
      const values = Float32Array.from([...special, ...Array.from({ length: 4000 }, (_, i) => Math.sin(i * 12.9898) * 9)]);
      const x = tf.tensor3d(values, [2, 2005, 1]);
      for (const [low, high] of [[0, 6], [0, Infinity], [-1, 1]] as const) {
        const m = rangeMask(x, low, high);
        expect(m.dtype).toBe('bool');
        expect(m.shape).toEqual([2, 2005, 1]);
        const expected = Array.from(values, (v) => (v > low && v <= high ? 1 : 0));
        expect(Array.from(m.dataSync())).toEqual(expected);
        // the same as tfjs' own comparisons
        const stock = high === Infinity ? tf.greater(x, low) : tf.logicalAnd(tf.greater(x, low), tf.lessEqual(x, high));
        expect(Array.from(m.dataSync())).toEqual(Array.from(stock.dataSync()));
        tf.dispose([m, stock]);
      }
      x.dispose();
    });

    it('rejects a non-float input and an empty range with the fix in the message', async () => {
      await setupBackend({ prefer: [backend] });
      const i = tf.tensor1d([1, 2], 'int32');
      expect(() => rangeMask(i, 0, 6)).toThrow(/expected a float32 tensor, got int32; cast it first/);
      const f = tf.tensor1d([1, 2]);
      expect(() => rangeMask(f, 6, 0)).toThrow(/low 6 must be below high 0/);
      tf.dispose([i, f]);
    });

    it('packs the same mask 8 elements per byte (bit i & 7 of byte i >> 3) and applies it to a gradient', async () => {
      await setupBackend({ prefer: [backend] });
      for (const n of [1, 7, 8, 9, 4013]) {
        const values = Float32Array.from({ length: n }, (_, i) => (i === 0 ? 6 : i === 1 ? 0 : Math.sin(i * 12.9898) * 9));
        const x = tf.tensor1d(values);
        for (const [low, high] of [[0, 6], [0, Infinity]] as const) {
          const bits = rangeMaskBits(x, low, high);
          expect(bits.dtype).toBe('bool');
          expect(bits.size).toBe(Math.ceil(n / 8));
          const packed = bits.dataSync();
          values.forEach((v, i) => expect((packed[i >> 3]! >> (i & 7)) & 1).toBe(v > low && v <= high ? 1 : 0));
          const dy = tf.tensor1d(Float32Array.from({ length: n }, (_, i) => i + 0.5));
          const dx = applyMaskBits(dy, bits);
          const stock = tf.mul(dy, tf.cast(rangeMask(x, low, high), 'float32'));
          expect(Array.from(dx.dataSync())).toEqual(Array.from(stock.dataSync()));
          tf.dispose([bits, dy, dx, stock]);
        }
        x.dispose();
      }
      // the kinks, ±0, denormals, ±Infinity and NaN, in the SIMD body and in the tail (2005 = 8·250 + 5)
      const special = [0, -0, 6, 6.0001, 5.9999, 1e-45, -1e-45, Infinity, -Infinity, NaN];
      const mixed = Float32Array.from({ length: 2005 }, (_, i) => (i % 7 === 0 ? special[(i / 7) % special.length]! : Math.sin(i * 12.9898) * 9));
      mixed.set(special, 1995);
      const xm = tf.tensor1d(mixed);
      for (const [low, high] of [[0, 6], [0, Infinity], [-1, 1]] as const) {
        const packed = rangeMaskBits(xm, low, high);
        const got = packed.dataSync();
        mixed.forEach((v, i) => expect([i, (got[i >> 3]! >> (i & 7)) & 1]).toEqual([i, v > low && v <= high ? 1 : 0]));
        const dy = tf.tensor1d(Float32Array.from(mixed, (v, i) => (i % 3 === 0 ? NaN : i - 1000.25)));
        const dyValues = dy.dataSync();
        const dx = applyMaskBits(dy, packed);
        const dxValues = dx.dataSync();
        mixed.forEach((v, i) => expect([i, dxValues[i]]).toEqual([i, v > low && v <= high ? dyValues[i] : 0]));
        tf.dispose([packed, dy, dx]);
      }
      xm.dispose();
      // where the mask is off the gradient is +0 even for a NaN dy (tfjs' dy × 0 would be NaN)
      const xs = tf.tensor1d([-1, 1, 7]);
      const nanGrad = applyMaskBits(tf.tensor1d([NaN, NaN, -2]), rangeMaskBits(xs, 0, 6));
      expect(Array.from(nanGrad.dataSync())).toEqual([0, NaN, 0]);
      tf.dispose([xs, nanGrad]);
      const x = tf.ones([3, 4]);
      const bits = rangeMaskBits(x, 0, 6);
      expect(() => applyMaskBits(tf.ones([3, 9]), bits)).toThrow(/ceil\(27 \/ 8\) = 4 mask bytes, got float32 and 2 bool/);
      expect(() => rangeMaskBits(tf.ones([2], 'int32'), 0, 6)).toThrow(/cast it first/);
      tf.dispose([x, bits]);
    });
  });
}
