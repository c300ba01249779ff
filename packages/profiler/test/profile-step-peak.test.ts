import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { profileTrainingStep } from '@odl/profiler';

// profileTrainingStep's peak counts each buffer once. The forward makes one 1 MB buffer and ten
// reshapes of it (views of the same buffer, docs/traps.md): the step's peak is that buffer plus a
// few scalars, not eleven megabytes, which is what tf.profile's peakBytes reports.
const BIG_ELEMENTS = 250_000;
const BIG_BYTES = 4 * BIG_ELEMENTS; // 1 000 000
const VIEWS = 10;

describe('profileTrainingStep: peak bytes, each buffer once', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });

  it('a buffer viewed by ten reshapes counts once; the variables count from the start', async () => {
    const w = tf.variable(tf.scalar(2));
    const forward = (): tf.Scalar => {
      const big = tf.fill([BIG_ELEMENTS], 1);
      for (let i = 0; i < VIEWS; i++) tf.reshape(big, [500, 500]);
      return tf.mul(w, tf.scalar(3));
    };
    const before = tf.memory().numTensors;
    const p = await profileTrainingStep({ forward, variables: [w], steps: 1, warmup: 0 });
    // the variable (4 bytes) is resident; above it: the 1 MB buffer and the step's scalars (the
    // constant, the loss, the gradient and the tape's ones: a few bytes each, under 100 in all)
    expect(p.peakAboveStartBytes).toBeGreaterThanOrEqual(BIG_BYTES);
    expect(p.peakAboveStartBytes).toBeLessThan(BIG_BYTES + 100);
    expect(p.peakBytes).toBe(p.peakAboveStartBytes! + 4);

    // what the meter replaced: tf.profile counts the buffer once per view
    const profiled = await tf.profile(() => {
      tf.tidy(() => {
        forward();
      });
    });
    expect(profiled.peakBytes).toBeGreaterThanOrEqual((VIEWS + 1) * BIG_BYTES);
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});
