// Benchmark: weight gradient of one conv layer from a Tucker form (the shared contractions)
// against the vanilla exact weight gradient, plus the bytes each keeps between forward and
// backward (measured on the gradient tape). Run: `odl bench` (wired by the CLI) or import and call.
import { measureSavedForBackward, setupBackend, tf, type BackendName, tuckerCore, type TuckerFactors } from '@odl/backend';
import {
  compressedConv2d,
  conv2dGeometry,
  createLayerCompressor,
  exactWeightGradient,
  TuckerCompressor,
  tuckerConv2dWeightGradient,
  type LayerGeometry,
} from '../src/index';
import { gramSchmidtF64, meanMs, type BenchRow } from '@odl/test-utils';

/** Options of {@link benchContractions}. */
export interface ContractionBenchOptions {
  /** Backend to run on (default: wasm, falling back to cpu). */
  backend?: BackendName;
  /** Timed repetitions per measurement, after one warm-up (default 5). */
  repeats?: number;
  /** Batch size (default 32). */
  batch?: number;
  /** Per-mode ranks `[K0, K1, K2, K3]` (default `[8, 12, 12, 8]`). */
  ranks?: [number, number, number, number];
}

/** A d×k matrix of orthonormal columns: a seeded Gaussian, orthonormalised in Float64. */
function orthonormal(d: number, k: number, seed: number): tf.Tensor2D {
  const g = tf.tidy(() => tf.transpose(tf.randomNormal([k, d], 0, 1, 'float32', seed)).dataSync());
  return tf.tensor2d(Float32Array.from(gramSchmidtF64(g, d, k)), [d, k]);
}

class FixedFactors extends TuckerCompressor {
  constructor(geometry: LayerGeometry, private readonly factors: TuckerFactors) {
    super('bench-fixed', geometry);
  }
  protected computeFactors(): TuckerFactors {
    return this.factors.map((U) => (U == null ? null : tf.clone(U)));
  }
}

/**
 * Times the Tucker conv weight gradient against the vanilla one for a 3×3 conv
 * (B×28×28×32 → 32 channels, 'same') and measures the bytes kept for backward by each.
 *
 * @example
 * ```ts
 * const rows = await benchContractions({ repeats: 3 });
 * ```
 */
export async function benchContractions(options: ContractionBenchOptions = {}): Promise<BenchRow[]> {
  const info = await setupBackend({ prefer: options.backend ? [options.backend] : ['wasm', 'cpu'] });
  const repeats = options.repeats ?? 5;
  const B = options.batch ?? 32;
  const ranks = options.ranks ?? [8, 12, 12, 8];
  const g = conv2dGeometry([B, 28, 28, 32], [3, 3, 32, 32], { pad: 'same' });
  const x = tf.randomNormal(g.inputShape, 0, 1, 'float32', 1);
  const dy = tf.randomNormal(g.outputShape, 0, 1, 'float32', 2);
  const factors = g.inputShape.map((d, n) => orthonormal(d, ranks[n], 10 + n));
  const S = tuckerCore(x, factors);
  // Each run in a tidy: the intermediates' disposal is part of the time.
  const vanillaMs = meanMs(() => {
    tf.tidy(() => exactWeightGradient(g, x, dy).dataSync());
  }, repeats);
  const tuckerMs = meanMs(() => {
    tf.tidy(() => tuckerConv2dWeightGradient(S, factors, dy, g).dataSync());
  }, repeats);
  const w = tf.variable(tf.randomNormal(g.weightShape, 0, 0.1, 'float32', 3));
  const keptBytes = (method: 'vanilla' | 'tucker') => {
    const c = method === 'vanilla' ? createLayerCompressor('vanilla', g) : new FixedFactors(g, factors);
    const R = tf.randomNormal(g.outputShape, 0, 1, 'float32', 4);
    // a loss Σ y⊙R whose gradient node saves nothing, so only the layer's buffers are counted
    const loss = tf.customGrad((y: tf.Tensor | tf.GradSaveFunc) => ({
      value: tf.sum(tf.mul(y as tf.Tensor, R)),
      gradFunc: (d: tf.Tensor) => tf.mul(d, R),
    }));
    const m = measureSavedForBackward(() => loss(compressedConv2d(x as tf.Tensor4D, w as tf.Tensor as tf.Tensor4D, null, { inputGradient: false }, c)), [w]);
    R.dispose();
    return m.bytes;
  };
  const vanillaBytes = keptBytes('vanilla');
  const tuckerBytes = keptBytes('tucker');
  [x, dy, S, w, ...factors].forEach((t) => t.dispose());
  const shape = `${B}×28×28×32, 3×3, 32 out, ranks ${ranks.join('/')}, ${info.backend}`;
  const rows: BenchRow[] = [
    { name: 'conv weight gradient, vanilla', value: vanillaMs, unit: 'ms', note: shape },
    { name: 'conv weight gradient, Tucker contractions', value: tuckerMs, unit: 'ms', note: shape },
    { name: 'weight-gradient speed-up', value: vanillaMs / tuckerMs, unit: 'x', note: shape },
    { name: 'bytes kept for backward, vanilla', value: vanillaBytes, unit: 'bytes', note: 'measured on the tape' },
    { name: 'bytes kept for backward, Tucker', value: tuckerBytes, unit: 'bytes', note: 'measured on the tape' },
    { name: 'activation memory reduction', value: vanillaBytes / tuckerBytes, unit: 'x', note: shape },
  ];
  return rows;
}
