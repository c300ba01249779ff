/**
 * @odl/shortcut: ASI (Activation Subspace Iteration) and memory-budgeted rank selection.
 *
 * @packageDocumentation
 */
export { asiPlugin } from './asi/plugin';
export { AsiCompressor, type AsiModeStart } from './asi/compressor';
export { validateAsiOptions, type AsiOptions, type AsiSchedule } from './asi/options';
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
