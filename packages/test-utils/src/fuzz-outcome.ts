// How a fuzz suite judges one corrupt input: the parser either throws a typed error, or returns
// what an independent reference says the input holds; anything else (an untyped error, a wrong
// answer, a slow answer, a valid input refused) is a failure.

/**
 * Outcome classes of one fuzz input; only `'typed-error'` and `'accepted-correct'` pass.
 * `'rejected-valid'`: a typed error for an input the reference reads as valid.
 */
export type FuzzOutcome = 'typed-error' | 'accepted-correct' | 'untyped-error' | 'accepted-wrong' | 'rejected-valid' | 'slow';

/** Counts per outcome, plus the number of inputs. */
export type FuzzCounts = Record<FuzzOutcome, number> & { inputs: number };

/** One input's verdict, with a reason for the failing classes. */
export interface FuzzVerdict {
  outcome: FuzzOutcome;
  /** Why the input failed (the untyped error's message, the reference's disagreement). */
  detail?: string;
  /** Wall time of the parse in milliseconds. */
  ms: number;
}

/** Options of {@link judgeFuzzCase}. */
export interface JudgeOptions<T> {
  /** Parses the input (may be async). */
  run: () => T | Promise<T>;
  /** True for an error the parser throws on purpose (e.g. `e instanceof OdlError`). */
  isTyped: (e: unknown) => boolean;
  /**
   * Compares an accepted result with the independent reference: `null` when it matches,
   * else what differs. When the reference says the input is invalid, return that.
   */
  check: (result: T) => string | null;
  /** Called after `run` settles (success or failure), to release what it returned. */
  release?: (result: T | undefined) => void;
  /** True when the reference reads the input as valid: a typed error is then `'rejected-valid'`. */
  referenceValid?: boolean;
  /** An answer slower than this is `'slow'` (milliseconds, default 2000). */
  slowMs?: number;
}

/**
 * Judges one fuzz input: `'typed-error'` when `run` throws an error `isTyped` accepts,
 * `'untyped-error'` for any other throw, `'accepted-correct'` when the result passes `check`,
 * `'accepted-wrong'` when it does not, `'rejected-valid'` for a typed error on an input the
 * reference reads as valid (`referenceValid`), and `'slow'` when the call took longer than `slowMs`,
 * whatever it answered.
 *
 * @example
 * ```ts
 * const v = await judgeFuzzCase({
 *   run: () => parse(bytes),
 *   isTyped: (e) => e instanceof OdlError,
 *   check: (r) => (reference.valid && equal(r, reference.value) ? null : 'differs from the reference'),
 * });
 * counts[v.outcome]++;
 * ```
 */
export async function judgeFuzzCase<T>(options: JudgeOptions<T>): Promise<FuzzVerdict> {
  const t0 = performance.now();
  let result: T | undefined;
  let verdict: Omit<FuzzVerdict, 'ms'>;
  try {
    result = await options.run();
    const diff = options.check(result);
    verdict = diff == null ? { outcome: 'accepted-correct' } : { outcome: 'accepted-wrong', detail: diff };
  } catch (e) {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (!options.isTyped(e)) verdict = { outcome: 'untyped-error', detail: message };
    else verdict = options.referenceValid === true ? { outcome: 'rejected-valid', detail: message } : { outcome: 'typed-error' };
  } finally {
    options.release?.(result);
  }
  const ms = performance.now() - t0;
  if (ms > (options.slowMs ?? 2000)) return { outcome: 'slow', detail: `${ms.toFixed(0)} ms (${verdict.outcome})`, ms };
  return { ...verdict, ms };
}

/**
 * Zeroed counts for {@link judgeFuzzCase} verdicts.
 *
 * @example
 * ```ts
 * const counts = emptyFuzzCounts();
 * counts[verdict.outcome]++; counts.inputs++;
 * ```
 */
export function emptyFuzzCounts(): FuzzCounts {
  return { inputs: 0, 'typed-error': 0, 'accepted-correct': 0, 'untyped-error': 0, 'accepted-wrong': 0, 'rejected-valid': 0, slow: 0 };
}

/**
 * One Markdown table of fuzz counts, a row per format: inputs, typed errors, accepted-correct,
 * untyped errors, accepted-wrong, valid inputs rejected and slow (> 2 s) answers.
 *
 * @example
 * ```ts
 * console.log(formatFuzzTable({ safetensors: counts }));
 * ```
 */
export function formatFuzzTable(rows: Record<string, FuzzCounts>): string {
  const lines = ['| format | inputs | typed errors | accepted-correct | untyped errors | accepted-wrong | valid rejected | > 2 s |', '|---|---|---|---|---|---|---|---|'];
  for (const [name, c] of Object.entries(rows)) {
    lines.push(`| ${name} | ${c.inputs} | ${c['typed-error']} | ${c['accepted-correct']} | ${c['untyped-error']} | ${c['accepted-wrong']} | ${c['rejected-valid']} | ${c.slow} |`);
  }
  return lines.join('\n');
}
