import { describe, expect, it } from 'vitest';
import { formatFuzzTable } from '@odl/test-utils';
import { fuzzSafetensors } from './fuzz-safetensors';

describe('fuzz: corrupt files give typed errors or exactly what an independent reader reads', () => {
  it('safetensors: 3,000 seeded corrupt files', async () => {
    const { counts, failures } = await fuzzSafetensors(3000);
    console.log(formatFuzzTable({ safetensors: counts }));
    expect(failures).toEqual([]);
    expect(counts['typed-error']).toBeGreaterThan(1000);
    expect(counts['accepted-correct']).toBeGreaterThan(10);
  });
});
