// Messages between the page (renders only) and the training worker (runs tfjs). Types only, plus
// a few constants: the page must not import @odl/* at run time (that would load tfjs on the main
// thread).

/** Backends the page may ask for; `'auto'` lets setupBackend pick webgpu → webgl → wasm → cpu. */
export type BackendChoice = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Compression methods offered by the page (registry names of @odl/core). */
export type MethodName = 'vanilla' | 'asi' | 'hosvd' | 'gradient-filter';

/** Where the model to fine-tune comes from. */
export type ModelChoice =
  | { kind: 'pretrained' }
  | { kind: 'zoo'; architecture: 'mcunet-in1' | 'mobilenetv2'; widthMultiplier?: number }
  | { kind: 'saved'; url: string };

/** Training data. */
export type DataChoice = { kind: 'embedded' } | { kind: 'user' };

/** One fine-tuning request; `methods` run one after the other on the same data and seed. */
export interface RunConfig {
  /** The model to start from. */
  model: ModelChoice;
  /** The training data. */
  data: DataChoice;
  /** Methods to run, in order (two for the side-by-side comparison). */
  methods: MethodName[];
  /** ASI activation-memory budget for the trained layers, MiB (rank selection on the calibration batch). */
  budgetMiB: number;
  /** How ASI stores its core and factors; the budget is met in that storage. Default float32. */
  asiStorage?: 'float32' | 'int8';
  /** HOSVD explained-variance threshold ε in (0, 1]. */
  epsilon: number;
  /** Gradient-filter radius (pixels per pooled block side). */
  radius: number;
  /** Number of trained layers (the last N conv/dense layers). */
  lastN: number;
  /** Training steps per method. */
  steps: number;
  /** Images per step. */
  batchSize: number;
  /** Peak learning rate (SGD, cosine schedule over the steps, clip 2.0). */
  learningRate: number;
  /** Evaluate on the held-out images every this many steps (and at the end). */
  evalEvery: number;
  /** Held-out images used for each evaluation. */
  evalImages: number;
  /** Seed of the head, data order and compressor cold starts. */
  seed: number;
}

/** A saved model as listed from IndexedDB. */
export interface SavedModelInfo {
  /** tfjs URL, `indexeddb://…`. */
  url: string;
  /** Date saved (ISO string). */
  dateSaved: string;
  /** Weight bytes. */
  weightBytes: number;
  /** Metadata stored with the checkpoint by the page (method, accuracy, classes…). */
  metadata: Record<string, unknown>;
}

/** Page → worker. */
export type ToWorker =
  | { type: 'init'; backend: BackendChoice; wasmPath: string }
  | { type: 'start'; config: RunConfig }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'user-files'; files: { path: string; bytes: ArrayBuffer }[] }
  | { type: 'list-saved' }
  | { type: 'load-saved'; url: string }
  | { type: 'download'; url: string }
  | { type: 'delete-saved'; url: string };

/** State of the worker's training loop. */
export type RunState = 'starting' | 'idle' | 'preparing' | 'running' | 'paused' | 'stopping';

/** One trained layer as reported to the page. */
export interface LayerInfo {
  /** Layer name. */
  name: string;
  /** conv2d, depthwise or dense. */
  kind: string;
  /** Input activation shape. */
  inputShape: number[];
  /** Method used for this layer (a fallback when the method does not support the layer). */
  method: string;
  /** Ranks (ASI, per mode, with `, int8` for int8 storage), ε (HOSVD) or radius (gradient filter), as text. */
  detail: string;
}

/** Worker → page. */
export type FromWorker =
  | { type: 'ready'; backend: string; rejected: { backend: string; reason: string }[]; pretrained: boolean }
  | { type: 'state'; state: RunState }
  | { type: 'log'; line: string }
  | { type: 'error'; message: string }
  | {
      type: 'run-start';
      runId: number;
      method: MethodName;
      totalSteps: number;
      layers: LayerInfo[];
      trainImages: number;
      testImages: number;
      classNames: string[];
    }
  | { type: 'step'; runId: number; step: number; loss: number; ms: number; learningRate: number; measuredBytes: number; numTensors: number }
  | { type: 'eval'; runId: number; step: number; top1: number; loss: number }
  | { type: 'memory'; runId: number; analyticBytes: number; vanillaBytes: number; measuredBytes: number; trainingFlops: number }
  | { type: 'run-end'; runId: number; steps: number; stopped: boolean; savedAs: string | null; top1: number | null }
  | { type: 'saved-list'; models: SavedModelInfo[] }
  | { type: 'loaded'; url: string; top1: number | null; testImages: number; architecture: string; numClasses: number }
  | { type: 'download-ready'; name: string; modelJson: string; weights: ArrayBuffer }
  | { type: 'user-data'; classNames: string[]; counts: number[]; total: number };
