// One worker of the threads benchmark page: its own tfjs-wasm with the thread count the page asks
// for, the `finetune-layers` stacks (their one definition, apps/cli/src/bench/finetune-layers-stacks.ts),
// and the heap-kernel check (the same inputs in every worker, so the page can compare builds).
import {
  applyMaskBits,
  modeCombine,
  modeDots,
  provideBackend,
  rangeMaskBits,
  setupBackend,
  tf,
  tfjsWasmFileFor,
  wasmThreadsInfo,
} from '@odl/backend';
import { createFinetuneLayersStacks, type FinetuneLayersStacks } from '../../../cli/src/bench/finetune-layers-stacks';
import type { FromBenchWorker, KernelResults, ToBenchWorker } from './protocol';

provideBackend('wasm', () => import('@tensorflow/tfjs-backend-wasm'));

const post = (msg: FromBenchWorker) => (self as unknown as { postMessage(m: unknown): void }).postMessage(msg);
let stacks: FinetuneLayersStacks | null = null;

async function init(msg: ToBenchWorker & { type: 'init' }): Promise<void> {
  if (msg.singleThreadedBuild) {
    // The single-threaded SIMD build in a cross-origin-isolated page: tfjs' own flag, set once its
    // package has registered it.
    await import('@tensorflow/tfjs-backend-wasm');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  const info = await setupBackend({ prefer: ['wasm'], wasmPath: msg.wasmPath, threads: msg.singleThreadedBuild ? undefined : msg.threads });
  const env = tf.env();
  const wasmFile = tfjsWasmFileFor({
    simd: Boolean(await env.getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: Boolean(await env.getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
  });
  post({ type: 'ready', info: wasmThreadsInfo()!, backend: info.backend, wasmFile });
}

/** Mode products and ReLU masks on shapes that take the heap SIMD path (trailing size a multiple of 4, ≥ 64). */
function kernels(): KernelResults {
  const before = tf.memory().numTensors;
  const cases = [
    { shape: [64, 7, 7, 24], mode: 0, k: 4 },
    { shape: [4, 7, 7, 16], mode: 1, k: 4 },
    { shape: [2, 3, 5000], mode: 1, k: 5 },
  ];
  const modes = cases.map(({ shape, mode, k }, i) =>
    tf.tidy(() => {
      const a = tf.randomNormal(shape, 0.1, 1, 'float32', 3 + i);
      const u = tf.randomNormal([shape[mode]!, k], 0, 1, 'float32', 40 + i) as tf.Tensor2D;
      const combined = modeCombine(a, mode, u);
      const dots = modeDots(a, mode, combined);
      const read = (t: tf.Tensor) => Float32Array.from(t.dataSync() as Float32Array);
      return { shape, mode, k, a: read(a), u: read(u), combined: read(combined), dots: read(dots) };
    }),
  );
  const mask = tf.tidy(() => {
    const x = tf.randomNormal([64, 7, 7, 24], 2, 4, 'float32', 11);
    const dy = tf.randomNormal([64, 7, 7, 24], 0, 1, 'float32', 12);
    const bits = rangeMaskBits(x, 0, 6);
    const masked = applyMaskBits(dy, bits);
    return {
      x: Float32Array.from(x.dataSync() as Float32Array),
      dy: Float32Array.from(dy.dataSync() as Float32Array),
      bits: Uint8Array.from(bits.dataSync() as Uint8Array),
      masked: Float32Array.from(masked.dataSync() as Float32Array),
    };
  });
  return { modes, mask, numTensors: [before, tf.memory().numTensors] };
}

async function handle(msg: ToBenchWorker): Promise<void> {
  if (msg.type === 'init') return init(msg);
  if (msg.type === 'kernels') return post({ type: 'kernels', results: kernels() });
  if (msg.type === 'build-stacks') {
    stacks = createFinetuneLayersStacks();
    return post({ type: 'built', describe: stacks.describe });
  }
  if (msg.type === 'round') {
    const ms = stacks!.round(msg.round);
    return post({ type: 'round', ms, numTensors: tf.memory().numTensors });
  }
}

self.onmessage = (ev: MessageEvent<ToBenchWorker>) => {
  // odl's errors by their stable code (class names do not survive minification).
  handle(ev.data).catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e) }));
};
