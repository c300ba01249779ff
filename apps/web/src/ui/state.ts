// The page's view of what the worker reports. Exposed as `window.__odl` for tests and curious
// users (read-only by convention).
import type { FromWorker, LastNInfo, MethodInfo, PretrainedInfo, RunStart, RunState, SavedModelInfo, UserDataSummary } from '../protocol';

/** One training step as displayed. */
export interface StepPoint {
  /** Global step (1-based). */
  step: number;
  /** Batch loss (nats). */
  loss: number;
  /** Wall time of the step, ms. */
  ms: number;
  /** Tensors alive in the worker's engine after the step (flat when nothing leaks). */
  numTensors: number;
}

/** One run (one method) of the latest start: what the worker said at its start, then what it reported. */
export interface RunView extends RunStart {
  /** Every step. */
  steps: StepPoint[];
  /** Evaluations (step 0 = before training). */
  evals: { step: number; top1: number; loss: number }[];
  /** Latest memory and cost report. */
  memory: { analyticBytes: number; vanillaBytes: number; measuredBytes: number; trainingFlops: number } | null;
  /** Set when the run ended. */
  end: { steps: number; stopped: boolean; savedAs: string | null; top1: number | null } | null;
}

/** Everything the page shows. */
export interface AppState {
  /** Active tfjs backend in the worker (null until ready). */
  backend: string | null;
  /** Threads of the wasm backend's kernels (null off wasm or until ready). */
  threads: number | null;
  /** Backends tried and rejected before the active one. */
  rejected: { backend: string; reason: string }[];
  /** The pretrained checkpoints the build ships (none until ready). */
  pretrained: PretrainedInfo[];
  /** What "the last N" counts in the model last described by the worker (null until then). */
  lastN: LastNInfo | null;
  /** The methods registered in the worker (built-in and build-time plugins), with their options. */
  methods: MethodInfo[];
  /** Training loop state. */
  runState: RunState;
  /** Runs of the latest start (one, or two for a side-by-side comparison). */
  runs: RunView[];
  /** Finished runs of this session (all starts). */
  history: RunView[];
  /** Saved models in IndexedDB. */
  saved: SavedModelInfo[];
  /** True once the saved list was received at least once. */
  savedListed: boolean;
  /** Last loaded saved model. */
  loaded: (FromWorker & { type: 'loaded' }) | null;
  /** The user's images as the worker checked them, when given. */
  userData: UserDataSummary | null;
  /** Log lines. */
  log: string[];
  /** Errors reported by the worker. */
  errors: string[];
}

/** A fresh state. */
export function initialState(): AppState {
  return {
    backend: null, threads: null, rejected: [], pretrained: [], lastN: null, methods: [], runState: 'starting', runs: [], history: [], saved: [], savedListed: false,
    loaded: null, userData: null, log: [], errors: [],
  };
}

/** Applies one worker message to the state. */
export function applyMessage(state: AppState, msg: FromWorker): void {
  const run = (id: number) => state.runs.find((r) => r.runId === id);
  switch (msg.type) {
    case 'ready':
      state.backend = msg.backend;
      state.threads = msg.threads;
      state.rejected = msg.rejected;
      state.pretrained = msg.pretrained;
      state.log.push(`backend: ${msg.backend}${msg.rejected.length ? ` (rejected: ${msg.rejected.map((r) => `${r.backend}: ${r.reason}`).join('; ')})` : ''}`);
      break;
    case 'methods':
      state.methods = msg.methods;
      break;
    case 'state':
      state.runState = msg.state;
      break;
    case 'log':
      state.log.push(msg.line);
      break;
    case 'error':
      state.errors.push(msg.message);
      state.log.push(`error: ${msg.message}`);
      break;
    case 'run-start':
    {
      const { type: _type, ...start } = msg;
      state.runs.push({ ...start, steps: [], evals: [], memory: null, end: null });
      break;
    }
    case 'step':
      run(msg.runId)?.steps.push({ step: msg.step, loss: msg.loss, ms: msg.ms, numTensors: msg.numTensors });
      break;
    case 'eval':
      run(msg.runId)?.evals.push({ step: msg.step, top1: msg.top1, loss: msg.loss });
      break;
    case 'memory': {
      const r = run(msg.runId);
      if (r) r.memory = { analyticBytes: msg.analyticBytes, vanillaBytes: msg.vanillaBytes, measuredBytes: msg.measuredBytes, trainingFlops: msg.trainingFlops };
      break;
    }
    case 'run-end': {
      const r = run(msg.runId);
      if (r) {
        r.end = { steps: msg.steps, stopped: msg.stopped, savedAs: msg.savedAs, top1: msg.top1 };
        state.history.push(r);
      }
      break;
    }
    case 'saved-list':
      state.saved = msg.models;
      state.savedListed = true;
      break;
    case 'loaded':
      state.loaded = msg;
      break;
    case 'user-data':
    {
      const { type: _type, ...summary } = msg;
      state.userData = summary;
      break;
    }
    case 'model-layers':
    {
      const { type: _type, ...info } = msg;
      state.lastN = info;
      break;
    }
    case 'download-ready':
      break;
  }
  if (state.log.length > 400) state.log.splice(0, state.log.length - 400);
}

/** Mean of the last `n` step times of a run, ms. */
export function meanStepMs(r: RunView, n = 10): number {
  // The first step includes kernel compilation / warm-up: leave it out when there are others.
  const pts = r.steps.length > 1 ? r.steps.slice(1) : r.steps;
  const tail = pts.slice(-n);
  return tail.length ? tail.reduce((s, p) => s + p.ms, 0) / tail.length : Number.NaN;
}
