// Messages between the page (renders only) and the training worker (runs tfjs). Types only, plus
// a few constants: the page must not import @odl/* at run time (that would load tfjs on the main
// thread); `import type` is erased by the compiler.
import type { OptionSpec, PlanTable } from '@odl/core';
import type { ProtocolName } from '@odl/models';

export type { OptionSpec, PlanTable, ProtocolName };

/** Backends the page may ask for; `'auto'` lets setupBackend pick webgpu → webgl → wasm → cpu. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * The method of the "compare with vanilla" run: exact backpropagation, always registered by
 * @odl/core. The only method name the page and the worker know.
 */
export const BASELINE_METHOD = 'vanilla';

/** A registered training method as the worker describes it to the page (plain JSON). */
export interface MethodInfo {
  /** Registry name. */
  name: string;
  /** One-line description. */
  description: string;
  /** True when the method has a planner (it then chooses its per-layer options under the memory budget). */
  plans: boolean;
  /** The options it declares; the page builds its form from them. */
  options: OptionSpec[];
}

/** A pretrained checkpoint this build ships, as the worker offers it to the page. */
export interface PretrainedInfo {
  /** Folder name of the checkpoint in @odl/models' `pretrained/` (what {@link ModelChoice} names). */
  name: string;
  /** What it is, for the model select. */
  label: string;
}

/**
 * What "the last N" counts in the chosen model (from its layer specs, by the worker): the field's
 * label and help say it.
 */
export interface LastNInfo {
  /** The model it describes. */
  model: ModelChoice;
  /** Layers N may count at most. */
  count: number;
  /** What they are, plural (`'convolutions'`, `'MLP linears'`). */
  layers: string;
  /** Their names, in model order. */
  names: string[];
}

/** Where the model to fine-tune comes from. */
export type ModelChoice =
  | { kind: 'pretrained'; name: string }
  | { kind: 'zoo'; architecture: 'mcunet-in1' | 'mobilenetv2'; widthMultiplier?: number }
  | { kind: 'saved'; url: string };

/** Training data. */
export type DataChoice = { kind: 'embedded' } | { kind: 'user' };

/** One method to run, with the options the user set (absent ones take the method's defaults). */
export interface MethodRun {
  /** Registry name. */
  method: string;
  /** Option values by option name, already typed (numbers, lists, strings, booleans). */
  options: Record<string, unknown>;
}

/** One fine-tuning request; `runs` run one after the other on the same data and seed. */
export interface RunConfig {
  /** The model to start from. */
  model: ModelChoice;
  /** The training data. */
  data: DataChoice;
  /** Methods to run, in order (two for the side-by-side comparison with {@link BASELINE_METHOD}). */
  runs: MethodRun[];
  /**
   * Activation-memory budget of the fine-tuned layers, MiB, for the runs whose method plans (its
   * planner chooses per-layer options on a calibration batch within it); `null`: the planner's own
   * default plan. Runs whose method does not plan ignore it.
   */
  budgetMiB: number | null;
  /** Training protocol of the session (`'odl'`: quick defaults; `'paper'`: the paper's setup A). */
  protocol: ProtocolName;
  /** N: the last N compressible layers (convolutions, or a transformer's MLP linears) train through the method (the classifier trains exactly). */
  lastN: number;
  /** Training steps per method. */
  steps: number;
  /** Images per step. */
  batchSize: number;
  /** Peak learning rate (the protocol's optimizer and schedule over the steps). */
  learningRate: number;
  /** Evaluate on the held-out images every this many steps (and at the end). */
  evalEvery: number;
  /** Held-out images used for each evaluation. */
  evalImages: number;
  /** Seed of the head, data order and the methods' per-layer seeds. */
  seed: number;
}

/** File extensions the page reads as the user's images (lower case, with the dot). */
export const USER_IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp'];

/** Why a run cannot start on the user's images before any is given. */
export const NO_USER_IMAGES = 'no images of your own yet: pick a folder of class subfolders, drop one, or take camera snapshots';

/** A file of the user's that is left out, and why. */
export interface SkippedFile {
  /** Path as `class/name.ext` (the picked folder stripped). */
  path: string;
  /** Why it is left out (e.g. the decoder's complaint). */
  reason: string;
}

/** The user's images after the worker checked them: what a run will use, and what it skips. */
export interface UserDataSummary {
  /** Class names (the subfolders with usable images). */
  classNames: string[];
  /** Usable images per class. */
  counts: number[];
  /** Usable images. */
  total: number;
  /** Files left out (not images, not in a class folder, or not decodable), by path. */
  skipped: SkippedFile[];
  /** Why a run cannot use these images, or null when it can. */
  problem: string | null;
}

/** A saved model as listed from IndexedDB. */
export interface SavedModelInfo {
  /** tfjs URL, `indexeddb://…`. */
  url: string;
  /** Date saved (ISO string). */
  dateSaved: string;
  /** Weight bytes. */
  weightBytes: number;
  /** Metadata stored with the checkpoint (method, accuracy, classes…). */
  metadata: Record<string, unknown>;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'init'; backend: BackendChoice; wasmPath: string; threads?: number }
  | { type: 'start'; config: RunConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'user-files'; files: { path: string; bytes: ArrayBuffer }[]; ignored: SkippedFile[] }
  | { type: 'list-saved' }
  | { type: 'describe-model'; model: ModelChoice }
  | { type: 'load-saved'; url: string }
  | { type: 'download'; url: string }
  | { type: 'delete-saved'; url: string };

/** State of the worker's training loop. */
export type RunState = 'starting' | 'idle' | 'preparing' | 'running' | 'paused' | 'stopping';

/** One trained layer as reported to the page (the session's `layers`). */
export interface LayerInfo {
  /** Layer name. */
  name: string;
  /** conv2d, depthwise or dense. */
  kind: string;
  /** Input activation shape. */
  inputShape: number[];
  /** The method this layer trains with (the run's, or {@link BASELINE_METHOD} for an exact layer). */
  method: string;
  /** `'compressed'`: one of the last N, through the run's method; `'exact'`: plain backpropagation. */
  role: 'compressed' | 'exact';
  /** Why a layer among the last N trains exactly, when it does. */
  reason: string | null;
  /** The layer's options as text (`name value, …`), or `'exact'`. */
  detail: string;
}

/** What the method's planner chose for a run. */
export interface PlanInfo {
  /** One line. */
  summary: string;
  /** The choice as tables (printed as they are). */
  tables: PlanTable[];
}

/** What the worker says about a run when it starts. */
export interface RunStart {
  /** Worker-assigned id. */
  runId: number;
  /** Method (registry name). */
  method: string;
  /** The session's protocol. */
  protocol: ProtocolName;
  /** Planned steps. */
  totalSteps: number;
  /** Trained layers. */
  layers: LayerInfo[];
  /** What the method's planner chose, when it ran. */
  plan: PlanInfo | null;
  /** Images used. */
  trainImages: number;
  /** Held-out images per evaluation. */
  testImages: number;
  /** Class names. */
  classNames: string[];
}

/** Worker → page. */
export type FromWorker =
  | { type: 'ready'; backend: string; threads: number | null; rejected: { backend: string; reason: string }[]; pretrained: PretrainedInfo[] }
  | ({ type: 'model-layers' } & LastNInfo)
  | { type: 'methods'; methods: MethodInfo[] }
  | { type: 'state'; state: RunState }
  | { type: 'log'; line: string }
  | { type: 'error'; message: string }
  | ({ type: 'run-start' } & RunStart)
  | { type: 'step'; runId: number; step: number; loss: number; ms: number; learningRate: number; numTensors: number }
  | { type: 'eval'; runId: number; step: number; top1: number; loss: number }
  | { type: 'memory'; runId: number; analyticBytes: number; vanillaBytes: number; measuredBytes: number; trainingFlops: number }
  | { type: 'run-end'; runId: number; steps: number; stopped: boolean; savedAs: string | null; top1: number | null }
  | { type: 'saved-list'; models: SavedModelInfo[] }
  | { type: 'loaded'; url: string; top1: number | null; testImages: number; architecture: string; numClasses: number }
  | { type: 'download-ready'; name: string; modelJson: string; weights: ArrayBuffer }
  | ({ type: 'user-data' } & UserDataSummary);
