// The threads benchmark page: one worker per requested thread count (`?threads=1,2`; `1s` is the
// single-threaded SIMD build), run one after another, never at once. `?mode=bench` times the
// `finetune-layers` stacks in alternating rounds (`rounds`, after 2 warm-up rounds); `?mode=kernels`
// runs the heap-kernel check in every worker. Results go to `window.__bench` (protocol.ts).
import type { BenchPageResult, FromBenchWorker, ToBenchWorker } from './protocol';

const params = new URLSearchParams(location.search);
const mode = params.get('mode') ?? 'bench';
const rounds = Number(params.get('rounds') ?? 15);
const specs = (params.get('threads') ?? '1,2').split(',').map((s) => ({ threads: Number.parseInt(s, 10), singleThreadedBuild: s.endsWith('s') }));

const result: BenchPageResult = {
  done: false,
  error: null,
  crossOriginIsolated: globalThis.crossOriginIsolated === true,
  workers: specs.map((s) => ({ ...s, info: null, wasmFile: null, describe: null, times: { vanilla: [], asi: [], floor: [] }, numTensors: [], kernels: null })),
};
(window as unknown as { __bench: BenchPageResult }).__bench = result;
const status = document.getElementById('status')!;

/** A worker and a way to ask it one thing and await its answer. */
function startWorker(): (msg: ToBenchWorker) => Promise<FromBenchWorker> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  let pending: ((m: FromBenchWorker) => void) | null = null;
  worker.onmessage = (ev: MessageEvent<FromBenchWorker>) => pending?.(ev.data);
  worker.onerror = (ev) => pending?.({ type: 'error', message: ev.message || 'the worker failed to start' });
  return (msg) =>
    new Promise((resolve, reject) => {
      pending = (m) => (m.type === 'error' ? reject(new Error(m.message)) : resolve(m));
      worker.postMessage(msg);
    });
}

async function main(): Promise<void> {
  const wasmPath = new URL('tfjs-wasm/', document.baseURI).href;
  const ask = specs.map(() => startWorker());
  for (const [i, s] of specs.entries()) {
    const ready = await ask[i]!({ type: 'init', wasmPath, ...s });
    if (ready.type === 'ready') Object.assign(result.workers[i]!, { info: ready.info, wasmFile: ready.wasmFile });
  }
  if (mode === 'kernels') {
    for (const [i] of specs.entries()) {
      const r = await ask[i]!({ type: 'kernels' });
      if (r.type === 'kernels') result.workers[i]!.kernels = r.results;
    }
    return;
  }
  for (const [i] of specs.entries()) {
    const r = await ask[i]!({ type: 'build-stacks' });
    if (r.type === 'built') result.workers[i]!.describe = r.describe;
  }
  for (let round = 0; round < rounds + 2; round++) {
    status.textContent = `round ${round + 1} of ${rounds + 2}`;
    // The workers take turns, in an order that alternates between rounds.
    const order = specs.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const r = await ask[i]!({ type: 'round', round });
      if (r.type !== 'round' || round < 2) continue;
      const w = result.workers[i]!;
      for (const k of ['vanilla', 'asi', 'floor'] as const) w.times[k].push(r.ms[k]);
      w.numTensors.push(r.numTensors);
    }
  }
}

main()
  .catch((e: unknown) => {
    result.error = e instanceof Error ? e.message : String(e);
  })
  .finally(() => {
    result.done = true;
    status.textContent = result.error ?? 'done';
  });
