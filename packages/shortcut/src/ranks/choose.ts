import { ArgumentError } from '@odl/backend';
import type { AsiOptions } from '../asi/options';
import { solveMultipleChoiceKnapsack } from './knapsack';
import type { PerplexityTable, RankPlan } from './table';

/**
 * Chooses one ε per layer minimising the summed perplexity with the summed activation memory at
 * most `budgetBytes` (exact multiple-choice knapsack, never over budget). Throws
 * `BudgetTooSmallError` (with the smallest achievable memory) when no plan fits.
 *
 * @param budgetBytes - activation memory budget in bytes
 * @example
 * ```ts
 * const plan = chooseRanks(table, 2 * 2 ** 20); // 2 MiB
 * console.log(plan.totalBytes, plan.layers.map((l) => l.ranks));
 * ```
 */
export function chooseRanks(table: PerplexityTable, budgetBytes: number): RankPlan {
  if (table.layers.length === 0) throw new ArgumentError('chooseRanks: the table has no layers; measure at least one layer first');
  const solution = solveMultipleChoiceKnapsack(
    table.layers.map((l) => l.candidates.map((c) => ({ bytes: c.bytes, loss: c.perplexity }))),
    Math.floor(budgetBytes),
  );
  const layers = table.layers.map((l, i) => {
    const c = l.candidates[solution.choice[i]];
    return { name: l.name, epsilon: c.epsilon, ranks: [...c.ranks], bytes: c.bytes, perplexity: c.perplexity };
  });
  return {
    budgetBytes,
    totalBytes: layers.reduce((s, l) => s + l.bytes, 0),
    totalPerplexity: layers.reduce((s, l) => s + l.perplexity, 0),
    layers,
  };
}

/**
 * Turns a rank plan into per-layer `'asi'` options keyed by layer name.
 *
 * @param extra - options shared by every layer (warm start, seed, schedule, storage, …); per-layer seeds are `seed + index`
 * @example
 * ```ts
 * const perLayer = applyRankPlan(plan); // { 'block13.pw': { ranks: [12, 3, 3, 40] }, ... }
 * ```
 */
export function applyRankPlan(plan: RankPlan, extra: Omit<AsiOptions, 'ranks'> = {}): Record<string, AsiOptions> {
  const out: Record<string, AsiOptions> = {};
  plan.layers.forEach((l, i) => {
    if (l.name in out) throw new ArgumentError(`applyRankPlan: layer name '${l.name}' appears twice; layer names must be unique`);
    const o: AsiOptions = { ...extra, ranks: [...l.ranks] };
    if (extra.seed != null) o.seed = extra.seed + i;
    out[l.name] = o;
  });
  return out;
}
