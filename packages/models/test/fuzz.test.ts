import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '@odl/backend';
import { formatFuzzTable } from '@odl/test-utils';
import { checkpointFixture, fuzzCheckpoints, type CheckpointFixture } from './fuzz-checkpoint';
import { fuzzPth } from './fuzz-pth';
import { fuzzSafetensors } from './fuzz-safetensors';

describe('fuzz: corrupt files give typed errors or exactly what an independent reader reads', () => {
  it('safetensors: 3,000 seeded corrupt files', async () => {
    const { counts, failures } = await fuzzSafetensors(3000);
    console.log(formatFuzzTable({ safetensors: counts }));
    expect(failures).toEqual([]);
    expect(counts['typed-error']).toBeGreaterThan(1000);
    expect(counts['accepted-correct']).toBeGreaterThan(10);
  });

  it('pth: 3,000 seeded corrupt files (torch-written and described)', async () => {
    const { counts, failures } = await fuzzPth(3000);
    console.log(formatFuzzTable({ pth: counts }));
    expect(failures).toEqual([]);
    expect(counts['typed-error']).toBeGreaterThan(1000);
    expect(counts['accepted-correct']).toBeGreaterThan(300);
  });

  describe('checkpoints', () => {
    let fixture: CheckpointFixture;
    beforeAll(async () => {
      await setupBackend({ prefer: ['wasm'] });
      fixture = await checkpointFixture();
    });

    it('1,000 seeded corrupt checkpoints: a CheckpointError, or exactly the tensors that were saved', async () => {
      const { counts, failures } = await fuzzCheckpoints(fixture, 1000);
      console.log(formatFuzzTable({ checkpoint: counts }));
      expect(failures).toEqual([]);
      expect(counts['typed-error']).toBeGreaterThan(800);
      expect(counts['accepted-correct']).toBeGreaterThan(5);
    });
  });
});
