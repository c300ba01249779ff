import { tf, ArgumentError, ShapeError, tuckerCore } from '@odl/backend';
import {
  exactWeightGradient,
  hosvdFactorsForEpsilons,
  tuckerConv2dWeightGradient,
  tuckerDenseWeightGradient,
  tuckerStorageCount,
  type CalibrationLayer as CoreCalibrationLayer,
  type TuckerStorage,
} from '@odl/core';
import { DEFAULT_EPSILONS, PERPLEXITY_TABLE_SCHEMA_VERSION, type PerplexityCandidate, type PerplexityTable } from './table';

/**
 * One layer to measure: its geometry, its input on the calibration batch, and its output
 * gradient (the `CalibrationLayer` of `@odl/core`'s planner contract, optionally with the exact
 * weight gradient).
 */
export interface CalibrationLayer extends CoreCalibrationLayer {
  /**
   * The exact weight gradient, or a function computing it. Default: `exactWeightGradient` of
   * @odl/core from `input` and `dy`.
   */
  exactWeightGradient?: tf.Tensor | (() => tf.Tensor);
}

/** Options of {@link measurePerplexity}. */
export interface MeasurePerplexityOptions {
  /** Explained-variance thresholds ε to measure (default 0.4, 0.5, …, 0.9). Each in (0, 1]. */
  epsilons?: readonly number[];
  /** How HOSVD_ε finds singular vectors: eigenvectors of the Gram matrix (default) or an SVD. */
  method?: 'gram' | 'svd';
  /**
   * Storage the ranks will be used with (ASI's `storage` option, default `'float32'`): sets each
   * candidate's `bytes` (`tuckerStorageCount` of @odl/core), so that a budget is met in that storage.
   */
  storage?: TuckerStorage;
}

/**
 * Measures, for each layer and each ε, the HOSVD_ε ranks of the layer input (one per mode,
 * `hosvdFactorsForEpsilons` of `@odl/core`, the same HOSVD_ε as `@odl/lowrank`'s compressor; a rank is
 * capped at ASI's effective rank min(k, d, numel/d)), the memory they need (Π k + Σ d·k
 * elements, 4 bytes each in float32 storage) and the perplexity ‖ΔΘ_exact − ΔΘ_lowrank‖_F of the
 * weight gradient computed from the Tucker form (docs/method.md §5).
 *
 * @example
 * ```ts
 * const table = measurePerplexity([{ name: 'fc', geometry: denseGeometry([32, 64], [64, 10]), input: x, dy }]);
 * const plan = chooseRanks(table, 8 * 1024);
 * ```
 */
export function measurePerplexity(layers: readonly CalibrationLayer[], options: MeasurePerplexityOptions = {}): PerplexityTable {
  const epsilons = [...(options.epsilons ?? DEFAULT_EPSILONS)];
  if (epsilons.length === 0 || !epsilons.every((e) => Number.isFinite(e) && e > 0 && e <= 1)) {
    throw new ArgumentError(`measurePerplexity: epsilons must be a non-empty list of numbers in (0, 1], got [${epsilons.join(', ')}]`);
  }
  const names = new Set<string>();
  const storage = options.storage ?? 'float32';
  const out: PerplexityTable = { schema: 'odl.perplexity-table', schemaVersion: PERPLEXITY_TABLE_SCHEMA_VERSION, epsilons, storage, layers: [] };
  for (const layer of layers) {
    if (names.has(layer.name)) throw new ArgumentError(`measurePerplexity: layer name '${layer.name}' appears twice; names must be unique`);
    names.add(layer.name);
    checkLayer(layer);
    const geometry = layer.geometry;
    const exact = tf.tidy(() => {
      const given = layer.exactWeightGradient;
      if (given == null) return exactWeightGradient(geometry, layer.input, layer.dy);
      return typeof given === 'function' ? given() : tf.clone(given);
    });
    const exactNorm = tf.tidy(() => tf.norm(exact).dataSync()[0]);
    // Every mode's spectrum once for all ε (not once per ε): the factors of each ε, owned here.
    const perEpsilon = hosvdFactorsForEpsilons(layer.input, epsilons, options.method ?? 'gram');
    let candidates: PerplexityCandidate[];
    try {
      candidates = epsilons.map((epsilon, i) =>
        tf.tidy(() => {
          const numel = layer.input.size;
          // ASI's effective rank is min(k, d, numel/d): at ε = 1 the Gram path keeps all d_n
          // directions, the ones beyond numel/d_n have no energy and ASI would not store them.
          const factors = perEpsilon[i]!.factors.map((u) => {
            const k = Math.min(u.shape[1], numel / u.shape[0]);
            return k < u.shape[1] ? (tf.slice(u, [0, 0], [-1, k]) as tf.Tensor2D) : u;
          });
          const core = tuckerCore(layer.input, factors);
          const approx =
            geometry.kind === 'dense'
              ? tuckerDenseWeightGradient(core, factors, layer.dy)
              : tuckerConv2dWeightGradient(core, factors, layer.dy, geometry);
          const perplexity = tf.norm(tf.sub(exact, approx)).dataSync()[0];
          const ranks = factors.map((u) => u.shape[1]);
          const { elements, bytes } = tuckerStorageCount(layer.input.shape, ranks, storage);
          return { epsilon, ranks, elements, bytes, perplexity };
        }),
      );
    } finally {
      exact.dispose();
      tf.dispose(perEpsilon.flatMap((f) => f.factors));
    }
    out.layers.push({ name: layer.name, geometry, exactGradientNorm: exactNorm, candidates });
  }
  return out;
}

function checkLayer(layer: CalibrationLayer): void {
  const { geometry, input, dy } = layer;
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
  if (!same(input.shape, geometry.inputShape)) {
    throw new ShapeError(`measurePerplexity: layer '${layer.name}' input has shape [${input.shape.join(', ')}] but its geometry says [${geometry.inputShape.join(', ')}]`);
  }
  if (!same(dy.shape, geometry.outputShape)) {
    throw new ShapeError(`measurePerplexity: layer '${layer.name}' dy has shape [${dy.shape.join(', ')}] but its geometry's output is [${geometry.outputShape.join(', ')}]`);
  }
}
