import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { compressedConv2d, conv2dGeometry, createLayerCompressor, getMethod, hasMethod, resolveOptions, type LayerCompressor, type LayerGeometry } from '@odl/core';
import { registerLowrank } from '@odl/lowrank';
import { registerShortcut } from '@odl/shortcut';
import { activationBytesOf, layerCost, profileTrainingStep } from '@odl/profiler';

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
  /** Also measure the peak bytes (one extra profiled step). */
  measurePeak: boolean;
}

// The analytic count asks the plugin: a data-dependent method (HOSVD_ε, SVD_ε) gives, through its
// costOptionsFor, the ranks it reaches on the step's input.
const CASES: MethodCase[] = [
  { method: 'vanilla', options: {}, measurePeak: false },
  { method: 'asi', options: { ranks: [3, 3, 3, 4] }, measurePeak: true },
  { method: 'hosvd', options: { epsilon: 0.8 }, measurePeak: false },
  { method: 'svd', options: { epsilon: 0.8 }, measurePeak: false },
  { method: 'gradient-filter', options: { radius: 2 }, measurePeak: false },
];

describe('measured retained bytes of a real training step equal the analytic count asked of the plugin (within 1%)', () => {
  const geometry: LayerGeometry = conv2dGeometry([16, 8, 8, 12], [3, 3, 12, 10], { pad: 'same' });
  let x: tf.Tensor4D;
  beforeAll(() => {
    x = structuredInput([16, 8, 8, 12]);
  });
  afterAll(() => x.dispose());

  for (const c of CASES) {
    // A missing plugin is reported by name in the test title (and fails the 'all present' test below).
    it(`${c.method}: retained bytes = the plugin's analytic bytes`, async () => {
      const compressor: LayerCompressor = createLayerCompressor(c.method, geometry, c.options);
      const w = tf.variable(tf.randomNormal([3, 3, 12, 10], 0, 0.1, 'float32', 3));
      let lossInputs: tf.Tensor[] = [];
      let lastRanks: unknown = null;
      const compress = compressor.compress.bind(compressor);
      compressor.compress = (input) => {
        const act = compress(input);
        lastRanks = (act.meta.tucker as { ranks?: number[] } | undefined)?.ranks ?? act.meta.rank ?? null;
        return act;
      };
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
        measurePeak: c.measurePeak,
      });
      const plugin = getMethod(c.method);
      const options = resolveOptions(plugin, c.options);
      const costOptions = plugin.costOptionsFor?.(geometry, options, x) ?? options;
      if (plugin.costOptionsFor != null) expect(lastRanks).toEqual((costOptions as { ranks?: number[]; rank?: number }).ranks ?? (costOptions as { rank?: number }).rank);
      const expected = activationBytesOf(layerCost(geometry, c.method, costOptions));
      expect(Math.abs(profile.retainedBytes - expected) / expected).toBeLessThanOrEqual(0.01);
      expect(Math.abs(profile.layerRetainedBytes! - expected) / expected).toBeLessThanOrEqual(0.01);
      expect(profile.leakedTensors).toBe(0);
      expect(profile.forward.samplesMs).toHaveLength(2);
      for (const phase of [profile.forward, profile.compression, profile.backward, profile.optimizer]) expect(phase.minMs).toBeGreaterThanOrEqual(0);
      if (c.measurePeak) {
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
    expect(CASES.map((c) => c.method).filter((m) => !hasMethod(m))).toEqual([]);
  });
});
