// The page: reads the form, talks to the training worker, renders what it reports. No tfjs here,
// and no method names: the method select and its option fields come from the worker's list.
import { BASELINE_METHOD, type BackendChoice, type FromWorker, type MethodRun, type ModelChoice, type ProtocolName, type RunConfig, type ToWorker } from './protocol';
import { markField } from './ui/field-state';
import { describes, lastNField, lastNText } from './ui/last-n';
import { MethodForm } from './ui/method-form';
import { render } from './ui/render';
import { applyMessage, initialState, type AppState } from './ui/state';
import { TRAINING_FIELDS, trainingFieldAttributes, trainingFieldProblem } from './ui/training-fields';
import { Camera, UserImages } from './ui/user-images';
import { renderUserData } from './ui/user-data-view';
import { userDataBlocker } from './ui/user-summary';

const $ = <T extends Element>(sel: string) => document.querySelector(sel) as T;
const input = (id: string) => $<HTMLInputElement>(`#${id}`);

const state: AppState = initialState();
(window as unknown as { __odl: AppState }).__odl = state;

let worker: Worker | null = null;
/** The user's own images (set up by wire()). */
let images: UserImages | null = null;
let dirty = false;

function scheduleRender(): void {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(() => {
    dirty = false;
    render(state);
    syncButtons();
  });
}

function send(msg: ToWorker, transfer: Transferable[] = []): void {
  worker?.postMessage(msg, transfer);
}

const params = new URLSearchParams(location.search);
const BACKENDS: BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

function startWorker(backend: BackendChoice): void {
  worker?.terminate();
  state.backend = null;
  state.runState = 'starting';
  worker = new Worker(new URL('./worker/train-worker.ts', import.meta.url), { type: 'module', name: 'odl-train' });
  worker.onmessage = (ev: MessageEvent<FromWorker>) => onWorkerMessage(ev.data);
  worker.onerror = (ev) => {
    state.errors.push(`worker: ${ev.message || 'failed to start'}`);
    scheduleRender();
  };
  const wasmPath = new URL('tfjs-wasm/', document.baseURI).href;
  // ?threads=N: tfjs-wasm's thread count (the page is served cross-origin isolated; README).
  const threads = params.has('threads') ? Number(params.get('threads')) : undefined;
  send({ type: 'init', backend, wasmPath, threads });
  send({ type: 'list-saved' });
  images?.sendAgain(); // a new worker has none of the user's files
  scheduleRender();
}

function onWorkerMessage(msg: FromWorker): void {
  applyMessage(state, msg);
  if (msg.type === 'ready') fillModelSelect();
  if (msg.type === 'methods') {
    methodForm.setMethods(msg.methods);
    syncMethodFields();
  }
  if (msg.type === 'saved-list') fillModelSelect();
  if (msg.type === 'model-layers') showLastN();
  if (msg.type === 'download-ready') download(msg.name, msg.modelJson, msg.weights);
  if (msg.type === 'error' && msg.message.startsWith('user-files:')) checkingFiles = null;
  if (msg.type === 'user-data') {
    checkingFiles = null;
    showUserSummary();
  }
  scheduleRender();
}

function download(name: string, modelJson: string, weights: ArrayBuffer): void {
  const save = (blob: Blob, file: string) => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = file;
    a.dataset.model = name;
    document.body.append(a);
    a.click();
    setTimeout(() => {
      URL.revokeObjectURL(a.href);
      a.remove();
    }, 1000);
  };
  save(new Blob([modelJson], { type: 'application/json' }), 'model.json');
  save(new Blob([weights], { type: 'application/octet-stream' }), 'weights.bin');
}

// ---- model select -------------------------------------------------------------------------

const ZOO: { value: string; label: string }[] = [
  { value: 'zoo:mcunet-in1', label: 'MCUNet-in1 (fresh initialisation)' },
  { value: 'zoo:mobilenetv2:0.35', label: 'MobileNetV2 ×0.35 (fresh initialisation)' },
];

/** Set once the user picks a model; until then the default follows what the build offers. */
let modelPicked = false;

function fillModelSelect(): void {
  const sel = $<HTMLSelectElement>('#model');
  const previous = modelPicked ? sel.value : '';
  const opts: { value: string; label: string; disabled?: boolean }[] = [
    ...state.pretrained.map((p) => ({ value: `pretrained:${p.name}`, label: p.label })),
    ...ZOO,
    ...state.saved.map((m) => ({ value: `saved:${m.url}`, label: `saved: ${String((m.metadata as { method?: string }).method ?? '')} ${new Date(m.dateSaved).toLocaleTimeString()}` })),
  ];
  sel.replaceChildren(
    ...opts.map((o) => {
      const e = document.createElement('option');
      e.value = o.value;
      e.textContent = o.label;
      e.disabled = o.disabled ?? false;
      return e;
    }),
  );
  const fallback = opts[0]!.value; // the first shipped checkpoint, or the first zoo model
  sel.value = opts.some((o) => o.value === previous && !o.disabled) ? previous : fallback;
  describeModel();
}

/** Asks the worker what "the last N" counts in the chosen model (its answer updates the field). */
function describeModel(): void {
  if (state.backend == null) return; // the worker describes once it is ready (fillModelSelect runs again then)
  if (!describes(state.lastN, modelChoice())) send({ type: 'describe-model', model: modelChoice() });
  showLastN();
}

/** The last-N field's label, help and range for the chosen model (generic until it is described). */
function showLastN(): void {
  const info = describes(state.lastN, modelChoice()) ? state.lastN : null;
  const { label, help } = lastNText(info);
  $<HTMLElement>('#lastN-label').textContent = label;
  $<HTMLElement>('#lastN-field').title = help;
  const max = trainingFieldAttributes(lastNField(TRAINING_LAST_N, info)).max;
  if (max != null) input('lastN').max = max;
  scheduleRender();
}

function modelChoice(): ModelChoice {
  const v = $<HTMLSelectElement>('#model').value;
  if (v.startsWith('saved:')) return { kind: 'saved', url: v.slice('saved:'.length) };
  if (v.startsWith('zoo:')) {
    const [, arch, width] = v.split(':');
    return { kind: 'zoo', architecture: arch as 'mcunet-in1' | 'mobilenetv2', widthMultiplier: width ? Number(width) : undefined };
  }
  return { kind: 'pretrained', name: v.slice('pretrained:'.length) };
}

// ---- form -----------------------------------------------------------------------------------

/** The training field of N (its range follows the chosen model). */
const TRAINING_LAST_N = TRAINING_FIELDS.find((f) => f.id === 'lastN')!;

const methodForm = new MethodForm(
  {
    select: $<HTMLSelectElement>('#method'),
    description: $<HTMLElement>('#method-description'),
    fields: $<HTMLElement>('#method-options'),
    budgetField: $<HTMLElement>('#budget-field'),
    budget: input('budget'),
  },
  () => scheduleRender(),
);

/** Files handed to the worker whose check has not come back yet. */
let checkingFiles: number | null = null;

/** What is wrong with the fields (each marked invalid on the page), named with their problem. */
function fieldProblems(): string[] {
  const info = describes(state.lastN, modelChoice()) ? state.lastN : null;
  const training = TRAINING_FIELDS.map((field) => {
    const f = field === TRAINING_LAST_N ? lastNField(field, info) : field;
    const el = input(f.id);
    const problem = trainingFieldProblem(f, el.value, el.validity.badInput);
    markField(el, problem);
    return problem;
  });
  return [...methodForm.problems(), ...training.filter((p): p is string => p != null)];
}

/** Why the chosen data cannot be trained on yet (null: it can). */
function dataProblem(): string | null {
  return userDataBlocker({ chosen: input('data-user').checked, checking: checkingFiles, summary: state.userData });
}

const PROTOCOLS: readonly ProtocolName[] = ['odl', 'paper'];

function protocolChoice(): ProtocolName {
  const v = $<HTMLSelectElement>('#protocol').value as ProtocolName;
  if (!PROTOCOLS.includes(v)) throw new Error(`unknown protocol '${v}'; choose one of ${PROTOCOLS.join(', ')}`);
  return v;
}

function readConfig(): RunConfig {
  const problems = fieldProblems();
  if (problems.length > 0) throw new Error(`Fix the highlighted fields: ${problems.join('; ')}`);
  const data = dataProblem();
  if (data != null) throw new Error(`My images: ${data}`);
  const method = methodForm.chosen;
  if (method == null) throw new Error('no method to run yet: the worker has not listed its methods');
  const chosen: MethodRun = { method: method.name, options: methodForm.options() };
  const compare = input('compare').checked && method.name !== BASELINE_METHOD;
  const int = (id: string) => Math.round(Number(input(id).value));
  return {
    model: modelChoice(),
    data: input('data-user').checked ? { kind: 'user' } : { kind: 'embedded' },
    runs: compare ? [{ method: BASELINE_METHOD, options: {} }, chosen] : [chosen],
    budgetMiB: methodForm.budgetMiB(),
    protocol: protocolChoice(),
    lastN: int('lastN'),
    steps: int('steps'),
    batchSize: int('batch'),
    learningRate: Number(input('lr').value),
    evalEvery: int('eval-every'),
    evalImages: 500,
    seed: 0,
  };
}

function syncMethodFields(): void {
  input('compare').disabled = methodForm.chosen?.name === BASELINE_METHOD;
}

function syncButtons(): void {
  const s = state.runState;
  const idle = s === 'idle';
  const problems = fieldProblems();
  const data = dataProblem();
  const lines = [
    ...(problems.length > 0 ? [`Fix the highlighted field${problems.length > 1 ? 's' : ''} to start: ${problems.join('; ')}`] : []),
    ...(data != null ? [`My images: ${data}`] : []),
  ];
  const shown = $<HTMLElement>('#form-problems');
  shown.hidden = lines.length === 0;
  shown.textContent = lines.join('\n');
  $<HTMLButtonElement>('#start').disabled = !idle || state.backend == null || methodForm.chosen == null || lines.length > 0;
  const pause = $<HTMLButtonElement>('#pause');
  pause.disabled = !(s === 'running' || s === 'paused');
  pause.textContent = s === 'paused' ? 'Resume' : 'Pause';
  $<HTMLButtonElement>('#stop').disabled = !(s === 'running' || s === 'paused' || s === 'preparing');
}

function showUserSummary(): void {
  renderUserData(state.userData, checkingFiles);
}

// ---- wiring ---------------------------------------------------------------------------------

function wire(): void {
  const backendSel = $<HTMLSelectElement>('#backend');
  const asked = params.get('backend') as BackendChoice | null;
  backendSel.value = asked && BACKENDS.includes(asked) ? asked : 'auto';
  backendSel.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('backend', backendSel.value);
    history.replaceState(null, '', url);
    startWorker(backendSel.value as BackendChoice);
  });
  $<HTMLSelectElement>('#method').addEventListener('change', syncMethodFields);
  $<HTMLSelectElement>('#model').addEventListener('change', () => {
    modelPicked = true;
    describeModel();
  });
  for (const f of TRAINING_FIELDS) {
    const el = input(f.id);
    for (const [name, value] of Object.entries(trainingFieldAttributes(f))) {
      if (value == null) el.removeAttribute(name);
      else el.setAttribute(name, value);
    }
    el.addEventListener('input', scheduleRender);
    el.addEventListener('change', scheduleRender);
  }
  syncMethodFields();

  $('#start').addEventListener('click', () => {
    state.errors.length = 0;
    try {
      const config = readConfig();
      state.runs = []; // the charts show this start's runs; state.history keeps earlier ones
      state.runState = 'preparing';
      send({ type: 'start', config });
    } catch (e) {
      state.errors.push((e as Error).message);
    }
    scheduleRender();
  });
  $('#pause').addEventListener('click', () => send({ type: state.runState === 'paused' ? 'resume' : 'pause' }));
  $('#stop').addEventListener('click', () => send({ type: 'stop' }));

  $('#saved').addEventListener('click', (ev) => {
    const btn = (ev.target as Element).closest('button');
    const url = btn?.closest('tr')?.dataset.url;
    if (!btn || !url) return;
    const action = btn.dataset.action;
    if (action === 'load') {
      send({ type: 'load-saved', url });
      const sel = $<HTMLSelectElement>('#model');
      if ([...sel.options].some((o) => o.value === `saved:${url}`)) {
        sel.value = `saved:${url}`;
        modelPicked = true;
        describeModel();
      }
    } else if (action === 'download') send({ type: 'download', url });
    else if (action === 'delete') send({ type: 'delete-saved', url });
  });

  // Data: embedded or the user's own images.
  const userBox = $<HTMLElement>('#user-data');
  const syncData = () => {
    userBox.hidden = !input('data-user').checked;
    scheduleRender();
  };
  input('data-user').addEventListener('change', syncData);
  input('data-embedded').addEventListener('change', syncData);
  syncData();
  const userImages = new UserImages((files, ignored) => {
    checkingFiles = files.length + ignored.length;
    showUserSummary();
    scheduleRender();
    send({ type: 'user-files', files, ignored }, files.map((f) => f.bytes));
  });
  images = userImages;
  input('folder-input').addEventListener('change', () => {
    const files = input('folder-input').files;
    if (files) void userImages.setFolderFiles(files);
  });
  const drop = $<HTMLElement>('#drop-zone');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer) void userImages.setDropped(e.dataTransfer.items);
  });
  const camera = new Camera($<HTMLVideoElement>('#camera-video'));
  $('#camera-toggle').addEventListener('click', async () => {
    try {
      if (camera.running) camera.stop();
      else await camera.start();
    } catch (e) {
      state.errors.push(`camera: ${(e as Error).message}`);
      scheduleRender();
    }
    $<HTMLButtonElement>('#camera-snap').disabled = !camera.running;
    $('#camera-toggle').textContent = camera.running ? 'Stop camera' : 'Start camera';
  });
  $('#camera-snap').addEventListener('click', async () => {
    try {
      userImages.addSnapshot(input('camera-label').value, await camera.snapshot());
    } catch (e) {
      state.errors.push(`camera: ${(e as Error).message}`);
      scheduleRender();
    }
  });

  fillModelSelect();
  startWorker(backendSel.value as BackendChoice);
}

wire();
