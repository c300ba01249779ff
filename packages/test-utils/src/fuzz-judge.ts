// Runs a parser over seeded corrupt inputs and judges each one against an independent reference,
// sorting the outcomes into the classes the fuzz suites report: typed error, accepted and
// correct, untyped error, accepted but wrong, too slow.
import { SeededRandom } from '@odl/backend';
import { mutateBytes, type MutateOptions } from './fuzz';

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

/** Outcome counts of {@link runFuzzTarget}. */
export interface FuzzTargetCounts {
  /** Row name. */
  name: string;
  /** Inputs tried. */
  inputs: number;
  /** Typed errors on inputs the reference rejects too. */
  typed: number;
  /** Accepted, and equal to the reference's reading. */
  correct: number;
  /** Errors that are not typed (a failure). */
  untyped: number;
  /** Accepted although the reference rejects it, or accepted with a different result (a failure). */
  wrong: number;
  /** Typed errors on inputs the reference accepts (a failure: valid data refused). */
  refused: number;
  /** Inputs that took longer than the time limit, whatever their outcome (a failure). */
  slow: number;
  /** Slowest input, in milliseconds. */
  maxMs: number;
  /** The first few failures: index, mutation and what went wrong (to reproduce by seed and index). */
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

/**
 * Feeds `count` seeded corrupt inputs to `target.parse` and judges each against
 * `target.reference`: a typed error must meet a rejecting reference, an accepted input must
 * equal the reference's reading, and nothing may throw untyped or take longer than `slowMs`.
 *
 * @example
 * ```ts
 * const counts = await runFuzzTarget(gzipTarget, { count: 2000, seed: 1 });
 * expect(counts.untyped + counts.wrong + counts.refused + counts.slow).toBe(0);
 * ```
 */
export async function runFuzzTarget<R>(target: FuzzTarget<R>, options: FuzzRunOptions): Promise<FuzzTargetCounts> {
  const rng = new SeededRandom(options.seed ?? target.name);
  const slowMs = options.slowMs ?? 2000;
  const keep = options.keepFailures ?? 10;
  const counts: FuzzTargetCounts = { name: target.name, inputs: 0, typed: 0, correct: 0, untyped: 0, wrong: 0, refused: 0, slow: 0, maxMs: 0, failures: [] };
  const fail = (i: number, what: string, message: string) => {
    if (counts.failures.length < keep) counts.failures.push(`#${i} (${what}): ${message}`);
  };
  for (let i = 0; i < options.count; i++) {
    const seed = target.seeds[i % target.seeds.length]!;
    const mutation = mutateBytes(seed, rng, target.mutate);
    const bytes = target.postprocess ? target.postprocess(mutation.bytes, rng) : mutation.bytes;
    const what = `seed file ${i % target.seeds.length}, ${mutation.description}`;
    counts.inputs++;
    const t0 = performance.now();
    let result: unknown;
    let error: unknown = null;
    let threw = false;
    try {
      result = await target.parse(bytes);
    } catch (e) {
      threw = true;
      error = e;
    }
    const ms = performance.now() - t0;
    counts.maxMs = Math.max(counts.maxMs, ms);
    if (ms > slowMs) {
      counts.slow++;
      fail(i, what, `took ${ms.toFixed(0)} ms`);
    }
    if (threw && !target.isTyped(error)) {
      counts.untyped++;
      fail(i, what, `untyped ${(error as Error)?.name}: ${(error as Error)?.message ?? String(error)}`);
      continue;
    }
    const ref = target.reference(bytes);
    if (threw) {
      if (ref.valid && !target.partialReference) {
        counts.refused++;
        fail(i, what, `refused valid input: ${(error as Error).message}`);
      } else {
        counts.typed++;
      }
      continue;
    }
    if (!ref.valid) {
      counts.wrong++;
      fail(i, what, `accepted, the reference rejects it: ${ref.why}`);
      continue;
    }
    const diff = target.compare(result, ref.value);
    if (diff == null) counts.correct++;
    else {
      counts.wrong++;
      fail(i, what, `accepted with a different result: ${diff}`);
    }
  }
  return counts;
}

/**
 * The counts as a Markdown table, one row per target.
 *
 * @example
 * ```ts
 * console.log(fuzzTable([await runFuzzTarget(t, { count: 100000 })]));
 * ```
 */
export function fuzzTable(rows: FuzzTargetCounts[]): string {
  const lines = [
    '| input | tried | typed errors | accepted, correct | untyped | accepted, wrong | valid refused | slow | slowest ms |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.name} | ${r.inputs} | ${r.typed} | ${r.correct} | ${r.untyped} | ${r.wrong} | ${r.refused} | ${r.slow} | ${r.maxMs.toFixed(0)} |`);
  }
  return lines.join('\n');
}
