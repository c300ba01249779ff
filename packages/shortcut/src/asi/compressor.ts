import {
  tf,
  ShapeError,
  ArgumentError,
  SeededRandom,
  orthonormalBasis,
  quantizeInt8Columns,
  dequantizeInt8Columns,
  type Int8Columns,
  type SeededRandomState,
  tuckerCore,
  type TuckerFactors,
} from '@odl/backend';
import {
  TuckerCompressor,
  tuckerCompressedActivation,
  type CompressedActivation,
  type CompressorState,
  type LayerGeometry,
  type TuckerStorage,
} from '@odl/core';
import { validateAsiOptions, type AsiOptions, type AsiSchedule } from './options';
import { sequentialAsiStep } from './sequential';
import { jointSpatialGramPays, warmConvProducts } from './conv-warm';
import { CyclicUnfoldings } from './unfoldings';

/** How one mode's factor was obtained in the latest compression. */
export type AsiModeStart = 'cold' | 'warm';

/**
 * ASI compressor of one layer (docs/method.md §3): per mode, one subspace-iteration step from the previous
 * step's factor (warm) or a Gaussian sketch (cold), an orthonormal basis, then the Tucker core.
 * The factors stay as the layer's state for the next step.
 *
 * @example
 * ```ts
 * const c = new AsiCompressor(denseGeometry([32, 64], [64, 10]), { ranks: [8, 8] });
 * const saved = c.compress(x);            // keeps S (8×8), U_B (32×8) and U_I (64×8)
 * const dW = c.weightGradient(saved, dy); // 64×10, from the Tucker form
 * ```
 */
export class AsiCompressor extends TuckerCompressor {
  /** Requested rank per mode (the effective rank is min(r_n, d_n, m_n)). */
  readonly ranks: readonly number[];
  /** Whether later steps start from the previous factors. */
  readonly warmStart: boolean;
  /** Seed of this layer's Gaussian generator. */
  readonly seed: number;
  /** How the per-mode steps are arranged ({@link AsiOptions.schedule}). */
  readonly schedule: AsiSchedule;
  /** Power steps per mode and training step ({@link AsiOptions.powerSteps}). */
  readonly powerSteps: number;
  /** How the core and factors are stored ({@link AsiOptions.storage}). */
  readonly storage: TuckerStorage;

  /** Warm-start state with float32 storage: the previous step's factors. */
  private factors: (tf.Tensor2D | null)[];
  /** Warm-start state with int8 storage: the previous step's stored factor codes and scales. */
  private codes: (Int8Columns | null)[];
  private rng: SeededRandom;
  private stepCount = 0;
  private starts: AsiModeStart[] = [];
  private lastRanks: number[] = [];

  /**
   * @param geometry - the layer
   * @param options - ranks (one per input axis), warm start, seed; see {@link AsiOptions}
   */
  constructor(geometry: LayerGeometry, options: AsiOptions) {
    super('asi', geometry);
    const o = validateAsiOptions(this.geometry, options);
    this.ranks = o.ranks;
    this.warmStart = o.warmStart;
    this.seed = o.seed;
    this.schedule = o.schedule;
    this.powerSteps = o.powerSteps;
    this.storage = o.storage;
    this.factors = this.ranks.map(() => null);
    this.codes = this.ranks.map(() => null);
    this.rng = new SeededRandom(this.seed);
  }

  /** Number of compressions done so far (training steps seen). */
  get steps(): number {
    return this.stepCount;
  }

  /** Per mode, whether the latest compression started cold or warm (empty before the first). */
  get lastStarts(): readonly AsiModeStart[] {
    return this.starts;
  }

  /** The effective ranks `min(r_n, d_n, m_n)` for an input of the given shape. */
  effectiveRanks(shape: readonly number[]): number[] {
    const numel = shape.reduce((p, d) => p * d, 1);
    return shape.map((d, n) => Math.min(this.ranks[n], d, numel / d));
  }

  /**
   * Compresses the layer input: the ASI factors ({@link AsiCompressor.computeFactors}) and the
   * Tucker core S = A ×_n U_nᵀ, packed with exact element and byte counts in the configured
   * storage. Updates the warm-start state (the stored factors themselves: with int8 storage the
   * next step starts from the decoded codes).
   */
  override compress(input: tf.Tensor): CompressedActivation {
    let core: tf.Tensor;
    let factors: tf.Tensor2D[];
    if (this.schedule === 'sequential') {
      this.checkInput(input);
      const ks = this.effectiveRanks(input.shape);
      let warm: boolean[] = [];
      [core, ...factors] = tf.tidy(() => {
        const step = sequentialAsiStep(input, ks, this.warmFactors(), this.warmStart, this.rng, this.powerSteps);
        warm = step.warm;
        return [step.core, ...step.factors];
      }) as [tf.Tensor, ...tf.Tensor2D[]];
      this.finishStep(warm.map((w) => (w ? 'warm' : 'cold')), ks);
    } else {
      [core, ...factors] = tf.tidy(() => {
        const us = this.computeFactors(input) as tf.Tensor2D[];
        return [tuckerCore(input, us), ...us];
      }) as [tf.Tensor, ...tf.Tensor2D[]];
    }
    const act = tuckerCompressedActivation(core, factors, this.extraMeta(), this.storage);
    if (this.storage === 'float32') {
      this.replaceFactors(act.tensors.slice(1) as tf.Tensor2D[]);
    } else {
      // tensors = [core codes, core scales, U_0 codes, U_0 scales, …]
      this.replaceCodes(this.ranks.map((_, n) => ({ codes: act.tensors[2 + 2 * n]!, scales: act.tensors[3 + 2 * n] as tf.Tensor1D })));
    }
    return act;
  }

  /**
   * The previous step's factors for the warm start (`null` before the first step). With int8
   * storage they are decoded into new tensors: call inside a tidy.
   */
  private warmFactors(): (tf.Tensor2D | null)[] {
    if (this.storage === 'float32') return this.factors;
    return this.codes.map((q) => (q == null ? null : (dequantizeInt8Columns(q) as tf.Tensor2D)));
  }

  /**
   * One ASI step per mode (docs/method.md §3, step 2): warm P = A_(n)(A_(n)ᵀ U_prev) when the previous
   * factor has the right shape, else cold P = A_(n) Ω; U_n = orthonormal basis of P. Runs inside a
   * tidy. The unfoldings come from cyclic permutations of A (see ./unfoldings).
   */
  protected computeFactors(input: tf.Tensor): TuckerFactors {
    this.checkInput(input);
    const shape = input.shape;
    const ks = this.effectiveRanks(shape);
    const starts: AsiModeStart[] = [];
    const us: tf.Tensor2D[] = [];
    const prevs = this.warmFactors();
    const warmAll = shape.map((d, n) => {
      const prev = prevs[n];
      return this.warmStart && prev != null && prev.shape[0] === d && prev.shape[1] === ks[n];
    });
    if (shape.length === 4 && warmAll.every(Boolean) && jointSpatialGramPays(shape[1], shape[2], ks[1], ks[2])) {
      // All four modes warm on a small feature map: two transposes of A instead of three.
      for (const p of warmConvProducts(input as tf.Tensor4D, prevs as tf.Tensor2D[])) {
        starts.push('warm');
        us.push(orthonormalBasis(p));
      }
      this.finishStep(starts, ks);
      return us;
    }
    const unfold = new CyclicUnfoldings(input);
    try {
      for (let n = 0; n < shape.length; n++) {
        const prev = prevs[n];
        const warm = this.warmStart && prev != null && prev.shape[0] === shape[n] && prev.shape[1] === ks[n];
        const p = tf.tidy((): tf.Tensor2D => {
          const x = unfold.unfolding(n);
          if (warm) return tf.matMul(x, tf.matMul(unfold.unfoldingTransposed(n), prev!));
          return tf.matMul(x, this.rng.normal([unfold.sizes(n).m, ks[n]]) as tf.Tensor2D);
        });
        unfold.release(n); // C_n is not needed by later modes
        starts.push(warm ? 'warm' : 'cold');
        us.push(orthonormalBasis(p)); // may return p itself; the surrounding tidy releases p otherwise
      }
    } finally {
      unfold.releaseAll();
    }
    this.finishStep(starts, ks);
    return us;
  }

  private finishStep(starts: AsiModeStart[], ks: number[]): void {
    this.starts = starts;
    this.stepCount += 1;
    this.lastRanks = ks;
  }

  /** Records the effective ranks and how each mode started in the activation's `meta.asi`. */
  protected override extraMeta(): Record<string, unknown> {
    return { asi: { ranks: [...this.lastRanks], starts: [...this.starts], step: this.stepCount } };
  }

  /**
   * Copies of the warm-start factors (`U<n>`; with int8 storage their codes and scales,
   * `U<n>.codes` and `U<n>.scales`), the step counter and the generator state.
   */
  override getState(): CompressorState {
    const tensors: Record<string, tf.Tensor> = {};
    this.factors.forEach((u, n) => {
      if (u != null) tensors[`U${n}`] = tf.clone(u);
    });
    this.codes.forEach((q, n) => {
      if (q == null) return;
      tensors[`U${n}.codes`] = tf.clone(q.codes);
      tensors[`U${n}.scales`] = tf.clone(q.scales);
    });
    return {
      tensors,
      values: {
        method: 'asi',
        steps: this.stepCount,
        rng: JSON.stringify(this.rng.getState()),
        modes: this.ranks.length,
        storage: this.storage,
      },
    };
  }

  /**
   * Restores a state from {@link getState} (tensors are copied). A state saved with the other
   * storage is converted (float32 factors are quantized, int8 codes decoded).
   */
  override setState(state: CompressorState): void {
    if (state.values.method !== 'asi' || state.values.modes !== this.ranks.length) {
      throw new ArgumentError(`ASI setState: the state is not an ASI state for a ${this.ranks.length}-mode layer; pass what getState of the same layer returned`);
    }
    const saved = this.ranks.map((_, n): Int8Columns | tf.Tensor | null => {
      const u = state.tensors[`U${n}`];
      const codes = state.tensors[`U${n}.codes`];
      const scales = state.tensors[`U${n}.scales`];
      if (codes != null && scales != null) return { codes, scales: scales as tf.Tensor1D };
      return u ?? null;
    });
    const isCodes = (x: Int8Columns | tf.Tensor): x is Int8Columns => 'codes' in x;
    this.disposeFactors();
    this.factors = this.ranks.map(() => null);
    this.codes = this.ranks.map(() => null);
    saved.forEach((x, n) => {
      if (x == null) return;
      if (this.storage === 'float32') {
        this.factors[n] = tf.keep(isCodes(x) ? dequantizeInt8Columns(x) : tf.clone(x)) as tf.Tensor2D;
      } else {
        const q = isCodes(x) ? { codes: tf.clone(x.codes), scales: tf.clone(x.scales) } : quantizeInt8Columns(x);
        this.codes[n] = { codes: tf.keep(q.codes), scales: tf.keep(q.scales) };
      }
    });
    this.stepCount = Number(state.values.steps ?? 0);
    this.rng.setState(JSON.parse(String(state.values.rng)) as SeededRandomState);
  }

  /** Releases the factors kept for warm start. */
  override dispose(): void {
    this.disposeFactors();
    this.factors = this.ranks.map(() => null);
    this.codes = this.ranks.map(() => null);
  }

  private replaceFactors(factors: tf.Tensor2D[]): void {
    const copies = factors.map((u) => tf.keep(tf.clone(u)));
    this.disposeFactors();
    this.factors = copies;
  }

  private replaceCodes(stored: Int8Columns[]): void {
    const copies = stored.map((q) => ({ codes: tf.keep(tf.clone(q.codes)), scales: tf.keep(tf.clone(q.scales)) }));
    this.disposeFactors();
    this.codes = copies;
  }

  private disposeFactors(): void {
    for (const u of this.factors) u?.dispose();
    for (const q of this.codes) if (q != null) tf.dispose([q.codes, q.scales]);
  }

  private checkInput(input: tf.Tensor): void {
    const expected = this.geometry.inputShape;
    if (input.rank !== expected.length || input.shape.some((d, i) => i > 0 && d !== expected[i])) {
      throw new ShapeError(
        `ASI compress: input shape [${input.shape.join(', ')}] does not match the layer's [${expected.join(', ')}] (only the batch may differ)`,
      );
    }
  }
}
