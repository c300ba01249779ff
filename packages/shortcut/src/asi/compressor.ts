import { tf, ShapeError, ArgumentError, SeededRandom, orthonormalBasis, type SeededRandomState } from '@odl/backend';
import { TuckerCompressor, tuckerCompressedActivation, type CompressedActivation, type CompressorState, type LayerGeometry, type TuckerFactors } from '@odl/core';
import { validateAsiOptions, type AsiOptions, type AsiSchedule } from './options';
import { sequentialAsiStep } from './sequential';
import { jointSpatialGramPays, warmConvProducts } from './conv-warm';
import { CyclicUnfoldings, tuckerCoreLeft } from './unfoldings';

/** How one mode's factor was obtained in the latest compression. */
export type AsiModeStart = 'cold' | 'warm';

/**
 * ASI compressor of one layer (DESIGN §3): per mode, one subspace-iteration step from the previous
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

  private factors: (tf.Tensor2D | null)[];
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
    this.factors = this.ranks.map(() => null);
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
   * Tucker core S = A ×_n U_nᵀ, packed with exact element and byte counts. Updates the warm-start
   * state.
   */
  override compress(input: tf.Tensor): CompressedActivation {
    if (this.schedule === 'sequential') {
      this.checkInput(input);
      const ks = this.effectiveRanks(input.shape);
      let warm: boolean[] = [];
      const [core, ...factors] = tf.tidy(() => {
        const step = sequentialAsiStep(input, ks, this.factors, this.warmStart, this.rng, this.powerSteps);
        warm = step.warm;
        return [step.core, ...step.factors];
      });
      this.finishStep(factors as tf.Tensor2D[], warm.map((w) => (w ? 'warm' : 'cold')), ks);
      return tuckerCompressedActivation(core!, factors as tf.Tensor2D[], this.extraMeta());
    }
    const [core, ...factors] = tf.tidy(() => {
      const us = this.computeFactors(input) as tf.Tensor2D[];
      return [tuckerCoreLeft(input, us), ...us];
    });
    return tuckerCompressedActivation(core, factors, this.extraMeta());
  }

  /**
   * One ASI step per mode (DESIGN §3, step 2): warm P = A_(n)(A_(n)ᵀ U_prev) when the previous
   * factor has the right shape, else cold P = A_(n) Ω; U_n = orthonormal basis of P. Runs inside a
   * tidy. The unfoldings come from cyclic permutations of A (see ./unfoldings).
   */
  protected computeFactors(input: tf.Tensor): TuckerFactors {
    this.checkInput(input);
    const shape = input.shape;
    const ks = this.effectiveRanks(shape);
    const starts: AsiModeStart[] = [];
    const us: tf.Tensor2D[] = [];
    const warmAll = shape.map((d, n) => {
      const prev = this.factors[n];
      return this.warmStart && prev != null && prev.shape[0] === d && prev.shape[1] === ks[n];
    });
    if (shape.length === 4 && warmAll.every(Boolean) && jointSpatialGramPays(shape[1], shape[2], ks[1], ks[2])) {
      // All four modes warm on a small feature map: two transposes of A instead of three.
      for (const p of warmConvProducts(input as tf.Tensor4D, this.factors as tf.Tensor2D[])) {
        starts.push('warm');
        us.push(orthonormalBasis(p));
      }
      return this.finishStep(us, starts, ks);
    }
    const unfold = new CyclicUnfoldings(input);
    try {
      for (let n = 0; n < shape.length; n++) {
        const prev = this.factors[n];
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
    return this.finishStep(us, starts, ks);
  }

  private finishStep(us: tf.Tensor2D[], starts: AsiModeStart[], ks: number[]): tf.Tensor2D[] {
    this.replaceFactors(us);
    this.starts = starts;
    this.stepCount += 1;
    this.lastRanks = ks;
    return us;
  }

  /** Records the effective ranks and how each mode started in the activation's `meta.asi`. */
  protected override extraMeta(): Record<string, unknown> {
    return { asi: { ranks: [...this.lastRanks], starts: [...this.starts], step: this.stepCount } };
  }

  /** Copies of the factors, the step counter and the generator state. */
  override getState(): CompressorState {
    const tensors: Record<string, tf.Tensor> = {};
    this.factors.forEach((u, n) => {
      if (u != null) tensors[`U${n}`] = tf.clone(u);
    });
    return {
      tensors,
      values: {
        method: 'asi',
        steps: this.stepCount,
        rng: JSON.stringify(this.rng.getState()),
        modes: this.ranks.length,
      },
    };
  }

  /** Restores a state from {@link getState} (tensors are copied). */
  override setState(state: CompressorState): void {
    if (state.values.method !== 'asi' || state.values.modes !== this.ranks.length) {
      throw new ArgumentError(`ASI setState: the state is not an ASI state for a ${this.ranks.length}-mode layer; pass what getState of the same layer returned`);
    }
    const next = this.ranks.map((_, n) => {
      const t = state.tensors[`U${n}`];
      return t == null ? null : (tf.keep(tf.clone(t)) as tf.Tensor2D);
    });
    this.disposeFactors();
    this.factors = next;
    this.stepCount = Number(state.values.steps ?? 0);
    this.rng.setState(JSON.parse(String(state.values.rng)) as SeededRandomState);
  }

  /** Releases the factors kept for warm start. */
  override dispose(): void {
    this.disposeFactors();
    this.factors = this.ranks.map(() => null);
  }

  private replaceFactors(factors: tf.Tensor2D[]): void {
    const copies = factors.map((u) => tf.keep(tf.clone(u)));
    this.disposeFactors();
    this.factors = copies;
  }

  private disposeFactors(): void {
    for (const u of this.factors) u?.dispose();
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
