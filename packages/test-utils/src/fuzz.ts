// Seeded byte-level mutations of a valid file, for the parsers' fuzz tests: every parser's suite
// draws its corrupt inputs here, so each judges the same kinds of damage (truncation, flipped
// bytes, lying integers, inserted and deleted runs, appended junk).
import { SeededRandom } from '@odl/backend';

/** The kinds of damage {@link mutateBytes} applies. */
export type MutationKind = 'truncate' | 'flip-bits' | 'set-byte' | 'lie-uint32' | 'insert' | 'delete' | 'append' | 'zero-run';

/** All kinds, in the order {@link mutateBytes} draws from. */
export const MUTATION_KINDS: readonly MutationKind[] = ['truncate', 'flip-bits', 'set-byte', 'lie-uint32', 'insert', 'delete', 'append', 'zero-run'];

/** One corrupt input: the bytes and what was done to them (for a failing test's message). */
export interface Mutation {
  bytes: Uint8Array;
  kind: MutationKind;
  /** Human-readable: the kind, the offset and the sizes involved. */
  description: string;
}

/** Options of {@link mutateBytes}. */
export interface MutateOptions {
  /** Restrict the kinds drawn (default: all of {@link MUTATION_KINDS}). */
  kinds?: readonly MutationKind[];
  /**
   * Draw offsets from `[0, headerBytes)` with probability 1/2, so headers (where a small change
   * lies about everything after it) get their share of the damage (default 64).
   */
  headerBytes?: number;
}

// Integers a lying header likes to hold: zero, one, the sign boundary, all ones, huge.
const LIES = [0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 0x1000000];

/**
 * A seeded corrupt copy of `valid`: one mutation per call, drawn from `rng`. The input is not
 * modified. Equal seeds give equal inputs, so a failing case is reproduced by its index.
 *
 * @example
 * ```ts
 * const rng = new SeededRandom('idx-fuzz');
 * for (let i = 0; i < 1000; i++) {
 *   const { bytes, description } = mutateBytes(validFile, rng);
 *   // parse(bytes) must throw a typed error or return what an independent reader returns
 * }
 * ```
 */
export function mutateBytes(valid: Uint8Array, rng: SeededRandom, options: MutateOptions = {}): Mutation {
  const kinds = options.kinds ?? MUTATION_KINDS;
  const headerBytes = Math.max(1, Math.min(options.headerBytes ?? 64, valid.length));
  const kind = kinds[rng.nextInt(kinds.length)]!;
  const offset = (): number => (valid.length === 0 ? 0 : rng.nextFloat() < 0.5 ? rng.nextInt(headerBytes) : rng.nextInt(valid.length));
  const runLength = (): number => 1 + rng.nextInt(Math.min(64, Math.max(1, valid.length)));
  const randomBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => rng.nextInt(256));
  switch (kind) {
    case 'truncate': {
      const at = valid.length === 0 ? 0 : rng.nextInt(valid.length);
      return { bytes: valid.slice(0, at), kind, description: `truncate to ${at} of ${valid.length} bytes` };
    }
    case 'flip-bits': {
      const bytes = valid.slice();
      const flips = 1 + rng.nextInt(4);
      const at: number[] = [];
      for (let i = 0; i < flips && bytes.length > 0; i++) {
        const o = offset();
        bytes[o]! ^= 1 << rng.nextInt(8);
        at.push(o);
      }
      return { bytes, kind, description: `flip one bit at ${at.join(', ')}` };
    }
    case 'set-byte': {
      const bytes = valid.slice();
      const o = offset();
      const v = rng.nextInt(256);
      if (bytes.length > 0) bytes[o] = v;
      return { bytes, kind, description: `byte ${o} := ${v}` };
    }
    case 'lie-uint32': {
      const bytes = valid.slice();
      const o = Math.max(0, Math.min(offset(), bytes.length - 4));
      const v = LIES[rng.nextInt(LIES.length)]!;
      const bigEndian = rng.nextFloat() < 0.5;
      if (bytes.length >= 4) new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).setUint32(o, v, !bigEndian);
      return { bytes, kind, description: `uint32 at ${o} := ${v} (${bigEndian ? 'big' : 'little'}-endian)` };
    }
    case 'insert': {
      const o = offset();
      const junk = randomBytes(runLength());
      const bytes = new Uint8Array(valid.length + junk.length);
      bytes.set(valid.subarray(0, o), 0);
      bytes.set(junk, o);
      bytes.set(valid.subarray(o), o + junk.length);
      return { bytes, kind, description: `insert ${junk.length} random bytes at ${o}` };
    }
    case 'delete': {
      const o = offset();
      const n = Math.min(runLength(), valid.length - o);
      const bytes = new Uint8Array(valid.length - n);
      bytes.set(valid.subarray(0, o), 0);
      bytes.set(valid.subarray(o + n), o);
      return { bytes, kind, description: `delete ${n} bytes at ${o}` };
    }
    case 'append': {
      const junk = rng.nextFloat() < 0.5 ? new Uint8Array(runLength()) : randomBytes(runLength());
      const bytes = new Uint8Array(valid.length + junk.length);
      bytes.set(valid, 0);
      bytes.set(junk, valid.length);
      return { bytes, kind, description: `append ${junk.length} bytes` };
    }
    case 'zero-run': {
      const bytes = valid.slice();
      const o = offset();
      const n = Math.min(runLength(), bytes.length - o);
      bytes.fill(0, o, o + n);
      return { bytes, kind, description: `zero ${n} bytes at ${o}` };
    }
  }
}
