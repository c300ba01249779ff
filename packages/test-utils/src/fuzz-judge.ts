// Drives one parser over seeded corrupt inputs: each input is a valid seed file damaged by
// mutateBytes, read by an independent reference, and judged by judgeFuzzCase (fuzz-outcome.ts).
import { SeededRandom } from '@odl/backend';
import { mutateBytes, type MutateOptions } from './fuzz';
import { emptyFuzzCounts, judgeFuzzCase, type FuzzCounts } from './fuzz-outcome';

/** What an independent reference says about one input. */
export type ReferenceVerdict<R> = { valid: true; value: R } | { valid: false; why: string };

/** A parser under test, the valid files to mutate, and the reference that judges the results. */
export interface FuzzTarget<R> {
  /** Row name in the counts table. */
  name: string;
  /** Valid files; each input is one of them (in turn), mutated once by {@link mutateBytes}. */
  seeds: Uint8Array[];
  /** Options of {@link mutateBytes} (e.g. `headerBytes`). */
  mutate?: MutateOptions;
  /** Optional second step on a mutated input (e.g. recomputing checksums so damage gets deeper). */
  postprocess?: (bytes: Uint8Array, rng: SeededRandom) => Uint8Array;
  /** The parser under test: returns what it read, or throws. */
  parse: (bytes: Uint8Array) => unknown;
  /** True for the errors the parser is meant to throw (its typed errors). */
  isTyped: (error: unknown) => boolean;
  /** The independent reference's reading of the input. */
  reference: (bytes: Uint8Array) => ReferenceVerdict<R>;
  /** `null` when the parser's result equals the reference's, else what differs. */
  compare: (ours: unknown, ref: R) => string | null;
  /**
   * True when the reference can only describe what an accepted input must look like, not decide
   * validity (e.g. a JPEG size read without a second decoder): typed errors then always count
   * as typed, and accepted inputs are compared when the reference reads them.
   */
  partialReference?: boolean;
}

/** What {@link runFuzzTarget} found. */
export interface FuzzTargetResult {
  /** The target's name. */
  name: string;
  /** Inputs per outcome class. */
  counts: FuzzCounts;
  /** Slowest input, in milliseconds. */
  maxMs: number;
  /** The first failures: index, seed, mutation and verdict (reproducible from the seed and index). */
  failures: string[];
}

/** Options of {@link runFuzzTarget}. */
export interface FuzzRunOptions {
  /** Number of inputs. */
  count: number;
  /** Seed of the mutations (default the target's name). */
  seed?: string | number;
  /** Time limit per input, in milliseconds (default 2000). */
  slowMs?: number;
  /** Failures kept in `failures` (default 10). */
  keepFailures?: number;
}

/** The outcome classes that pass. */
const PASSING = new Set(['typed-error', 'accepted-correct']);

/**
 * Feeds `count` seeded corrupt inputs to `target.parse` and judges each with
 * {@link judgeFuzzCase} against `target.reference`: a typed error must meet a rejecting
 * reference, an accepted input must equal the reference's reading, and nothing may throw
 * untyped or take longer than `slowMs`.
 *
 * @example
 * ```ts
 * const { counts, failures } = await runFuzzTarget(gzipTarget, { count: 2000, seed: 1 });
 * expect(failures).toEqual([]);
 * ```
 */
export async function runFuzzTarget<R>(target: FuzzTarget<R>, options: FuzzRunOptions): Promise<FuzzTargetResult> {
  const rng = new SeededRandom(options.seed ?? target.name);
  const keep = options.keepFailures ?? 10;
  const result: FuzzTargetResult = { name: target.name, counts: emptyFuzzCounts(), maxMs: 0, failures: [] };
  for (let i = 0; i < options.count; i++) {
    const seedIndex = i % target.seeds.length;
    const mutation = mutateBytes(target.seeds[seedIndex]!, rng, target.mutate);
    const bytes = target.postprocess ? target.postprocess(mutation.bytes, rng) : mutation.bytes;
    const ref = target.reference(bytes);
    const verdict = await judgeFuzzCase({
      run: () => target.parse(bytes),
      isTyped: target.isTyped,
      check: (ours) => (ref.valid ? target.compare(ours, ref.value) : `accepted, the reference rejects it: ${ref.why}`),
      referenceValid: ref.valid && !target.partialReference,
      slowMs: options.slowMs,
    });
    result.counts.inputs++;
    result.counts[verdict.outcome]++;
    result.maxMs = Math.max(result.maxMs, verdict.ms);
    if (!PASSING.has(verdict.outcome) && result.failures.length < keep) {
      result.failures.push(`#${i} (seed file ${seedIndex}, ${mutation.description}): ${verdict.outcome}: ${verdict.detail ?? ''}`);
    }
  }
  return result;
}
