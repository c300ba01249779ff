// Messages between the threads benchmark page and its workers (one worker per thread count, each
// with its own tfjs-wasm instance: tfjs-wasm reads its thread count once, when it starts).
import type { WasmThreadsInfo } from '@odl/backend';

/** Page → worker. */
export type ToBenchWorker =
  | { type: 'init'; wasmPath: string; threads: number; singleThreadedBuild: boolean }
  | { type: 'build-stacks' }
  | { type: 'round'; round: number }
  | { type: 'kernels' };

/** The results of the heap-kernel check on one build (inputs included, for the reference). */
export interface KernelResults {
  /** Per mode-product case: its inputs and outputs. */
  modes: { shape: number[]; mode: number; k: number; a: Float32Array; u: Float32Array; combined: Float32Array; dots: Float32Array }[];
  /** rangeMaskBits(x, 0, 6) and applyMaskBits(dy, bits). */
  mask: { x: Float32Array; dy: Float32Array; bits: Uint8Array; masked: Float32Array };
  /** Tensors alive before and after the check. */
  numTensors: [number, number];
}

/** Worker → page. */
export type FromBenchWorker =
  | { type: 'ready'; info: WasmThreadsInfo; backend: string; wasmFile: string }
  | { type: 'built'; describe: string }
  | { type: 'round'; ms: Record<'vanilla' | 'asi' | 'floor', number>; numTensors: number }
  | { type: 'kernels'; results: KernelResults }
  | { type: 'error'; message: string };

/** What the page leaves on `window.__bench` for the runner and the test. */
export interface BenchPageResult {
  /** True once the page has finished (or failed). */
  done: boolean;
  /** The first error, or null. */
  error: string | null;
  /** `crossOriginIsolated` of the page. */
  crossOriginIsolated: boolean;
  /** Per worker, in the order of the `threads` parameter. */
  workers: {
    threads: number;
    singleThreadedBuild: boolean;
    info: WasmThreadsInfo | null;
    wasmFile: string | null;
    describe: string | null;
    times: Record<'vanilla' | 'asi' | 'floor', number[]>;
    numTensors: number[];
    kernels: KernelResults | null;
  }[];
}
