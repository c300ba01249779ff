import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf, tuckerCompose } from '@odl/backend';
import { createLayerCompressor, unpackTucker } from '@odl/core';
import { AsiCompressor, asiPlugin, registerShortcut } from '../src/index';
import { refWeightGradient, relFro } from '@odl/test-utils';
import { layerCases, opGradients } from './helpers/cases';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
  registerShortcut();
});

const halfRanks = (shape: number[]) => shape.map((d) => Math.max(1, Math.ceil(d / 2)));

for (const schedule of ['sequential', 'independent'] as const)
describe(`ASI weight gradient (${schedule} schedule)`, () => {
  for (const lc of layerCases) {
    it(`${lc.name}: full rank equals the exact gradient; input and bias gradients equal vanilla`, () => {
      const g = lc.geometry;
      tf.tidy(() => {
        const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', 1);
        const w = tf.randomNormal(g.weightShape, 0, 1, 'float32', 2);
        const b = tf.randomNormal([g.outputShape[g.outputShape.length - 1]], 0, 1, 'float32', 3) as tf.Tensor1D;
        const r = tf.randomNormal(g.outputShape, 0, 1, 'float32', 4);
        const asi = createLayerCompressor('asi', g, { ranks: [...g.inputShape], schedule });
        const vanilla = createLayerCompressor('vanilla', g, {});
        const [dxA, dwA, dbA] = opGradients(lc, asi, x, w, b, r);
        const [dxV, dwV, dbV] = opGradients(lc, vanilla, x, w, b, r);
        const ref = refWeightGradient(g, x, r);
        expect(relFro(dwA.dataSync(), ref)).toBeLessThan(1e-5);
        expect(relFro(dwV.dataSync(), ref)).toBeLessThan(1e-5);
        expect(relFro(dxA.dataSync(), dxV.dataSync())).toBeLessThan(1e-6);
        expect(relFro(dbA.dataSync(), dbV.dataSync())).toBeLessThan(1e-6);
        asi.dispose();
      });
    });

    it(`${lc.name}: low rank equals the exact gradient of the reconstruction`, () => {
      const g = lc.geometry;
      tf.tidy(() => {
        const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', 5);
        const dy = tf.randomNormal(g.outputShape, 0, 1, 'float32', 6);
        const ranks = halfRanks(g.inputShape);
        const c = asiPlugin.create(g, { ranks, seed: 9, schedule }) as AsiCompressor;
        const saved = c.compress(x);
        const { core, factors } = unpackTucker(saved);
        expect(core.shape).toEqual(c.effectiveRanks(g.inputShape));
        for (const u of factors) {
          const gram = tf.matMul(u!, u!, true, false);
          expect(relFro(gram.dataSync(), tf.eye(u!.shape[1]).dataSync())).toBeLessThan(1e-5);
        }
        const approx = tuckerCompose(core, factors);
        const dW = c.weightGradient(saved, dy);
        const ref = refWeightGradient(g, approx, dy);
        expect(relFro(dW.dataSync(), ref)).toBeLessThan(1e-4);
        // The approximation really is low rank: it differs from the exact gradient.
        expect(relFro(dW.dataSync(), refWeightGradient(g, x, dy))).toBeGreaterThan(1e-3);
        // The op passes the saved Tucker form through unchanged: a twin compressor (same seed) agrees.
        const twin = asiPlugin.create(g, { ranks, seed: 9, schedule });
        const w = tf.randomNormal(g.weightShape, 0, 1, 'float32', 7);
        const b = tf.zeros([g.outputShape[g.outputShape.length - 1]]) as tf.Tensor1D;
        const [, dwOp] = opGradients(lc, twin, x, w, b, dy);
        expect(relFro(dwOp.dataSync(), dW.dataSync())).toBeLessThan(1e-6);
        c.dispose();
        twin.dispose();
      });
    });
  }
});
