/**
 * @odl/shortcut: ASI (Activation Subspace Iteration) as a method plugin of `@odl/core` (contract
 * version 2): its compressor, options, cost model and planner (memory-budgeted rank selection);
 * and WASI, ASI plus a weight subspace refreshed by subspace iteration.
 *
 * @packageDocumentation
 */
export { asiPlugin } from './asi/plugin';
export { AsiCompressor, type AsiModeStart } from './asi/compressor';
export { validateAsiOptions, ASI_OPTIONS, RANK_SELECTION_EPSILONS, type AsiOptions, type AsiCompressorOptions, type AsiSchedule } from './asi/options';
export { paperAsi, exactAsi, asiCost } from './asi/cost';
export { asiPlanner, planAsiRanks, asiLayerOptions, type AsiPlanDetails } from './asi/planner';
export { wasiPlugin, wasiPlanner, wasiWeightAdapter } from './wasi/plugin';
export { WasiWeights, wasiUnsupportedReason, type WasiBasisSide, type WasiBasisChoice, type WasiFactors } from './wasi/subspace';
export { WASI_OPTIONS, DEFAULT_WEIGHT_EPSILON, asiOptionsOf, weightOptionsOf, type WasiOptions } from './wasi/options';
export { paperWasi, exactWasi, wasiCost, wasiCostRank } from './wasi/cost';
export { registerShortcut } from './register';
export { BudgetTooSmallError, PerplexityTableError } from './errors';
export {
  PERPLEXITY_TABLE_SCHEMA_VERSION,
  DEFAULT_EPSILONS,
  type PerplexityCandidate,
  type PerplexityLayer,
  type PerplexityTable,
  type RankPlan,
  type RankPlanLayer,
} from './ranks/table';
export { measurePerplexity, type CalibrationLayer, type MeasurePerplexityOptions } from './ranks/measure';
export { chooseRanks, applyRankPlan } from './ranks/choose';
export { solveMultipleChoiceKnapsack, type KnapsackItem, type KnapsackSolution } from './ranks/knapsack';
export { serializePerplexityTable, parsePerplexityTable, savePerplexityTable, loadPerplexityTable } from './ranks/io';
