// The training worker: owns tfjs (backend chosen by @odl/backend's setupBackend), the registered
// methods (built-in and build-time plugins), the data, the runs and the IndexedDB store. The page
// only sends requests and renders what comes back.
import { provideBackend, setupBackend, type BackendName } from '@odl/backend';
import { evaluate, loadCheckpoint, Trainer } from '@odl/models';
import type { FromWorker, RunConfig, ToWorker } from '../protocol';
import { RunControl } from './control';
import { embeddedSplit, loadRunData, setUserFiles, subset, type RunData } from './data';
import { RunRequestError } from './errors';
import { describeMethods, registerMethods } from './methods';
import { describeChoice, offeredPretrained } from './models';
import { runMethod } from './run';
import { deleteSavedModel, exportSavedModel, listSavedModels } from './store';

interface WorkerScope {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

// The demo offers all four backends: literal imports make Vite bundle them, and setupBackend
// imports only the one it tries (docs/traps.md, "Optional backends").
provideBackend('webgpu', () => import('@tensorflow/tfjs-backend-webgpu'));
provideBackend('webgl', () => import('@tensorflow/tfjs-backend-webgl'));
provideBackend('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
provideBackend('cpu', () => import('@tensorflow/tfjs-backend-cpu'));

const post = (msg: FromWorker, transfer?: Transferable[]) => scope.postMessage(msg, transfer);
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

let backend = 'none';
let ready: Promise<void> | null = null;
let control: RunControl | null = null;
let busy = false;

async function init(choice: ToWorker & { type: 'init' }): Promise<void> {
  const prefer: BackendName[] | undefined = choice.backend === 'auto' ? undefined : [choice.backend];
  const info = await setupBackend({ prefer, wasmPath: choice.wasmPath, threads: choice.threads });
  backend = info.backend;
  post({ type: 'ready', backend: info.backend, threads: info.threads ?? null, rejected: info.rejected, pretrained: offeredPretrained() });
  for (const failure of await registerMethods()) post({ type: 'error', message: failure.message });
  post({ type: 'methods', methods: describeMethods() });
  post({ type: 'state', state: 'idle' });
}

async function start(config: RunConfig): Promise<void> {
  if (busy) throw new RunRequestError('a run is already in progress; stop it first');
  if (config.runs.length === 0) throw new RunRequestError('the request names no method to run; choose one');
  busy = true;
  control = new RunControl();
  post({ type: 'state', state: 'preparing' });
  const cache = new Map<string, Promise<RunData>>();
  const data = (input: { height: number; width: number; channels: number }) => {
    const key = `${config.data.kind}:${input.height}x${input.width}x${input.channels}`;
    let p = cache.get(key);
    if (p == null) {
      p = loadRunData(config.data.kind, input, config.seed);
      cache.set(key, p);
    }
    return p;
  };
  try {
    let runId = Date.now();
    for (const run of config.runs) {
      post({ type: 'state', state: 'preparing' });
      const go = await runMethod(config, run, runId++, {
        post: (m) => {
          if (m.type === 'run-start') post({ type: 'state', state: 'running' });
          post(m);
        },
        control,
        backend,
        data,
      });
      if (!go || control.stopRequested) break;
    }
    post({ type: 'saved-list', models: await listSavedModels() });
  } finally {
    busy = false;
    control = null;
    post({ type: 'state', state: 'idle' });
  }
}

async function loadSaved(url: string): Promise<void> {
  const { model, metadata, trainerState } = await loadCheckpoint(url);
  if (trainerState != null) Trainer.disposeState(trainerState);
  try {
    const input = metadata.input as { height: number; width: number; channels: number } | undefined;
    let top1: number | null = null;
    let testImages = 0;
    if (input != null && metadata.data === 'embedded' && model.config.numClasses === 5) {
      const test = subset(await embeddedSplit('finetune-test'), 500, 1);
      const r = await evaluate(model, test, input, 128);
      top1 = r.top1;
      testImages = r.count;
    }
    post({ type: 'loaded', url, top1, testImages, architecture: model.config.architecture, numClasses: model.config.numClasses });
  } finally {
    model.dispose();
  }
}

async function handle(msg: ToWorker): Promise<void> {
  if (msg.type === 'init') {
    ready = init(msg);
    return ready;
  }
  if (msg.type === 'pause') return void control?.pause();
  if (msg.type === 'resume') return void control?.resume();
  if (msg.type === 'stop') {
    if (control) post({ type: 'state', state: 'stopping' });
    return void control?.stop();
  }
  if (ready == null) throw new RunRequestError(`the worker got '${msg.type}' before 'init'; the page must send init first`);
  await ready;
  switch (msg.type) {
    case 'start':
      return start(msg.config);
    case 'user-files': {
      const s = await setUserFiles(msg.files, msg.ignored);
      return s == null ? undefined : post({ type: 'user-data', ...s });
    }
    case 'list-saved':
      return post({ type: 'saved-list', models: await listSavedModels() });
    case 'describe-model':
      return post({ type: 'model-layers', ...(await describeChoice(msg.model)) });
    case 'load-saved':
      return loadSaved(msg.url);
    case 'download': {
      const e = await exportSavedModel(msg.url);
      return post({ type: 'download-ready', ...e }, [e.weights]);
    }
    case 'delete-saved':
      await deleteSavedModel(msg.url);
      return post({ type: 'saved-list', models: await listSavedModels() });
  }
}

scope.onmessage = (ev) => {
  handle(ev.data).catch((e) => post({ type: 'error', message: `${ev.data.type}: ${errorText(e)}` }));
};
