import { describe, expect, it } from 'vitest';
import { measureSavedForBackward, setupBackend, tf, tuckerCompose } from '@odl/backend';
import { compressedConv2d, compressedDense, conv2dGeometry, denseGeometry, tuckerStorageCount, unpackTucker } from '@odl/core';
import { AsiCompressor, asiPlugin } from '../src/index';
import { refWeightGradient, relFro } from '@odl/test-utils';
import { layerCases } from './helpers/cases';

const variable = <R extends tf.Rank>(t: tf.Tensor<R>): tf.Variable<R> => {
  const v = tf.variable(t);
  t.dispose();
  return v;
};

const rand = (shape: number[], seed: number): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', seed);

const halfRanks = (shape: number[]) => shape.map((d) => Math.max(1, Math.ceil(d / 2)));

describe('ASI with int8 storage', () => {
  for (const lc of layerCases) {
    it(`${lc.name}: the gradient is the exact gradient of the decoded Tucker form, which is the float32 one rounded per column`, async () => {
      await setupBackend({ prefer: ['cpu'] });
      const g = lc.geometry;
      tf.tidy(() => {
        const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', 5);
        const dy = tf.randomNormal(g.outputShape, 0, 1, 'float32', 6);
        const ranks = halfRanks(g.inputShape);
        const q = asiPlugin.create(g, { ranks, seed: 9, storage: 'int8' }) as AsiCompressor;
        const f = asiPlugin.create(g, { ranks, seed: 9 }) as AsiCompressor;
        const savedQ = q.compress(x);
        const savedF = f.compress(x);
        const expected = tuckerStorageCount(g.inputShape, q.effectiveRanks(g.inputShape), 'int8');
        expect(savedQ.bytes).toBe(expected.bytes);
        expect(savedQ.elements).toBe(expected.elements);
        expect(savedQ.tensors.filter((t) => t.dtype === 'bool').length).toBe(savedQ.tensors.length / 2);
        const decoded = unpackTucker(savedQ);
        const exact = unpackTucker(savedF);
        expect(decoded.decoded).toBe(true);
        // each decoded value within half a step (max |column| / 254) of the float32 value
        [decoded.core, ...decoded.factors].forEach((t, i) => {
          const ref = [exact.core, ...exact.factors][i]!;
          const cols = ref.shape[ref.rank - 1]!;
          const r = ref.dataSync();
          const d = t!.dataSync();
          const colMax = new Float64Array(cols);
          r.forEach((v, j) => (colMax[j % cols] = Math.max(colMax[j % cols]!, Math.abs(v))));
          r.forEach((v, j) => expect(Math.abs(d[j]! - v)).toBeLessThanOrEqual(colMax[j % cols]! / 254 + 1e-6));
        });
        const dW = q.weightGradient(savedQ, dy);
        const ref = refWeightGradient(g, tuckerCompose(decoded.core, decoded.factors), dy);
        expect(relFro(dW.dataSync(), ref)).toBeLessThan(1e-4);
        // and it is close to, but not the same as, the float32-storage gradient
        const errToF32 = relFro(dW.dataSync(), f.weightGradient(savedF, dy).dataSync());
        expect(errToF32).toBeGreaterThan(0);
        expect(errToF32).toBeLessThan(0.03);
        q.dispose();
        f.dispose();
      });
    });
  }

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: the bytes retained between forward and backward are the int8 count, about 4× below float32`, async () => {
      await setupBackend({ prefer: [backend] });
      const g = conv2dGeometry([8, 10, 10, 12], [3, 3, 12, 6], { pad: 'same' });
      const ranks = [4, 5, 5, 6];
      const c = asiPlugin.create(g, { ranks, storage: 'int8' }) as AsiCompressor;
      const start = tf.memory().numTensors;
      const x = rand(g.inputShape, 1) as tf.Tensor4D;
      const w = variable(rand(g.weightShape, 2) as tf.Tensor4D);
      for (let step = 0; step < 2; step++) {
        const m = measureSavedForBackward(() => compressedConv2d(x, w, null, { pad: 'same' }, c), [w]);
        const int8 = tuckerStorageCount(g.inputShape, ranks, 'int8');
        const f32 = tuckerStorageCount(g.inputShape, ranks, 'float32');
        expect(m.bytes).toBe(int8.bytes); // 1 byte per code, 4 per scale
        expect(m.tensors).toBe(10); // codes + scales for the core and 4 factors
        expect(f32.bytes / m.bytes).toBeGreaterThan(3.5);
      }
      expect(c.lastStarts).toEqual(['warm', 'warm', 'warm', 'warm']);
      const gd = denseGeometry([6, 7, 16], [16, 5]);
      const cd = asiPlugin.create(gd, { ranks: [3, 7, 4], storage: 'int8' }) as AsiCompressor;
      const xd = tf.randomNormal(gd.inputShape, 0, 1, 'float32', 3);
      const wd = variable(rand(gd.weightShape, 4) as tf.Tensor2D);
      const md = measureSavedForBackward(() => compressedDense(xd, wd, null, cd), [wd]);
      expect(md.bytes).toBe(tuckerStorageCount(gd.inputShape, [3, 7, 4], 'int8').bytes);
      c.dispose();
      cd.dispose();
      [x, w, xd, wd].forEach((t) => t.dispose());
      expect(tf.memory().numTensors).toBe(start);
    });
  }

  it('rejects an unknown storage with the choices', () => {
    const g = denseGeometry([6, 16], [16, 5]);
    expect(() => asiPlugin.create(g, { ranks: [3, 4], storage: 'int4' as never })).toThrow(/storage must be 'float32' or 'int8', got int4/);
  });
});
