import { describe, expect, it } from 'vitest';
import { modeDotsF64, modeProductF64, relFro } from '@odl/test-utils';
import { ShapeError, modeCombine, modeDots, setupBackend, tf } from '../src/index';

// modeCombine (A ×_n Uᵀ) and modeDots (A_(n) Z_(n)ᵀ) against slow Float64 loops written from the
// definitions, on shapes that reach every block of the wasm SIMD loops (combine: 8-row calls and a
// shorter last one; dots: 4-, 2- and 1-row blocks; 4-, 2- and 1-column blocks, odd vector counts)
// and the tensor-op fallback (trailing size not a multiple of 4, or shorter than 64).

const cases: { shape: number[]; mode: number; k: number }[] = [
  { shape: [64, 7, 7, 24], mode: 0, k: 4 }, // 8 combine calls of 8 rows, 4-row dots blocks, one 4-column block, Q/4 = 294 vectors (even)
  { shape: [9, 5, 3, 12], mode: 0, k: 6 }, // odd rows (combine: 8 + 1), 4 + 2 columns, Q/4 = 45 vectors (odd)
  { shape: [4, 7, 7, 16], mode: 1, k: 4 }, // an inner mode: P = 4 slabs
  { shape: [3, 5, 4, 20], mode: 1, k: 5 }, // P = 3 slabs, odd rows, 4 + 1 columns, Q = 80
  { shape: [3, 6, 5, 8], mode: 2, k: 3 }, // Q = 8: rows too short for the SIMD loops, the fallback
  { shape: [5, 6, 7], mode: 1, k: 2 }, // Q = 7: the tensor-op fallback
  { shape: [6, 10], mode: 1, k: 3 }, // the last mode (Q = 1): the fallback
  { shape: [5, 3, 64], mode: 2, k: 6 }, // the last mode with rows of 64 floats: the dots loop against Uᵀ (15 rows, 4 + 2 columns)
  { shape: [2, 3, 5000], mode: 1, k: 5 }, // long rows
];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`modeCombine and modeDots (${backend})`, () => {
    for (const { shape, mode, k } of cases) {
      it(`[${shape.join(', ')}], mode ${mode}, k = ${k}: equal Float64 loops`, async () => {
        await setupBackend({ prefer: [backend] });
        const a = tf.randomNormal(shape, 0.1, 1, 'float32', 3);
        const u = tf.randomNormal([shape[mode]!, k], 0, 1, 'float32', 4) as tf.Tensor2D;
        const before = tf.memory().numTensors;
        const z = modeCombine(a, mode, u);
        expect(z.shape).toEqual(shape.map((s, i) => (i === mode ? k : s)));
        const av = a.dataSync() as Float32Array;
        const zv = z.dataSync() as Float32Array;
        expect(relFro(zv, modeProductF64(av, shape, u.dataSync(), k, mode, true).data)).toBeLessThan(1e-6);
        const p = modeDots(a, mode, z);
        expect(p.shape).toEqual([shape[mode], k]);
        expect(relFro(p.dataSync(), modeDotsF64(av, shape, mode, zv, k))).toBeLessThan(1e-5);
        tf.dispose([z, p]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([a, u]);
      });
    }

    it('reject a factor or z of the wrong shape, a bad mode and a non-float tensor, naming the fix', async () => {
      await setupBackend({ prefer: [backend] });
      const a = tf.ones([4, 6, 8]);
      const bad = [
        () => modeCombine(a, 1, tf.ones([5, 2]) as tf.Tensor2D),
        () => modeCombine(a, 3, tf.ones([6, 2]) as tf.Tensor2D),
        () => modeCombine(tf.ones([4, 6], 'int32'), 0, tf.ones([4, 2]) as tf.Tensor2D),
        () => modeDots(a, 1, tf.ones([4, 2, 7])),
      ];
      expect(bad[0]).toThrow(ShapeError);
      expect(bad[0]).toThrow(/mode 1 has size 6, so pass a float32 \[6, k\]/);
      expect(bad[1]).toThrow(/mode 3 is not an axis of a rank-3 tensor/);
      expect(bad[2]).toThrow(/expected a float32 tensor, got int32/);
      expect(bad[3]).toThrow(/shaped like a \[4, 6, 8\] except on axis 1/);
      a.dispose();
    });
  });
}
