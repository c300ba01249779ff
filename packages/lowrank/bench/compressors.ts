// Benchmark: per-step cost of the baseline compressors on representative layers — wall time of
// compress (forward side) and of the weight gradient (backward side), and the activation memory
// kept, against 'vanilla'. Run through `odl bench` or directly: `npx tsx packages/lowrank/bench/compressors.ts`.
import { setupBackend, tf, type BackendName } from '@odl/backend';
import { conv2dGeometry, createLayerCompressor, denseGeometry, depthwiseGeometry, type LayerGeometry } from '@odl/core';
import { median, type BenchRow } from '@odl/test-utils';
import { registerLowrank } from '../src/index';

/** Options of {@link benchLowrank}. */
export interface BenchLowrankOptions {
  /** Backend to run on (default `'wasm'`). */
  backend?: BackendName;
  /** Timed repetitions per measurement; the median is reported (default 5). */
  reps?: number;
}

const LAYERS: { label: string; geometry: LayerGeometry }[] = [
  { label: 'conv3x3 32x12x12x48->48', geometry: conv2dGeometry([32, 12, 12, 48], [3, 3, 48, 48], { pad: 'same' }) },
  { label: 'depthwise3x3 32x12x12x96', geometry: depthwiseGeometry([32, 12, 12, 96], [3, 3, 96, 1], { pad: 'same' }) },
  { label: 'dense 32x64x96->96', geometry: denseGeometry([32, 64, 96], [96, 96]) },
];

const METHODS: { label: string; method: string; options: Record<string, unknown>; convOnly?: boolean }[] = [
  { label: 'vanilla', method: 'vanilla', options: {} },
  { label: 'hosvd eps=0.8 gram', method: 'hosvd', options: { epsilon: 0.8 } },
  { label: 'hosvd eps=0.8 svd', method: 'hosvd', options: { epsilon: 0.8, path: 'svd' } },
  { label: 'svd eps=0.8', method: 'svd', options: { epsilon: 0.8 } },
  { label: 'gradient-filter r=2', method: 'gradient-filter', options: { radius: 2 }, convOnly: true },
];

/**
 * Measures every baseline on every layer: median ms of `compress` and of `weightGradient`
 * (results read back), and the activation bytes kept, with the saving against vanilla.
 *
 * @example
 * ```ts
 * const rows = await benchLowrank({ backend: 'wasm', reps: 3 });
 * ```
 */
export async function benchLowrank(options: BenchLowrankOptions = {}): Promise<BenchRow[]> {
  const backend = options.backend ?? 'wasm';
  const reps = options.reps ?? 5;
  await setupBackend({ prefer: [backend] });
  registerLowrank();
  const rows: BenchRow[] = [];
  for (const { label, geometry } of LAYERS) {
    const x = tf.randomNormal(geometry.inputShape, 0, 1, 'float32', 1);
    const dy = tf.randomNormal(geometry.outputShape, 0, 1, 'float32', 2);
    let vanillaBytes = 0;
    for (const m of METHODS) {
      if (m.convOnly && geometry.kind === 'dense') continue;
      const compressor = createLayerCompressor(m.method, geometry, m.options);
      const compressMs: number[] = [];
      const gradientMs: number[] = [];
      let bytes = 0;
      for (let i = 0; i <= reps; i++) {
        const t0 = performance.now();
        const saved = compressor.compress(x);
        for (const t of saved.tensors) t.dataSync();
        const t1 = performance.now();
        const grad = compressor.weightGradient(saved, dy);
        grad.dataSync();
        const t2 = performance.now();
        if (i > 0) {
          compressMs.push(t1 - t0);
          gradientMs.push(t2 - t1);
        }
        bytes = saved.bytes;
        tf.dispose([grad, ...saved.tensors]);
      }
      compressor.dispose();
      if (m.method === 'vanilla') vanillaBytes = bytes;
      const note = `${backend}, median of ${reps}, batch ${geometry.inputShape[0]}`;
      rows.push({ name: `${label} ${m.label} compress`, value: Number(median(compressMs).toFixed(2)), unit: 'ms', note });
      rows.push({ name: `${label} ${m.label} weight gradient`, value: Number(median(gradientMs).toFixed(2)), unit: 'ms', note });
      rows.push({ name: `${label} ${m.label} activation`, value: Number((bytes / 2 ** 20).toFixed(4)), unit: 'mib', note: `${(vanillaBytes / bytes).toFixed(1)}x less than vanilla` });
    }
    tf.dispose([x, dy]);
  }
  return rows;
}
