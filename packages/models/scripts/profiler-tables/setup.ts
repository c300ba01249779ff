// What docs/profiler-tables.md counts: the models, the numbers of fine-tuned layers, the paper's
// reference budgets, and the rows (methods with their options). The methods are data here, with
// the caller: the profiler and the renderer name none (docs/architecture.md §3). Read by
// measure.ts (what to measure) and render.ts (what to count).
import { ArgumentError } from '@odl/backend';
import type { ArchitectureName } from '@odl/models';

/** Input resolution of the tables (the paper's setup A), pixels. */
export const RESOLUTION = 224;
/** Batch of the tables and of the calibration batch (setup A). */
export const BATCH = 128;
/** Numbers of fine-tuned layers (setup A: `num_of_finetune_list=(2 4)`). */
export const LAST_N: readonly number[] = [2, 4];
/** The architectures, in the document's order. */
export const MODELS: readonly ArchitectureName[] = ['mcunet-in1', 'mobilenetv2', 'resnet18', 'resnet34'];
/** The datasets of setup A, in the reference scripts' order. */
export const DATASETS: readonly string[] = ['pets', 'flowers102', 'cub200', 'cifar10', 'cifar100'];
/** The paper's ε grid of rank selection (its perplexity measurement `perplexity_test_var_0.4to0.9`). */
export const PAPER_EPSILONS: readonly number[] = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/** Where the budgets come from (in the paper's reference repository), quoted in the document. */
export const BUDGETS_SOURCE = 'classification/scripts/conv_models/ASI/setupA/{mcunet,mbv2,resnet18,resnet34}_ASI_various_data.sh';

/**
 * ASI's activation-memory budgets of setup A in MiB, per architecture and N, one per dataset in
 * {@link DATASETS} order (the reference scripts' `budget` per dataset, N = 2 then N = 4). Setup A
 * has the CNNs only.
 */
export const REFERENCE_BUDGETS_MIB: Readonly<Partial<Record<ArchitectureName, Readonly<Record<number, readonly number[]>>>>> = {
  'mcunet-in1': {
    2: [0.144985363, 0.135398865, 0.128100842, 0.066507511, 0.048523303],
    4: [0.249587357, 0.131023407, 0.264033854, 0.247947603, 0.189023972],
  },
  mobilenetv2: {
    2: [0.207318842, 0.301968187, 0.267010778, 0.259025842, 0.15810889],
    4: [0.769021571, 0.755280137, 0.67493391, 0.677683592, 0.705279648],
  },
  resnet18: {
    2: [2.1452384, 1.588116884, 1.75254333, 1.506314397, 1.148299456],
    4: [4.432329655, 3.822636843, 3.509220839, 1.915543437, 1.618859887],
  },
  resnet34: {
    2: [0.920331895, 0.691855848, 0.802534699, 0.563971996, 0.438646317],
    4: [2.160638332, 1.478237748, 1.696120381, 1.246363282, 1.021913767],
  },
};

/**
 * Where a row's per-layer options come from:
 * - `fixed`: the row's options, the same for every layer;
 * - `plan`: the method's planner on the calibration batch, at the smallest or the largest
 *   reference budget of the model and N;
 * - `measured`: the method's `costOptionsFor` on the calibration batch (a data-dependent method's
 *   storage for that batch).
 */
export type RowSource = { from: 'fixed' } | { from: 'plan'; budget: 'smallest' | 'largest' } | { from: 'measured' };

/** One row of every table: a registered method, its options and where its per-layer options come from. */
export interface TableRow {
  /** Key of the row in the measured file. */
  id: string;
  /** Registry name of the method. */
  method: string;
  /** Label in the table; `{budget}` is replaced by the budget in MiB. */
  label: string;
  /** Heading of the row's column in the table of measured per-layer options (`plan` and `measured` rows). */
  column?: string;
  /** Method-wide options (given to the planner, to `costOptionsFor`, and counted). */
  options: Readonly<Record<string, unknown>>;
  /** Where the per-layer options come from. */
  source: RowSource;
  /** The per-layer options the measurement records (for `plan` and `measured` rows), e.g. `['ranks']`. */
  records?: readonly string[];
}

/** ASI as in setup A: every mode from the full activation, the paper's ε grid. */
const ASI_SETUP_A = { schedule: 'independent', epsilons: PAPER_EPSILONS } as const;

/** The rows of every table, in order. */
export const TABLE_ROWS: readonly TableRow[] = [
  { id: 'vanilla', method: 'vanilla', label: 'vanilla', options: {}, source: { from: 'fixed' } },
  { id: 'asi-smallest-budget', method: 'asi', label: 'ASI, ranks chosen for {budget} MiB (measured)', column: 'ASI ranks, smallest budget', options: ASI_SETUP_A, source: { from: 'plan', budget: 'smallest' }, records: ['ranks'] },
  { id: 'asi-largest-budget', method: 'asi', label: 'ASI, ranks chosen for {budget} MiB (measured)', column: 'ASI ranks, largest budget', options: ASI_SETUP_A, source: { from: 'plan', budget: 'largest' }, records: ['ranks'] },
  { id: 'hosvd-0.8', method: 'hosvd', label: 'HOSVD_ε, ε=0.8 (measured ranks)', column: 'HOSVD_ε ranks', options: { epsilon: 0.8 }, source: { from: 'measured' }, records: ['ranks'] },
  { id: 'svd-0.8', method: 'svd', label: 'SVD_ε, ε=0.8 (measured rank)', column: 'SVD_ε rank', options: { epsilon: 0.8 }, source: { from: 'measured' }, records: ['rank'] },
  { id: 'gradient-filter-2', method: 'gradient-filter', label: 'gradient filter (r=2)', options: { radius: 2 }, source: { from: 'fixed' } },
];

/**
 * The reference budget a `plan` row uses for a model and N, with the datasets it belongs to.
 *
 * @example
 * ```ts
 * referenceBudget('mcunet-in1', 2, 'smallest'); // { mib: 0.048523303, datasets: ['cifar100'] }
 * ```
 */
export function referenceBudget(architecture: ArchitectureName, lastN: number, which: 'smallest' | 'largest'): { mib: number; datasets: string[] } {
  const budgets = REFERENCE_BUDGETS_MIB[architecture]?.[lastN];
  if (budgets == null) throw new ArgumentError(`no reference budgets for ${architecture} with N = ${lastN}`);
  const mib = which === 'smallest' ? Math.min(...budgets) : Math.max(...budgets);
  return { mib, datasets: DATASETS.filter((_, i) => budgets[i] === mib) };
}

/** Bytes of a budget in MiB (rounded down: a plan within it is within the MiB budget). */
export const mibToBytes = (mib: number): number => Math.floor(mib * 1024 * 1024);
