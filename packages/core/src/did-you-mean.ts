// Did-you-mean hints for unknown names (methods, options, CLI flags).

/** Levenshtein distance, for did-you-mean hints. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * `'; did you mean 'x'?'` when one of `known` is within two edits of `word`, else `''`.
 *
 * @example
 * ```ts
 * suggest('epsilonn', ['epsilon', 'path']); // " (did you mean 'epsilon'?)"
 * ```
 */
export function suggest(word: string, known: readonly string[]): string {
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const dd = distance(word.toLowerCase(), k.toLowerCase());
    if (dd < bestD) {
      bestD = dd;
      best = k;
    }
  }
  return best != null ? ` (did you mean '${best}'?)` : '';
}
