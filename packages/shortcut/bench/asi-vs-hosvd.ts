/**
 * Benchmark: the ASI compression step (warm start) against HOSVD_ε compression (full-SVD path and
 * Gram path) on the same MCUNet-like activation, on the wasm backend.
 *
 * Each method compresses the same stream of four MCUNet-like activations (factors + Tucker core,
 * what a training step stores for backward), each call on a fresh tensor as in training; ASI uses
 * the ranks HOSVD_0.8 finds on the first batch, as rank selection would fix them. Times are medians
 * over repeated calls after a warm-up call, including the read-back of the result (`dataSync`), so
 * that asynchronous backends are measured fully. The reconstruction errors show that the warm ASI
 * step keeps HOSVD's quality at the same memory.
 */
import { setupBackend, tf, tuckerCompose } from '@odl/backend';
import { conv2dGeometry, hosvdFactors, unpackTucker, type CompressedActivation, type LayerCompressor } from '@odl/core';
import { hosvdPlugin } from '@odl/lowrank';
import { decayingActivation, median, type BenchRow } from '@odl/test-utils';
import { asiPlugin } from '../src/index';

/** Options of {@link benchAsiCompression}. */
export interface BenchAsiOptions {
  /** Activation shape NHWC (default MCUNet-like `[64, 14, 14, 96]`). */
  shape?: number[];
  /** Timed repetitions of the fast methods (ASI, HOSVD Gram); default 10. */
  repeats?: number;
  /** Timed repetitions of HOSVD's full-SVD path (slow); default 2. */
  svdRepeats?: number;
  /** Explained variance ε of HOSVD (and of the ranks given to ASI); default 0.8. */
  epsilon?: number;
}

/**
 * Median time of `c.compress` over `repeats` calls. Each call gets a fresh copy of one of the
 * batches (a new tensor, as in training: tfjs-wasm caches per tensor), made outside the timing.
 */
function timeCompress(c: LayerCompressor, batches: tf.Tensor[], repeats: number): { ms: number; act: CompressedActivation } {
  const times: number[] = [];
  let last: CompressedActivation | null = null;
  for (let i = 0; i < repeats; i++) {
    const a = tf.clone(batches[i % batches.length]);
    const t0 = performance.now();
    const act = c.compress(a);
    act.tensors.forEach((t) => t.dataSync());
    times.push(performance.now() - t0);
    a.dispose();
    last?.tensors.forEach((t) => t.dispose());
    last = act;
  }
  return { ms: median(times, 'upper'), act: last! };
}

/** ‖A − Ã‖_F / ‖A‖_F of one more compression of `batch` (not timed). */
function reconstructionError(c: LayerCompressor, batch: tf.Tensor): number {
  const act = c.compress(batch);
  const error = tf.tidy(() => {
    const { core, factors } = unpackTucker(act);
    return tf.norm(tf.sub(batch, tuckerCompose(core, factors))).dataSync()[0] / tf.norm(batch).dataSync()[0];
  });
  act.tensors.forEach((t) => t.dispose());
  return error;
}

/**
 * Runs the benchmark and returns its rows (`odl bench` prints them as one table). Switches the engine to wasm.
 *
 * @example
 * ```ts
 * const rows = await benchAsiCompression();
 * ```
 */
export async function benchAsiCompression(options: BenchAsiOptions = {}): Promise<BenchRow[]> {
  const shape = options.shape ?? [64, 14, 14, 96];
  const repeats = options.repeats ?? 10;
  const svdRepeats = options.svdRepeats ?? 2;
  const epsilon = options.epsilon ?? 0.8;
  const info = await setupBackend({ prefer: ['wasm'] });
  const geometry = conv2dGeometry(shape, [1, 1, shape[3], shape[3]]);
  // Activations with a decaying spectrum on every mode (Gaussian × 0.9^i per axis, then ReLU).
  const batches = [0, 1, 2, 3].map((i) => decayingActivation(shape, { seed: 42 + i, mean: 0.3, decay: 0.9 }));
  const a = batches[0];
  const { factors, ranks } = hosvdFactors(a, epsilon, 'gram');
  factors.forEach((u) => u.dispose());

  const asi = asiPlugin.create(geometry, { ranks, seed: 1 });
  const cold = timeCompress(asi, batches, 1); // first step: cold start
  cold.act.tensors.forEach((t) => t.dispose());
  const warm = timeCompress(asi, batches, repeats + 1);
  const asiElements = warm.act.elements;
  warm.act.tensors.forEach((t) => t.dispose());
  const asiError = reconstructionError(asi, batches[0]);
  asi.dispose();

  const gramC = hosvdPlugin.create(geometry, { epsilon, path: 'gram' });
  timeCompress(gramC, batches, 1).act.tensors.forEach((t) => t.dispose());
  const gram = timeCompress(gramC, batches, repeats);
  gram.act.tensors.forEach((t) => t.dispose());

  const svdC = hosvdPlugin.create(geometry, { epsilon, path: 'svd' });
  const svd = timeCompress(svdC, batches, svdRepeats);
  const hosvdElements = svd.act.elements;
  svd.act.tensors.forEach((t) => t.dispose());
  const hosvdError = reconstructionError(gramC, batches[0]);
  const size = a.size;
  batches.forEach((b) => b.dispose());

  const what = `A ${shape.join('×')} (${size} elements), ${info.backend}, ranks [${ranks.join(', ')}] (HOSVD ε=${epsilon})`;
  const rows: BenchRow[] = [
    { name: 'ASI compression, warm step', value: warm.ms, unit: 'ms', note: `median of ${repeats}; ${what}` },
    { name: 'ASI compression, cold step', value: cold.ms, unit: 'ms', note: 'first step, Gaussian sketch' },
    { name: 'HOSVD_ε compression, Gram path', value: gram.ms, unit: 'ms', note: `median of ${repeats}; eigenvectors of A_(n)A_(n)ᵀ` },
    { name: 'HOSVD_ε compression, full-SVD path', value: svd.ms, unit: 'ms', note: `median of ${svdRepeats}; SVD of each unfolding` },
    { name: 'speed-up ASI vs HOSVD full-SVD', value: svd.ms / warm.ms, unit: '×', note: 'target ≥ 20×' },
    { name: 'speed-up ASI vs HOSVD Gram', value: gram.ms / warm.ms, unit: '×' },
    { name: 'relative reconstruction error, ASI warm', value: asiError, unit: 'ratio', note: '‖A − Ã‖_F / ‖A‖_F on batch 0 after the timed steps' },
    { name: 'relative reconstruction error, HOSVD_ε', value: hosvdError, unit: 'ratio', note: 'same batch, its own ε ranks' },
    { name: 'stored elements, ASI', value: asiElements, unit: 'elements', note: 'core + factors' },
    { name: 'stored elements, HOSVD_ε', value: hosvdElements, unit: 'elements', note: 'core + factors' },
  ];
  return rows;
}
