import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { compressedConv2d, conv2dGeometry, createLayerCompressor, hasCompressor, type CompressedActivation, type LayerCompressor, type LayerGeometry } from '@odl/core';
import { registerLowrank } from '@odl/lowrank';
import { registerShortcut } from '@odl/shortcut';
import { layerCost, profileTrainingStep } from '@odl/profiler';

// registered at load time: the per-method cases below are created (or skipped, by name) when the file is collected
registerLowrank();
registerShortcut();

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

/**
 * A structured activation (rank ≤ 2 in every mode, plus a little noise) so that HOSVD_ε and
 * SVD_ε reach small ranks below every dimension.
 */
function structuredInput(shape: [number, number, number, number]): tf.Tensor4D {
  return tf.tidy(() => {
    let acc = tf.zeros(shape);
    for (let r = 0; r < 2; r++) {
      const [b, h, w, c] = shape.map((d, i) => tf.randomNormal([d], 0, 1, 'float32', 11 + 7 * r + i));
      const outer = tf.mul(tf.mul(tf.reshape(b, [shape[0], 1, 1, 1]), tf.reshape(h, [1, shape[1], 1, 1])), tf.mul(tf.reshape(w, [1, 1, shape[2], 1]), tf.reshape(c, [1, 1, 1, shape[3]])));
      acc = tf.add(acc, tf.mul(outer, 2 - r));
    }
    return tf.add(acc, tf.randomNormal(shape, 0, 1e-3, 'float32', 5)) as tf.Tensor4D;
  });
}

interface MethodCase {
  method: string;
  options: Record<string, unknown>;
  /** Analytic options of the cost model, from what the compressor reached (ranks are data-dependent for ε methods). */
  analytic: (last: CompressedActivation) => Record<string, unknown>;
}

const CASES: MethodCase[] = [
  { method: 'vanilla', options: {}, analytic: () => ({}) },
  { method: 'asi', options: { ranks: [3, 3, 3, 4] }, analytic: () => ({ ranks: [3, 3, 3, 4] }) },
  { method: 'hosvd', options: { epsilon: 0.8 }, analytic: (a) => ({ ranks: (a.meta.tucker as { ranks: number[] }).ranks }) },
  { method: 'svd', options: { epsilon: 0.8 }, analytic: (a) => ({ rank: a.meta.rank as number }) },
  { method: 'gradient-filter', options: { radius: 2 }, analytic: () => ({ radius: 2 }) },
];

describe('measured retained bytes of a real training step equal the analytic count (within 1%)', () => {
  const geometry: LayerGeometry = conv2dGeometry([16, 8, 8, 12], [3, 3, 12, 10], { pad: 'same' });
  let x: tf.Tensor4D;
  beforeAll(() => {
    x = structuredInput([16, 8, 8, 12]);
  });
  afterAll(() => x.dispose());

  for (const c of CASES) {
    // A missing plugin is reported by name in the test title (and fails the 'all present' test below).
    it(`${c.method}: retained bytes = analytic elements × 4`, async () => {
      const compressor: LayerCompressor = createLayerCompressor(c.method, geometry, c.options);
      const w = tf.variable(tf.randomNormal([3, 3, 12, 10], 0, 0.1, 'float32', 3));
      let lossInputs: tf.Tensor[] = [];
      let last: CompressedActivation | null = null;
      const compress = compressor.compress.bind(compressor);
      compressor.compress = (input) => (last = compress(input));
      const forward = () => {
        const y = compressedConv2d(x, w as unknown as tf.Tensor4D, null, {}, compressor);
        const sq = tf.square(y);
        lossInputs = [y, sq];
        return tf.sum(sq) as tf.Scalar;
      };
      const before = tf.memory().numTensors;
      const optimizer = tf.train.sgd(1e-3);
      const profile = await profileTrainingStep({
        forward,
        variables: [w],
        optimizer,
        steps: 2,
        warmup: 1,
        compressors: [compressor],
        exclude: () => lossInputs, // the loss's own saved tensors (Square saves y, Sum saves y²) are not the layer's
        layerOutputs: () => lossInputs.slice(0, 1),
        measurePeak: c.method === 'asi',
      });
      const expected = layerCost(geometry, c.method, c.analytic(last!), { source: 'builtin' }).activationElements * 4;
      expect(Math.abs(profile.retainedBytes - expected) / expected).toBeLessThanOrEqual(0.01);
      expect(Math.abs(profile.layerRetainedBytes! - expected) / expected).toBeLessThanOrEqual(0.01);
      expect(profile.leakedTensors).toBe(0);
      expect(profile.forward.samplesMs).toHaveLength(2);
      for (const phase of [profile.forward, profile.compression, profile.backward, profile.optimizer]) expect(phase.minMs).toBeGreaterThanOrEqual(0);
      if (c.method === 'asi') {
        expect(profile.peakBytes).toBeGreaterThan(0);
        expect(profile.peakAboveStartBytes).toBeGreaterThan(0);
      }
      compressor.dispose();
      optimizer.dispose();
      w.dispose();
      expect(tf.memory().numTensors).toBe(before - 1);
    });
  }

  it('every method of issue #4 is registered (asi from @odl/shortcut; hosvd, svd, gradient-filter from @odl/lowrank)', () => {
    expect(CASES.map((c) => c.method).filter((m) => !hasCompressor(m))).toEqual([]);
  });
});
