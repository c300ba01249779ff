import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { meanMs, median, medianMs, timeRuns } from '@odl/test-utils';

describe('benchmark helpers', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });

  it('median: the middle value; for an even count the mean of the two middle ones, or the upper one', () => {
    const xs = [3, 1, 4, 2];
    expect(median([5, 1, 3])).toBe(3);
    expect(median(xs)).toBe(2.5);
    expect(median(xs, 'upper')).toBe(3);
    expect(xs).toEqual([3, 1, 4, 2]);
  });

  it('timeRuns: warm-up runs untimed, one time per timed run, returned tensors disposed', () => {
    let calls = 0;
    const before = tf.memory().numTensors;
    const times = timeRuns(() => {
      calls++;
      return tf.ones([4]);
    }, 3, 2);
    expect(calls).toBe(5);
    expect(times).toHaveLength(3);
    expect(times.every((t) => t >= 0)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('medianMs and meanMs time the runs after the warm-up', () => {
    let calls = 0;
    expect(medianMs(() => void calls++, 4, { warmup: 0, even: 'upper' })).toBeGreaterThanOrEqual(0);
    expect(calls).toBe(4);
    expect(meanMs(() => void calls++, 3)).toBeGreaterThanOrEqual(0);
    expect(calls).toBe(8);
  });
});
