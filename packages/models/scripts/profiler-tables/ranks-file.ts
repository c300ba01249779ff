// The measured ranks behind docs/profiler-tables.md (docs/profiler-tables.ranks.json): what
// measure.ts writes and render.ts reads. Plain JSON, one entry per model, N and row of setup.ts.
import { OdlError } from '@odl/backend';
import type { ArchitectureName } from '@odl/models';

/** Version of the file's layout. */
export const RANKS_FILE_VERSION = 1;

/** What one row measured for one model and N. */
export interface MeasuredRow {
  /** Registry name of the method. */
  method: string;
  /** `plan` rows: the budget planned for, MiB, and the datasets whose budget it is. */
  budget?: { mib: number; bytes: number; datasets: string[] };
  /** The recorded options per fine-tuned layer, by layer name (absent when no plan fits). */
  layerOptions?: Record<string, Record<string, unknown>>;
  /** `plan` rows: the planner's one-line summary and the bytes its plan keeps. */
  plan?: { summary: string; totalBytes: number };
  /** `plan` rows: the planner's error when no plan fits the budget (its message names the smallest memory). */
  error?: { code: string; message: string; smallestBytes?: number };
}

/** One N of one model. */
export interface MeasuredSetting {
  /** Number of fine-tuned layers. */
  lastN: number;
  /** The fine-tuned layers, model order (the zoo's names). */
  layers: string[];
  /** The reference budgets of this model and N, MiB, by dataset. */
  referenceBudgetsMiB: Record<string, number>;
  /** By row id (setup.ts). */
  rows: Record<string, MeasuredRow>;
}

/** One architecture's measurement. */
export interface MeasuredModel {
  /** The architecture. */
  architecture: ArchitectureName;
  /** The weights measured: the shipped checkpoint, or a seeded He initialisation. */
  weights: string;
  /** Whether the weights are trained (the shipped checkpoint) or random (He-initialised). */
  trained: boolean;
  /** Input channels of the model. */
  inputChannels: number;
  /** Classes of the fresh head. */
  numClasses: number;
  /** Day of the measurement (YYYY-MM-DD). */
  date: string;
  /** Wall time of this model's measurement, seconds. */
  seconds: number;
  /** One entry per N. */
  settings: MeasuredSetting[];
}

/** The whole file. */
export interface RanksFile {
  /** {@link RANKS_FILE_VERSION}. */
  schemaVersion: number;
  /** Day of the last measurement (YYYY-MM-DD). */
  date: string;
  /** The command that wrote the file. */
  command: string;
  /** tfjs backend of the measurement. */
  backend: string;
  /** Input resolution, pixels. */
  resolution: number;
  /** Calibration batch. */
  batch: number;
  /** The calibration images and how they were prepared. */
  data: string;
  /** Where the reference budgets come from (a path in the paper's reference repository). */
  budgetsSource: string;
  /** One entry per architecture. */
  models: MeasuredModel[];
}

/** The measured-ranks file cannot be read: wrong version or missing fields. */
export class RanksFileError extends OdlError {
  constructor(message: string) {
    super('bad-ranks-file', `${message}; regenerate it with node packages/models/scripts/run-ts.mjs packages/models/scripts/profiler-tables/measure.ts`);
  }
}

/**
 * Parses the measured-ranks file and checks its layout.
 *
 * @example
 * ```ts
 * const ranks = parseRanksFile(await readFile('docs/profiler-tables.ranks.json', 'utf8'));
 * ```
 */
export function parseRanksFile(text: string): RanksFile {
  let data: RanksFile;
  try {
    data = JSON.parse(text) as RanksFile;
  } catch (e) {
    throw new RanksFileError(`the measured-ranks file is not JSON (${(e as Error).message})`);
  }
  if (data?.schemaVersion !== RANKS_FILE_VERSION) throw new RanksFileError(`the measured-ranks file has schema version ${String(data?.schemaVersion)}, expected ${RANKS_FILE_VERSION}`);
  if (!Array.isArray(data.models)) throw new RanksFileError('the measured-ranks file has no models');
  for (const m of data.models) {
    if (!Array.isArray(m.settings) || m.settings.some((s) => !Array.isArray(s.layers) || s.rows == null)) {
      throw new RanksFileError(`the measured-ranks file's ${String(m.architecture)} entry lacks settings, layers or rows`);
    }
  }
  return data;
}
