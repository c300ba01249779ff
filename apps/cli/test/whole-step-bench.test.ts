import { describe, expect, it } from 'vitest';
import { tf } from '@odl/backend';
import { benchWholeStep } from '../src/bench/whole-step';

// The suite's wiring on a small setting (the figures themselves come from `pnpm bench`).
describe('whole-step bench suite', () => {
  it('measures every method of a setting: the breakdown adds up to the peak, ASI keeps less than vanilla, nothing leaks', async () => {
    const tables: string[] = [];
    const rows = await benchWholeStep({
      settings: [{ architecture: 'mcunet-in1', resolution: 32, lastN: 2 }],
      methods: [{ label: 'vanilla', method: 'vanilla' }, { label: 'asi', method: 'asi' }],
      batch: 4,
      steps: 1,
      ratio: 2, // at 32×32 and batch 4, a tenth of vanilla's memory is below ASI's smallest plan
      onTable: (title, md) => tables.push(`${title}\n${md}`),
    });
    const value = (suffix: string) => rows.find((r) => r.name.endsWith(suffix))!.value;
    for (const m of ['vanilla', 'asi']) {
      const peak = value(`${m}: measured peak bytes of the step`);
      const parts = ['weights / input batch / optimizer state', 'kept activations (measured on the tape)', 'gradients', 'transients'].map((p) => value(`${m}: ${p}`));
      expect(parts.reduce((a, b) => a + b, 0)).toBe(peak);
      expect(value(`${m}: transients`)).toBeGreaterThanOrEqual(0);
      expect(value(`${m}: peak after the frozen forward (trainable forward, backward, update)`)).toBeLessThanOrEqual(peak);
      for (const p of ['frozen forward', 'trainable forward', 'backward', 'optimizer update', 'whole step']) expect(value(`${m}: ${p}`)).toBeGreaterThan(0);
    }
    expect(value('asi: kept activations (measured on the tape)')).toBeLessThan(value('vanilla: kept activations (measured on the tape)'));
    expect(value('vanilla: weights / input batch / optimizer state')).toBe(value('asi: weights / input batch / optimizer state'));
    expect(rows.some((r) => r.name.includes('tensors leaked per step'))).toBe(false);
    expect(value('tensors alive after the suite minus before')).toBe(0);
    expect(tables).toHaveLength(1);
    expect(tables[0]).toContain('mcunet-in1, 32×32, batch 4, last 2 layers');
    expect(tf.getBackend()).toBe('wasm');
  }, 120_000);
});
