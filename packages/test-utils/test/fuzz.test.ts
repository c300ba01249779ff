import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@odl/backend';
import { MUTATION_KINDS, mutateBytes, type Mutation } from '@odl/test-utils';

const valid = Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff);
const draw = (seed: string, n: number): Mutation[] => {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, () => mutateBytes(valid, rng));
};
const differingBytes = (a: Uint8Array, b: Uint8Array): number => a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), 0);

describe('mutateBytes', () => {
  it('is seeded: equal seeds give equal inputs, and the valid input is never modified', () => {
    const copy = valid.slice();
    const a = draw('s', 200);
    const b = draw('s', 200);
    expect(a.map((m) => m.description)).toEqual(b.map((m) => m.description));
    a.forEach((m, i) => expect(m.bytes).toEqual(b[i]!.bytes));
    expect(valid).toEqual(copy);
  });

  it('draws every kind, and each does what its description says', () => {
    const ms = draw('kinds', 800);
    expect(new Set(ms.map((m) => m.kind))).toEqual(new Set(MUTATION_KINDS));
    for (const m of ms) {
      const n = Number(/(\d+)/.exec(m.description.replace(/^uint32 at \d+ := /, ''))?.[1]);
      switch (m.kind) {
        case 'truncate':
          expect(m.bytes.length).toBeLessThan(valid.length);
          expect(m.bytes).toEqual(valid.subarray(0, m.bytes.length));
          break;
        case 'flip-bits':
        case 'set-byte':
          expect(m.bytes.length).toBe(valid.length);
          expect(differingBytes(m.bytes, valid)).toBeLessThanOrEqual(4);
          break;
        case 'lie-uint32':
        case 'zero-run':
          expect(m.bytes.length).toBe(valid.length);
          break;
        case 'insert':
        case 'append':
          expect(m.bytes.length).toBe(valid.length + n);
          break;
        case 'delete':
          expect(m.bytes.length).toBe(valid.length - n);
          break;
      }
    }
    // Most mutations change the file (a set-byte may write the same value; a lie may repeat it).
    expect(ms.filter((m) => m.bytes.length === valid.length && differingBytes(m.bytes, valid) === 0).length).toBeLessThan(40);
  });

  it('restricts the kinds and aims half the offsets at the header', () => {
    const rng = new SeededRandom('header');
    const ms = Array.from({ length: 400 }, () => mutateBytes(valid, rng, { kinds: ['set-byte'], headerBytes: 8 }));
    expect(new Set(ms.map((m) => m.kind))).toEqual(new Set(['set-byte']));
    const inHeader = ms.filter((m) => Number(/^byte (\d+)/.exec(m.description)![1]) < 8).length;
    expect(inHeader).toBeGreaterThan(160);
    expect(inHeader).toBeLessThan(260);
  });
});
