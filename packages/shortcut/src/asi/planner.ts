/**
 * ASI's planner (docs/method.md §5): on one calibration batch, HOSVD_ε's ranks, memory and
 * weight-gradient error ("perplexity") of every layer for each ε of a grid, then one ε per layer
 * under a memory budget (an exact multiple-choice knapsack), or, without a budget, each layer's
 * candidate closest to a default ε. The capture of layer inputs and output gradients is the
 * session's (docs/architecture.md §4); the planner receives them.
 *
 * @packageDocumentation
 */
import type { LayerContext, MethodPlanner, PlanRequest, PlanResult } from '@odl/core';
import { chooseRanks } from '../ranks/choose';
import { measurePerplexity } from '../ranks/measure';
import type { PerplexityTable, RankPlan } from '../ranks/table';
import { RANK_SELECTION_EPSILONS, type AsiOptions } from './options';

/** What {@link asiPlanner} records of its choice (`PlanResult.details`). */
export interface AsiPlanDetails {
  /** Perplexity and memory of every ε for every planned layer. */
  table: PerplexityTable;
  /** The chosen ε and ranks per layer (with a budget: the knapsack's plan; without: `budgetBytes` = its total). */
  plan: RankPlan;
}

/**
 * ASI's per-layer options from method-wide ones (docs/architecture.md §3): when `seed` is absent,
 * the layer's generator gets `(run seed + layer index) >>> 0`, so layers draw different sketches
 * and a run is reproducible from one seed; everything else is unchanged.
 *
 * @param options - the method-wide options
 * @param layer - the layer's place in the model and the run's seed
 * @example
 * ```ts
 * asiLayerOptions({ ranks: [4, 4, 4, 16] }, { name: 'features.14.conv.2', index: 41, geometry, seed: 7 }).seed; // 48
 * ```
 */
export function asiLayerOptions(options: AsiOptions, layer: Pick<LayerContext, 'index' | 'seed'>): AsiOptions {
  if (options.seed != null) return { ...options };
  return { ...options, seed: (layer.seed + layer.index) >>> 0 };
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * Chooses ASI's ranks for every layer of the request (docs/method.md §5): `measurePerplexity`
 * over `options.epsilons` in `options.storage`, then `chooseRanks(table, budgetBytes)` (exact;
 * `BudgetTooSmallError` naming the smallest possible memory when nothing fits) or, without a
 * budget, each layer's candidate whose ε is closest to `options.defaultEpsilon`. Each layer's
 * options are the method-wide ones with its `ranks` and its seed ({@link asiLayerOptions}):
 * complete, so `create` takes them as they are.
 *
 * @example
 * ```ts
 * const options = resolveOptions<AsiOptions>(asiPlugin, { storage: 'int8' });
 * const plan = planAsiRanks({ layers, options, budgetBytes: 64 * 1024, seed: 0 });
 * plan.layerOptions['features.14.conv.2'].ranks; // e.g. [12, 3, 3, 40]
 * ```
 */
export function planAsiRanks(request: PlanRequest<AsiOptions>): PlanResult<AsiOptions> {
  const { layers, budgetBytes, seed } = request;
  const options = request.options ?? {};
  const storage = options.storage ?? 'float32';
  const table = measurePerplexity(layers, { epsilons: options.epsilons ?? RANK_SELECTION_EPSILONS, method: options.spectrum ?? 'gram', storage });
  let plan: RankPlan;
  let summary: string;
  if (budgetBytes != null) {
    plan = chooseRanks(table, budgetBytes);
    summary = `ε per layer ${plan.layers.map((l) => l.epsilon).join(', ')}; ${kib(plan.totalBytes)} of ${kib(budgetBytes)}`;
  } else {
    const eps = options.defaultEpsilon ?? 0.8;
    const picked = table.layers.map((l) => {
      const c = l.candidates.reduce((best, c) => (Math.abs(c.epsilon - eps) < Math.abs(best.epsilon - eps) ? c : best));
      return { name: l.name, epsilon: c.epsilon, ranks: [...c.ranks], bytes: c.bytes, perplexity: c.perplexity };
    });
    const totalBytes = picked.reduce((s, l) => s + l.bytes, 0);
    plan = { budgetBytes: totalBytes, totalBytes, totalPerplexity: picked.reduce((s, l) => s + l.perplexity, 0), layers: picked };
    summary = `ε per layer ${picked.map((l) => l.epsilon).join(', ')} (closest to ${eps}, no budget); ${kib(totalBytes)}`;
  }
  const layerOptions: Record<string, AsiOptions> = {};
  plan.layers.forEach((l, i) => {
    const index = layers[i]!.index ?? i;
    layerOptions[l.name] = asiLayerOptions({ ...options, ranks: [...l.ranks] }, { index, seed });
  });
  const details: AsiPlanDetails = { table, plan };
  const tables = [
    ...table.layers.map((l) => ({
      title: `${l.name}: perplexity per ε (${storage} bytes)`,
      columns: ['ε', 'ranks', 'bytes', 'perplexity'],
      rows: l.candidates.map((c) => [c.epsilon, `[${c.ranks.join(', ')}]`, c.bytes, Number(c.perplexity.toPrecision(4))]),
    })),
    {
      title: `chosen ranks (${kib(plan.totalBytes)}${budgetBytes != null ? ` of ${kib(budgetBytes)}` : ''})`,
      columns: ['layer', 'ε', 'ranks', 'bytes'],
      rows: plan.layers.map((l) => [l.name, l.epsilon, `[${l.ranks.join(', ')}]`, l.bytes]),
    },
  ];
  return { layerOptions, totalBytes: plan.totalBytes, summary: `${summary} (${storage})`, details, tables };
}

/**
 * ASI's `MethodPlanner` (`@odl/core`): something to plan when `ranks` is absent; {@link planAsiRanks}
 * chooses them.
 *
 * @example
 * ```ts
 * if (asiPlanner.needsPlan(options)) perLayer = asiPlanner.plan({ layers, options, budgetBytes, seed }).layerOptions;
 * ```
 */
export const asiPlanner: MethodPlanner<AsiOptions> = {
  needsPlan: (options) => options?.ranks == null,
  plan: planAsiRanks,
};
