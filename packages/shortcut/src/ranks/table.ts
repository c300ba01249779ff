import type { LayerGeometry, TuckerStorage } from '@odl/core';

/** Schema version of a saved {@link PerplexityTable}; bumped on incompatible changes. */
export const PERPLEXITY_TABLE_SCHEMA_VERSION = 1 as const;

/** Default explained-variance thresholds ε measured per layer (docs/method.md §5). */
export const DEFAULT_EPSILONS: readonly number[] = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/**
 * One candidate of one layer: the HOSVD_ε ranks at one ε, the memory they need and the weight
 * gradient error they cause.
 */
export interface PerplexityCandidate {
  /** Explained-variance threshold ε that produced the ranks. */
  epsilon: number;
  /** Rank per mode of the layer input at this ε. */
  ranks: number[];
  /** Elements stored for backward: Π k_n + Σ d_n·k_n. */
  elements: number;
  /** Bytes stored for backward (`elements × 4` in float32 storage; see `tuckerStorageCount` of @odl/core). */
  bytes: number;
  /** Perplexity ‖ΔΘ_exact − ΔΘ_lowrank‖_F of the weight gradient at these ranks. */
  perplexity: number;
}

/** The candidates measured for one layer. */
export interface PerplexityLayer {
  /** Layer name (the key of the rank plan). */
  name: string;
  /** Geometry of the layer on the calibration batch. */
  geometry: LayerGeometry;
  /** Frobenius norm of the exact weight gradient (to read perplexities relatively). */
  exactGradientNorm: number;
  /** One entry per ε, in the order of the table's `epsilons`. */
  candidates: PerplexityCandidate[];
}

/**
 * Result of {@link measurePerplexity}: per layer and ε, ranks, memory and perplexity. Saved as JSON
 * with {@link savePerplexityTable}.
 */
export interface PerplexityTable {
  /** Identifies the file format. */
  schema: 'odl.perplexity-table';
  /** Format version ({@link PERPLEXITY_TABLE_SCHEMA_VERSION}). */
  schemaVersion: typeof PERPLEXITY_TABLE_SCHEMA_VERSION;
  /** The ε values measured. */
  epsilons: number[];
  /**
   * The ASI storage the candidates' `bytes` count (absent in tables written before it existed:
   * float32). A plan chosen from the table is for ASI layers with this `storage`.
   */
  storage?: TuckerStorage;
  /** One entry per candidate layer, in model order. */
  layers: PerplexityLayer[];
}

/** The choice made for one layer by {@link chooseRanks}. */
export interface RankPlanLayer {
  /** Layer name. */
  name: string;
  /** Chosen ε. */
  epsilon: number;
  /** Chosen rank per mode. */
  ranks: number[];
  /** Bytes this layer stores for backward at these ranks. */
  bytes: number;
  /** Perplexity of this layer at these ranks. */
  perplexity: number;
}

/** A rank plan: one ε (and its ranks) per layer, within a memory budget. */
export interface RankPlan {
  /** The budget the plan was chosen for, in bytes. */
  budgetBytes: number;
  /** Total bytes of the plan (always ≤ `budgetBytes`). */
  totalBytes: number;
  /** Total perplexity of the plan (the minimum over all plans within budget). */
  totalPerplexity: number;
  /** Per-layer choices, in table order. */
  layers: RankPlanLayer[];
}
