import { explainedRank, MAX_EIGEN_SIZE, orthonormalBasis, symmetricEigen, tf } from '@odl/backend';
import {
  MethodOptionError,
  normalizeGeometry,
  rejectUnknownOptions,
  weightMatrixShape,
  type CompressorState,
  type LayerGeometry,
  type WeightParameterization,
} from '@odl/core';
import { DEFAULT_WEIGHT_EPSILON, WASI_OPTIONS, type WasiOptions } from './options';

const METHOD = 'wasi';

/**
 * Which side of the weight matrix M `[rows, cols]` (`weightMatrixShape`) the basis spans:
 * `'output'` (L `[cols, r]`, M_eff = M·L·Lᵀ; the paper's W ≈ L·R with W = Mᵀ) when cols ≤ rows,
 * else `'input'` (L `[rows, r]`, M_eff = L·Lᵀ·M). The smaller side, so that at full rank L is
 * square and orthogonal and M_eff = M (docs/method.md §10).
 */
export type WasiBasisSide = 'output' | 'input';

/** What {@link WasiWeights} chose at the first step. */
export interface WasiBasisChoice {
  /** The side the basis spans. */
  side: WasiBasisSide;
  /** Rank r of the basis. */
  rank: number;
  /** Fraction of M's Σσ² the first basis keeps (Float64, from the Gram's eigenvalues). */
  explainedVariance: number;
}

/** The factors of a WASI layer's weight, M_eff = A·Bᵀ ({@link WasiWeights.factors}). */
export type WasiFactors = {
  /** A `[rows, r]`: R = M·L on the output side, L on the input side. */
  a: tf.Tensor2D;
  /** B `[cols, r]`: L on the output side, Mᵀ·L on the input side. */
  b: tf.Tensor2D;
};

/**
 * Why WASI's weight subspace does not serve a layer: a depthwise weight `[KH, KW, C, m]` has no
 * inputs × outputs matrix to factor; such a layer trains exactly. `null` for dense and conv2d.
 *
 * @example
 * ```ts
 * wasiUnsupportedReason(denseGeometry([4, 8], [8, 2])); // null
 * ```
 */
export function wasiUnsupportedReason(geometry: LayerGeometry): string | null {
  if (geometry.kind !== 'depthwise') return null;
  return `a depthwise weight [${geometry.weightShape.join(', ')}] has no inputs × outputs matrix for a weight subspace; it trains exactly`;
}

/** The rank the basis takes on a layer whose side has `n` directions, from the options and the Gram's eigenvalues (descending). */
function chooseRank(options: WasiOptions, n: number, sigmaSq: Float64Array): number {
  if (options.weightRank !== undefined) return Math.min(options.weightRank, n);
  const eps = options.weightEpsilon ?? DEFAULT_WEIGHT_EPSILON;
  return eps >= 1 ? n : explainedRank(sigmaSq, eps);
}

function checkOptions(options: WasiOptions): void {
  rejectUnknownOptions(METHOD, WASI_OPTIONS, options ?? {});
  const { weightEpsilon: e, weightRank: r } = options ?? {};
  if (e !== undefined && !(typeof e === 'number' && e > 0 && e <= 1)) {
    throw new MethodOptionError(METHOD, 'weightEpsilon', `weightEpsilon must be a number in (0, 1] (the fraction of the weight's Σσ² kept), got ${String(e)}`);
  }
  if (r !== undefined && !(Number.isInteger(r) && r >= 1)) throw new MethodOptionError(METHOD, 'weightRank', `weightRank must be an integer >= 1, got ${String(r)}`);
}

/**
 * WASI's weight subspace on one layer (docs/method.md §10). The weight, seen as a matrix M
 * (`weightMatrixShape` of `@odl/core`: dense `[I, O]`, conv2d HWIO as `[KH·KW·C, C']`), is
 * factored at the first step by a truncated SVD at explained variance ε (`weightEpsilon`, or
 * `weightRank`): an orthonormal basis L of its smaller side ({@link WasiBasisSide}). Training and
 * inference compute with the factored weight M_eff = (M·L)·Lᵀ (output side; L·(Lᵀ·M) on the input
 * side), i.e. R = M·L with the current L. After each optimizer update, {@link WasiWeights.afterUpdate}
 * refreshes the basis by one warm subspace-iteration step, L ← QR(Mᵀ·M·L) (output side; the
 * paper's QR(W·Wᵀ·L_prev) with W = Mᵀ), and R follows from the NEW L, so at full rank M_eff = M
 * after every refresh.
 *
 * What it stores: the dense weight M itself, trained in place (the layer's own variable: no copy;
 * the optimizer's gradient is the projected one, G·L·Lᵀ, and its slots are dense as in vanilla),
 * plus L (`n × r`, n the smaller side). Across steps the layer keeps rows·cols + n·r elements;
 * R and M_eff are formed within each step. Keeping M is what makes full rank equal vanilla with
 * momentum too: factors trained directly would take other steps than vanilla's, and an optimizer
 * slot of R would be expressed in a basis the refresh changes.
 *
 * @example
 * ```ts
 * const p = new WasiWeights(layer.weight, denseGeometry([8, 64], [64, 32]), { weightEpsilon: 0.9 });
 * p.choice; // { side: 'output', rank: …, explainedVariance: ≥ 0.9 }
 * ```
 */
export class WasiWeights implements WeightParameterization {
  /** `weight`: the dense weight M, trained in place (the layer's variable, or an owned copy of a plain tensor). */
  readonly trainable: Readonly<Record<string, tf.Variable>>;
  /** The side, rank and explained variance of the first basis. */
  readonly choice: WasiBasisChoice;
  private readonly w: tf.Variable;
  private readonly owned: boolean;
  private readonly shape: [number, number];
  private readonly weightShape: number[];
  private l: tf.Tensor2D;

  /**
   * @param base - the layer's weight: a `tf.Variable` is trained in place; a plain tensor is copied into an owned variable
   * @param geometry - the layer (dense or conv2d)
   * @param options - WASI's options (the weight keys are read here; ASI's pass through)
   */
  constructor(base: tf.Tensor, geometry: LayerGeometry, options: WasiOptions = {}) {
    checkOptions(options);
    const g = normalizeGeometry(geometry);
    const reason = wasiUnsupportedReason(g);
    if (reason != null) throw new MethodOptionError(METHOD, 'geometry', reason);
    if (base.shape.join() !== g.weightShape.join()) {
      throw new MethodOptionError(METHOD, 'weight', `the weight has shape [${base.shape.join(', ')}] but the layer's geometry says [${g.weightShape.join(', ')}]`);
    }
    this.shape = weightMatrixShape(g);
    this.weightShape = [...g.weightShape];
    const [rows, cols] = this.shape;
    const side: WasiBasisSide = cols <= rows ? 'output' : 'input';
    const n = Math.min(rows, cols);
    if (n > MAX_EIGEN_SIZE) {
      throw new MethodOptionError(METHOD, 'geometry', `the weight matrix [${rows}, ${cols}] has ${n} > ${MAX_EIGEN_SIZE} directions on its smaller side; the first step's SVD (a Float64 eigendecomposition) is limited to ${MAX_EIGEN_SIZE}`);
    }
    this.owned = !(base instanceof tf.Variable);
    this.w = this.owned ? tf.variable(base, true) : (base as tf.Variable);
    // Truncated SVD from the Gram of the smaller side (n × n, eigendecomposed in Float64).
    const gram = tf.tidy(() => {
      const m = this.matrix();
      return (side === 'output' ? tf.matMul(m, m, true, false) : tf.matMul(m, m, false, true)) as tf.Tensor2D;
    });
    let eig: ReturnType<typeof symmetricEigen>;
    try {
      eig = symmetricEigen(gram);
    } finally {
      gram.dispose();
    }
    const sigmaSq = eig.values.map((v) => Math.max(v, 0));
    const rank = chooseRank(options ?? {}, n, sigmaSq);
    const total = sigmaSq.reduce((a, b) => a + b, 0);
    const kept = sigmaSq.subarray(0, rank).reduce((a, b) => a + b, 0);
    this.l = tf.tidy(() => tf.slice(eig.vectors, [0, 0], [n, rank]) as tf.Tensor2D);
    eig.vectors.dispose();
    this.choice = { side, rank, explainedVariance: total > 0 ? kept / total : 1 };
    this.trainable = { weight: this.w };
  }

  /** The current basis L (`[n, r]`, orthonormal columns; owned by this object: do not dispose). */
  get basis(): tf.Tensor2D {
    return this.l;
  }

  private matrix(): tf.Tensor2D {
    return tf.reshape(this.w, this.shape) as tf.Tensor2D;
  }

  /**
   * The factored weight M_eff = (M·L)·Lᵀ (or L·(Lᵀ·M)) in the weight's shape, differentiable in
   * M (gradient G·L·Lᵀ). `base` is not read: the trained weight is {@link WasiWeights.trainable}.
   */
  weight(_base?: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const m = this.matrix();
      const eff = this.choice.side === 'output' ? tf.matMul(tf.matMul(m, this.l), this.l, false, true) : tf.matMul(this.l, tf.matMul(this.l, m, true, false));
      return tf.reshape(eff, this.weightShape);
    });
  }

  /**
   * One warm subspace-iteration step after the optimizer's update: L ← QR(Mᵀ·M·L) on the output
   * side (QR(M·Mᵀ·L) on the input side), with `orthonormalBasis` of `@odl/backend`. R is not
   * kept: every use forms it from the new L.
   */
  afterUpdate(_base?: tf.Tensor): void {
    const next = tf.tidy(() => {
      const m = this.matrix();
      const p = this.choice.side === 'output' ? tf.matMul(m, tf.matMul(m, this.l), true, false) : tf.matMul(m, tf.matMul(m, this.l, true, false));
      return orthonormalBasis(p as tf.Tensor2D);
    });
    this.l.dispose();
    this.l = next;
  }

  /**
   * The factors of the weight the layer computes with, as the paper deploys WASI (docs/method.md
   * §10): M_eff = A·Bᵀ with A `[rows, r]` and B `[cols, r]` (rows × cols: `weightMatrixShape` of
   * `@odl/core`), so a dense layer's forward is y = (x·A)·Bᵀ + b, two thin products of rank r in
   * place of one with the dense weight. Output side: A = R = M·L and B = L (the paper's W ≈ L·R
   * with W = Mᵀ); input side: A = L and B = Mᵀ·L. Formed from the current weight and basis (the
   * NEW basis after a refresh); new tensors, owned by the caller.
   *
   * @example
   * ```ts
   * const { a, b } = p.factors();
   * const y = tf.matMul(tf.matMul(x2d, a), b, false, true); // equals x2d · p.weight() for a dense layer
   * tf.dispose([a, b]);
   * ```
   */
  factors(): WasiFactors {
    return tf.tidy(() => {
      const m = this.matrix();
      const l = tf.clone(this.l);
      return this.choice.side === 'output' ? { a: tf.matMul(m, this.l), b: l } : { a: l, b: tf.matMul(m, this.l, true, false) };
    });
  }

  /** The factored weight as a plain tensor (deploy; equal to what the layer computes with). */
  merge(_base?: tf.Tensor): tf.Tensor {
    return this.weight();
  }

  /** The basis L (a copy) with its side and rank. */
  getState(): CompressorState {
    return { tensors: { L: tf.clone(this.l) }, values: { method: METHOD, side: this.choice.side, rank: this.choice.rank } };
  }

  /** Restores a basis from {@link WasiWeights.getState} (copied; same side and rank). */
  setState(state: CompressorState): void {
    const l = state?.tensors?.L;
    if (state?.values?.method !== METHOD || state.values.side !== this.choice.side || l == null || l.shape.join() !== this.l.shape.join()) {
      throw new MethodOptionError(METHOD, 'state', `the state needs a basis L of shape [${this.l.shape.join(', ')}] on the ${this.choice.side} side; got ${l == null ? 'none' : `[${l.shape.join(', ')}]`} (${String(state?.values?.side)})`);
    }
    this.l.dispose();
    this.l = tf.clone(l) as tf.Tensor2D;
  }

  /** Releases L (and the weight variable when it was copied from a plain tensor). */
  dispose(): void {
    this.l.dispose();
    if (this.owned) this.w.dispose();
  }
}
