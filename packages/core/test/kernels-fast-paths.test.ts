import { setupBackend, tf } from '@odl/backend';
import { describe, expect, it } from 'vitest';
import { refConvWeightGrad, refGeom, relFro } from '@odl/test-utils';
import { smallConvWeightGradient } from '../src/internal/kernels';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`core kernels: im2col weight gradient (${backend})`, () => {
    const cases: { name: string; x: [number, number, number, number]; k: [number, number]; s: [number, number]; d: [number, number]; o: number }[] = [
      { name: '3×3 s1', x: [4, 9, 9, 16], k: [3, 3], s: [1, 1], d: [1, 1], o: 12 },
      { name: '3×3 s2 odd', x: [3, 9, 8, 5], k: [3, 3], s: [2, 2], d: [1, 1], o: 7 },
      { name: '3×3 dilation 2', x: [2, 10, 9, 4], k: [3, 3], s: [1, 1], d: [2, 2], o: 6 },
      { name: '5×3 s[2,1]', x: [2, 11, 7, 3], k: [5, 3], s: [2, 1], d: [1, 1], o: 5 },
    ];
    for (const c of cases) {
      it(`smallConvWeightGradient ${c.name} equals the definition`, async () => {
        await setupBackend({ prefer: [backend] });
        const Ho = Math.floor((c.x[1] - (c.k[0] - 1) * c.d[0] - 1) / c.s[0]) + 1;
        const Wo = Math.floor((c.x[2] - (c.k[1] - 1) * c.d[1] - 1) / c.s[1]) + 1;
        const ds: [number, number, number, number] = [c.x[0], Ho, Wo, c.o];
        tf.tidy(() => {
          const x = tf.randomNormal(c.x, 0, 1, 'float32', 3) as tf.Tensor4D;
          const dy = tf.randomNormal(ds, 0, 1, 'float32', 4) as tf.Tensor4D;
          const dw = smallConvWeightGradient(x, dy, c.k, c.s, c.d);
          expect(dw).not.toBeNull();
          expect(dw!.shape).toEqual([c.k[0], c.k[1], c.x[3], c.o]);
          const ref = refConvWeightGrad(refGeom(c.x, c.k, c.s, c.d, 'valid'), c.o, x.dataSync(), dy.dataSync());
          expect(relFro(dw!.dataSync(), ref)).toBeLessThan(1e-5);
        });
      });
    }

    it('smallConvWeightGradient declines inputs whose patches exceed the limit', async () => {
      await setupBackend({ prefer: [backend] });
      tf.tidy(() => {
        const x = tf.zeros([8, 66, 66, 64]) as tf.Tensor4D; // 9 taps × 8·64·64 rows × 64 channels > 4 M
        const dy = tf.zeros([8, 64, 64, 2]) as tf.Tensor4D;
        expect(smallConvWeightGradient(x, dy, [3, 3], [1, 1], [1, 1])).toBeNull();
      });
    });
  });
}
