/**
 * Benchmark: one training step of a compressed conv layer per method, measured with
 * {@link profileTrainingStep}: bytes retained between forward and backward (against the analytic
 * count) and the median wall time of the forward, compression, backward and optimizer phases.
 * The layer is MCUNet-like (`[32, 14, 14, 48]` → 3×3 conv → 96 channels); the activation has a
 * decaying spectrum so that the ε methods reach ranks below the dimensions.
 */
import { setupBackend, tf, type BackendName } from '@odl/backend';
import { compressedConv2d, conv2dGeometry, createLayerCompressor, getMethod, hasMethod, resolveOptions } from '@odl/core';
import { registerLowrank } from '@odl/lowrank';
import { registerShortcut } from '@odl/shortcut';
import { decayingActivation, type BenchRow } from '@odl/test-utils';
import { activationBytesOf, layerCost, profileTrainingStep } from '../src';

/** Options of {@link benchTrainingStep}. */
export interface BenchTrainingStepOptions {
  /** Backend; default `'wasm'`. */
  backend?: BackendName;
  /** Input shape NHWC; default `[32, 14, 14, 48]`. */
  shape?: [number, number, number, number];
  /** Output channels; default 96. */
  outChannels?: number;
  /** Measured steps; default 5 (after 1 warm-up step). */
  steps?: number;
}

/**
 * Runs the benchmark and returns its rows (`odl bench` prints them as one table).
 *
 * @example
 * ```ts
 * const rows = await benchTrainingStep({ backend: 'cpu', steps: 3 });
 * ```
 */
export async function benchTrainingStep(o: BenchTrainingStepOptions = {}): Promise<BenchRow[]> {
  await setupBackend({ prefer: [o.backend ?? 'wasm'] });
  registerLowrank();
  registerShortcut();
  const shape = o.shape ?? [32, 14, 14, 48];
  const cout = o.outChannels ?? 96;
  const geometry = conv2dGeometry(shape, [3, 3, shape[3], cout], { pad: 'same' });
  const x = decayingActivation(shape, { seed: 42, mean: 0.3, decay: 0.85 }) as tf.Tensor4D;
  // The analytic bytes are asked of each plugin (a data-dependent method measures its ranks on x).
  const methods: { method: string; options: Record<string, unknown> }[] = [
    { method: 'vanilla', options: {} },
    { method: 'asi', options: { ranks: [8, 6, 6, 12] } },
    { method: 'hosvd', options: { epsilon: 0.8 } },
    { method: 'svd', options: { epsilon: 0.8 } },
    { method: 'gradient-filter', options: { radius: 2 } },
  ];
  const rows: BenchRow[] = [];
  const backend = tf.getBackend();
  for (const m of methods) {
    if (!hasMethod(m.method)) {
      rows.push({ name: `${m.method}: not registered`, value: 0, unit: '-', note: 'plugin missing' });
      continue;
    }
    const compressor = createLayerCompressor(m.method, geometry, m.options);
    const w = tf.variable(tf.randomNormal([3, 3, shape[3], cout], 0, 0.05, 'float32', 7));
    const optimizer = tf.train.sgd(1e-3);
    let lossInputs: tf.Tensor[] = [];
    const p = await profileTrainingStep({
      forward: () => {
        const y = compressedConv2d(x, w as unknown as tf.Tensor4D, null, { inputGradient: false }, compressor);
        const sq = tf.square(y);
        lossInputs = [y, sq];
        return tf.sum(sq) as tf.Scalar;
      },
      variables: [w],
      optimizer,
      steps: o.steps ?? 5,
      warmup: 1,
      compressors: [compressor],
      exclude: () => lossInputs,
      layerOutputs: () => lossInputs.slice(0, 1),
      measurePeak: false,
    });
    const plugin = getMethod(m.method);
    const options = resolveOptions(plugin, m.options);
    const analytic = activationBytesOf(layerCost(geometry, m.method, plugin.costOptionsFor?.(geometry, options, x) ?? options));
    const note = `${backend}, conv ${shape.join('×')} → 3×3×${cout}, median of ${p.steps} steps`;
    rows.push(
      { name: `${m.method}: retained, whole step (measured)`, value: p.retainedBytes, unit: 'bytes', note: `analytic ${analytic}; loss tensors excluded` },
      { name: `${m.method}: retained by the layer (measured)`, value: p.layerRetainedBytes ?? 0, unit: 'bytes', note: `analytic ${analytic}` },
      { name: `${m.method}: forward`, value: p.forward.medianMs, unit: 'ms', note },
      { name: `${m.method}: compression`, value: p.compression.medianMs, unit: 'ms', note },
      { name: `${m.method}: backward`, value: p.backward.medianMs, unit: 'ms', note },
      { name: `${m.method}: optimizer`, value: p.optimizer.medianMs, unit: 'ms', note },
    );
    compressor.dispose();
    optimizer.dispose();
    w.dispose();
  }
  x.dispose();
  return rows;
}
