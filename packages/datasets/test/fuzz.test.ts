// Seeded fuzzing of every dataset parser, each mutated input judged by an independent reference
// (Node's zlib, spec readings of IDX, CIFAR and PNG written in test/fuzz/references.ts): a typed
// error must meet a rejecting reference, an accepted input must equal the reference's reading,
// nothing may throw untyped or take over 2 s. Long mode: scripts/fuzz.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { formatFuzzTable, runFuzzTarget, type FuzzCounts } from '@odl/test-utils';
import { createNodeImageDecoder } from '@odl/datasets';
import { datasetFuzzTargets } from './fuzz/targets';

const COUNT = Number(process.env.ODL_FUZZ_COUNT ?? 2000);

describe('fuzz: dataset parsers against independent references', async () => {
  const targets = datasetFuzzTargets(await createNodeImageDecoder());
  const rows: Record<string, FuzzCounts> = {};
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });
  it('every seed file is valid to its reference and read exactly', async () => {
    for (const target of targets) {
      for (const [i, seed] of target.seeds.entries()) {
        const ref = target.reference(seed);
        expect(ref.valid, `${target.name} seed ${i}`).toBe(true);
        const ours = await target.parse(seed);
        expect(target.compare(ours, (ref as { value: unknown }).value), `${target.name} seed ${i}`).toBeNull();
      }
    }
  });
  for (const target of targets) {
    it(`${target.name}: ${COUNT} inputs`, async () => {
      const before = tf.memory().numTensors;
      const { counts, failures } = await runFuzzTarget(target, { count: COUNT, seed: `odl-fuzz:${target.name}` });
      rows[target.name] = counts;
      expect(tf.memory().numTensors).toBe(before);
      expect(failures).toEqual([]);
      expect(counts['typed-error'] + counts['accepted-correct']).toBe(COUNT);
      expect(counts['typed-error']).toBeGreaterThan(COUNT / 4); // the mutations do reach the checks
    });
  }
  it('prints the counts', () => {
    console.log(formatFuzzTable(rows));
  });
});
