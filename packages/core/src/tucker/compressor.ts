/**
 * `TuckerCompressor`: the base class of every Tucker method (ASI, HOSVD_ε, …).
 *
 * A Tucker method differs from the others only in HOW it finds the factors. Extend this class
 * and implement {@link TuckerCompressor.computeFactors}; the base class forms the core
 * `S = A ×_n U_nᵀ`, packs the activation with exact element/byte counts, and computes the weight
 * gradient with the shared contractions ({@link tuckerConv2dWeightGradient},
 * {@link tuckerDenseWeightGradient}) for conv2d (any groups), depthwise and dense layers:
 *
 * ```ts
 * class MyTucker extends TuckerCompressor {
 *   constructor(geometry: LayerGeometry, private ranks: number[]) { super('my-tucker', geometry); }
 *   protected computeFactors(a: tf.Tensor) {
 *     return a.shape.map((d, n) => orthonormalBasisOfMode(a, n, this.ranks[n])); // [d_n, k_n] each
 *   }
 * }
 * ```
 *
 * Rules for `computeFactors` (it runs inside the op's forward `tf.tidy`):
 * - return one fresh `[d_n, k_n]` tensor with orthonormal columns per mode of the input, or
 *   `null` to keep a mode whole (no factor stored);
 * - temporaries are disposed by the surrounding tidy; tensors kept across steps (warm-start
 *   state) must be `tf.keep`-ed, stored on `this`, released in `dispose()`, and must not be
 *   returned themselves (return `tf.clone(state)` if the same values are the factor);
 * - the batch size may differ from `geometry.inputShape[0]` (last, smaller batch): read shapes
 *   from the input.
 * Override `getState`/`setState`/`dispose` when the method keeps state, and `extraMeta` to record
 * plain values (ranks chosen, ε, …) in the activation's `meta`.
 */
import { ShapeError, tf, tuckerCore, type TuckerFactors } from '@odl/backend';
import type { CompressedActivation, CompressorState, LayerCompressor, LayerGeometry } from '../contract';
import { normalizeGeometry } from '../geometry';
import { tuckerCompressedActivation, unpackTucker } from './activation';
import { tuckerConv2dWeightGradient } from './conv';
import { tuckerDenseWeightGradient } from './dense';

/**
 * Base class of Tucker compressors: subclasses implement only `computeFactors` (see the file
 * header for the rules); core formation, memory accounting and the weight gradient are shared.
 *
 * @example
 * ```ts
 * class FullRank extends TuckerCompressor {
 *   constructor(g: LayerGeometry) { super('full-rank', g); }
 *   protected computeFactors(a: tf.Tensor) { return a.shape.map((d) => tf.eye(d) as tf.Tensor2D); }
 * }
 * ```
 */
export abstract class TuckerCompressor implements LayerCompressor {
  /** Name of the method (the registry key of the plugin that made it). */
  readonly method: string;
  /** The layer this compressor serves (normalised: defaults filled in). */
  readonly geometry: LayerGeometry;

  /**
   * @param method - the registry key of the plugin
   * @param geometry - the layer; validated and normalised
   */
  constructor(method: string, geometry: LayerGeometry) {
    this.method = method;
    this.geometry = normalizeGeometry(geometry);
  }

  /**
   * The factors of `input`: one `[d_n, k_n]` tensor with orthonormal columns per mode (or `null`
   * to keep the mode whole). Runs inside a `tf.tidy`; see the file header for the rules.
   */
  protected abstract computeFactors(input: tf.Tensor): TuckerFactors;

  /** Plain values to record in the activation's `meta` (default: none). Called after `computeFactors`. */
  protected extraMeta(): Record<string, unknown> {
    return {};
  }

  /** Computes the factors and the core `S = A ×_n U_nᵀ` and packs them with exact memory counts. */
  compress(input: tf.Tensor): CompressedActivation {
    const hasFactor: boolean[] = [];
    const [core, ...stored] = tf.tidy(() => {
      const factors = this.computeFactors(input);
      if (factors.length !== input.rank) {
        throw new ShapeError(`${this.method}: computeFactors returned ${factors.length} factors for a rank-${input.rank} input; return one (or null) per mode`);
      }
      factors.forEach((U) => hasFactor.push(U != null));
      return [tuckerCore(input, factors), ...factors.filter((U): U is tf.Tensor2D => U != null)];
    });
    let next = 0;
    const factors = hasFactor.map((has) => (has ? (stored[next++] as tf.Tensor2D) : null));
    return tuckerCompressedActivation(core, factors, this.extraMeta());
  }

  /**
   * Weight gradient from the core and factors via the shared contractions, never rebuilding A
   * (int8 storage is decoded to float32 first; the decoded copies are released here).
   */
  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { core, factors } = unpackTucker(saved);
      if (this.geometry.kind === 'dense') return tuckerDenseWeightGradient(core, factors, dy);
      return tuckerConv2dWeightGradient(core, factors, dy, this.geometry);
    });
  }

  /** No persistent state by default. */
  getState(): CompressorState | null {
    return null;
  }

  /** Nothing to restore by default. */
  setState(_state: CompressorState): void {}

  /** Nothing to release by default. */
  dispose(): void {}
}
