import { describe, expect, it } from 'vitest';
import { measurePeakBytes, setupBackend, tf } from '@odl/backend';
import { mcunetIn1, prepareFineTune } from '@odl/models';

// frozenFeatures holds one block's tensors at a time (as the forward does), not the whole frozen
// prefix's: at 224×224 and batch 64 the prefix's intermediates of MCUNet-in1 are 1.6 GiB, which a
// tidy around the whole prefix kept alive until it returned (docs/benchmarks.md, "Whole training step").
describe('ZooModel.frozenFeatures memory', () => {
  it('peaks no higher than the whole forward, and leaves only the features', async () => {
    await setupBackend({ prefer: ['cpu'] });
    const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 3 });
    prepareFineTune(model, { lastN: 2, inputShape: [2, 32, 32, 1], batchNorm: 'frozen-statistics' });
    const k = model.frozenPrefixBlocks();
    expect(k).toBeGreaterThan(3);
    const x = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    // The model's own forward releases each frozen block's tensors once the next block has its
    // input; the frozen prefix alone can need no more than the whole forward.
    const forward = measurePeakBytes(() => model.forward(x), { resident: [x] });
    forward.result.dispose();
    const start = tf.memory().numTensors; // after the first forward (which builds cached constants)
    const m = measurePeakBytes(() => model.frozenFeatures(x, k), { resident: [x] });
    expect(m.peakBytes).toBeLessThanOrEqual(forward.peakBytes);
    expect(m.endBytes - m.residentBytes).toBe(m.result.size * 4); // only the features are left
    m.result.dispose();
    expect(tf.memory().numTensors).toBe(start);
    x.dispose();
    model.dispose();
  });
});
