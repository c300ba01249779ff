// Float64 references for the transformer ops of @odl/core (layerNorm, gelu, attention,
// frozenLinear), written from the definitions in plain loops (docs/method.md §8). Backward passes
// are Jacobian-vector products written out from each op's Jacobian, not the factored formulas the
// ops use, and no tfjs is involved.

/** erf(x) in Float64: Maclaurin series for |x| < 2.5, the continued fraction of erfc beyond (error < 1e-14). */
export function erfF64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/√π Σ_n (−1)^n x^(2n+1) / (n! (2n+1))
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated bottom-up
  let frac = ax;
  for (let n = 120; n >= 1; n--) frac = ax + n / 2 / frac;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / frac;
  return Math.sign(x) * (1 - erfc);
}

/** Rows of length `D` in a row-major array. */
function rowsOf(length: number, D: number): number {
  if (length % D !== 0) throw new Error(`reference: length ${length} is not a multiple of the last axis ${D}`);
  return length / D;
}

/** Mean and 1/√(variance + ε) of row `r` of a row-major [R, D] array (biased variance), in Float64. */
function rowStats(x: ArrayLike<number>, r: number, D: number, epsilon: number): { mean: number; inv: number } {
  let mean = 0;
  for (let j = 0; j < D; j++) mean += x[r * D + j]!;
  mean /= D;
  let variance = 0;
  for (let j = 0; j < D; j++) variance += (x[r * D + j]! - mean) ** 2;
  variance /= D;
  return { mean, inv: 1 / Math.sqrt(variance + epsilon) };
}

/**
 * LayerNorm over the last axis (biased variance): `y = (x − μ)/√(σ² + ε)·γ + β` per row.
 *
 * @example
 * ```ts
 * const y = layerNormF64(x, 8, gamma, beta, 1e-5); // x: rows × 8, row-major
 * ```
 */
export function layerNormF64(x: ArrayLike<number>, D: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, epsilon: number): Float64Array {
  const R = rowsOf(x.length, D);
  const y = new Float64Array(x.length);
  for (let r = 0; r < R; r++) {
    const { mean, inv } = rowStats(x, r, D, epsilon);
    for (let j = 0; j < D; j++) y[r * D + j] = (x[r * D + j]! - mean) * inv * gamma[j]! + beta[j]!;
  }
  return y;
}

/** Gradients of a scalar loss through {@link layerNormF64}, given `dy = ∂loss/∂y`. */
export interface LayerNormGradF64 {
  dx: Float64Array;
  dGamma: Float64Array;
  dBeta: Float64Array;
}

/**
 * Backward of {@link layerNormF64}: `dx_j = Σ_i dy_i γ_i ∂x̂_i/∂x_j` with the Jacobian
 * `∂x̂_i/∂x_j = (δ_ij − 1/D − x̂_i x̂_j / D)/√(σ² + ε)` written out (O(D²) per row);
 * `dγ = Σ_rows dy ⊙ x̂`, `dβ = Σ_rows dy`.
 *
 * @example
 * ```ts
 * const { dx, dGamma, dBeta } = layerNormGradF64(x, 8, gamma, 1e-5, dy);
 * ```
 */
export function layerNormGradF64(x: ArrayLike<number>, D: number, gamma: ArrayLike<number>, epsilon: number, dy: ArrayLike<number>): LayerNormGradF64 {
  const R = rowsOf(x.length, D);
  const dx = new Float64Array(x.length);
  const dGamma = new Float64Array(D);
  const dBeta = new Float64Array(D);
  const xHat = new Float64Array(D);
  for (let r = 0; r < R; r++) {
    const { mean, inv } = rowStats(x, r, D, epsilon);
    for (let j = 0; j < D; j++) xHat[j] = (x[r * D + j]! - mean) * inv;
    for (let j = 0; j < D; j++) {
      let s = 0;
      for (let i = 0; i < D; i++) {
        const jacobian = ((i === j ? 1 : 0) - 1 / D - (xHat[i]! * xHat[j]!) / D) * inv;
        s += dy[r * D + i]! * gamma[i]! * jacobian;
      }
      dx[r * D + j] = s;
      dGamma[j] += dy[r * D + j]! * xHat[j]!;
      dBeta[j] += dy[r * D + j]!;
    }
  }
  return { dx, dGamma, dBeta };
}

/**
 * Exact GELU `x·Φ(x)`, Φ(x) = ½(1 + erf(x/√2)), elementwise.
 *
 * @example
 * ```ts
 * geluF64([1]); // [0.8413447460685429]
 * ```
 */
export function geluF64(x: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v) => v * 0.5 * (1 + erfF64(v / Math.SQRT2)));
}

/**
 * Backward of {@link geluF64}: `dx = dy·(Φ(x) + x·φ(x))`, φ(x) = exp(−x²/2)/√(2π).
 *
 * @example
 * ```ts
 * geluGradF64([0], [1]); // [0.5]
 * ```
 */
export function geluGradF64(x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v, i) => dy[i]! * (0.5 * (1 + erfF64(v / Math.SQRT2)) + (v * Math.exp(-0.5 * v * v)) / Math.sqrt(2 * Math.PI)));
}

/** Inputs of {@link attentionF64}: row-major arrays with their shapes. */
export interface AttentionF64Input {
  /** `[B, H, Nq, d]`. */
  q: ArrayLike<number>;
  /** `[B, H, Nk, d]`. */
  k: ArrayLike<number>;
  /** `[B, H, Nk, dv]`. */
  v: ArrayLike<number>;
  /** `[B, H, Nq, Nk, d, dv]`. */
  dims: [number, number, number, number, number, number];
  scale: number;
  /** Added to the scores, broadcast from `biasShape` (rank 4, each axis 1 or full). */
  bias?: ArrayLike<number>;
  biasShape?: [number, number, number, number];
  /** `[W, Nq, Nk]`, added to batch entry b's scores as `windowMask[b mod W]` (every head). */
  windowMask?: ArrayLike<number>;
  windows?: number;
}

/** Index into a rank-4 bias of shape `bs` broadcast to the scores' index (b, h, i, j). */
function biasIndex(bs: readonly number[], b: number, h: number, i: number, j: number): number {
  const at = (axis: number, n: number) => (bs[axis] === 1 ? 0 : n);
  return ((at(0, b) * bs[1]! + at(1, h)) * bs[2]! + at(2, i)) * bs[3]! + at(3, j);
}

/** Softmax probabilities P `[B, H, Nq, Nk]` of the scores `q·kᵀ·scale + bias`. */
function probabilities(a: AttentionF64Input): Float64Array {
  const [B, H, Nq, Nk, d] = a.dims;
  const P = new Float64Array(B * H * Nq * Nk);
  const s = new Float64Array(Nk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const bh = b * H + h;
      for (let i = 0; i < Nq; i++) {
        let max = -Infinity;
        for (let j = 0; j < Nk; j++) {
          let dot = 0;
          for (let c = 0; c < d; c++) dot += a.q[(bh * Nq + i) * d + c]! * a.k[(bh * Nk + j) * d + c]!;
          s[j] = dot * a.scale + (a.bias ? a.bias[biasIndex(a.biasShape!, b, h, i, j)]! : 0);
          if (a.windowMask) s[j] += a.windowMask[((b % a.windows!) * Nq + i) * Nk + j]!;
          max = Math.max(max, s[j]!);
        }
        let sum = 0;
        for (let j = 0; j < Nk; j++) sum += Math.exp(s[j]! - max);
        for (let j = 0; j < Nk; j++) P[(bh * Nq + i) * Nk + j] = Math.exp(s[j]! - max) / sum;
      }
    }
  }
  return P;
}

/**
 * Scaled dot-product attention `softmax(q·kᵀ·scale + bias)·v` per head, `[B, H, Nq, dv]`.
 *
 * @example
 * ```ts
 * const out = attentionF64({ q, k, v, dims: [1, 2, 4, 4, 3, 3], scale: 1 / Math.sqrt(3) });
 * ```
 */
export function attentionF64(a: AttentionF64Input): Float64Array {
  const [B, H, Nq, Nk, , dv] = a.dims;
  const P = probabilities(a);
  const out = new Float64Array(B * H * Nq * dv);
  for (let bh = 0; bh < B * H; bh++) {
    for (let i = 0; i < Nq; i++) {
      for (let c = 0; c < dv; c++) {
        let s = 0;
        for (let j = 0; j < Nk; j++) s += P[(bh * Nq + i) * Nk + j]! * a.v[(bh * Nk + j) * dv + c]!;
        out[(bh * Nq + i) * dv + c] = s;
      }
    }
  }
  return out;
}

/** Gradients of a scalar loss through {@link attentionF64}. */
export interface AttentionGradF64 {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
  /** At `biasShape` (summed over its broadcast axes); empty without a bias. */
  dBias: Float64Array;
}

/**
 * Backward of {@link attentionF64} for `dy = ∂loss/∂out` (`[B, H, Nq, dv]`): `dP = dy·vᵀ`, the
 * softmax Jacobian `∂P_ij/∂S_il = P_ij(δ_jl − P_il)` applied row by row (O(Nk²) per row), then
 * `dq = scale·dS·k`, `dk = scale·dSᵀ·q`, `dv = Pᵀ·dy`, and `dS` summed into the bias's shape.
 *
 * @example
 * ```ts
 * const { dq, dk, dv, dBias } = attentionGradF64(input, dy);
 * ```
 */
export function attentionGradF64(a: AttentionF64Input, dy: ArrayLike<number>): AttentionGradF64 {
  const [B, H, Nq, Nk, d, dv] = a.dims;
  const P = probabilities(a);
  const dq = new Float64Array(B * H * Nq * d);
  const dk = new Float64Array(B * H * Nk * d);
  const dV = new Float64Array(B * H * Nk * dv);
  const bs = a.biasShape ?? [1, 1, 1, 1];
  const dBias = new Float64Array(a.bias ? bs.reduce((x, y) => x * y, 1) : 0);
  const dP = new Float64Array(Nk);
  const dS = new Float64Array(Nk);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const bh = b * H + h;
      for (let i = 0; i < Nq; i++) {
        const row = (bh * Nq + i) * Nk;
        for (let j = 0; j < Nk; j++) {
          let s = 0;
          for (let c = 0; c < dv; c++) s += dy[(bh * Nq + i) * dv + c]! * a.v[(bh * Nk + j) * dv + c]!;
          dP[j] = s;
          for (let c = 0; c < dv; c++) dV[(bh * Nk + j) * dv + c] += P[row + j]! * dy[(bh * Nq + i) * dv + c]!;
        }
        for (let l = 0; l < Nk; l++) {
          let s = 0;
          for (let j = 0; j < Nk; j++) s += dP[j]! * P[row + j]! * ((j === l ? 1 : 0) - P[row + l]!);
          dS[l] = s;
        }
        for (let j = 0; j < Nk; j++) {
          for (let c = 0; c < d; c++) {
            dq[(bh * Nq + i) * d + c] += a.scale * dS[j]! * a.k[(bh * Nk + j) * d + c]!;
            dk[(bh * Nk + j) * d + c] += a.scale * dS[j]! * a.q[(bh * Nq + i) * d + c]!;
          }
          if (a.bias) dBias[biasIndex(bs, b, h, i, j)] += dS[j]!;
        }
      }
    }
  }
  return { dq, dk, dv: dV, dBias };
}

/**
 * `y = x·W + b` on rows of `I` features; `W` is `[I, O]` row-major, `b` `[O]` or null.
 *
 * @example
 * ```ts
 * const y = linearF64(x, w, 4, 3, b); // x: rows × 4 → rows × 3
 * ```
 */
export function linearF64(x: ArrayLike<number>, w: ArrayLike<number>, I: number, O: number, b: ArrayLike<number> | null): Float64Array {
  const R = rowsOf(x.length, I);
  const y = new Float64Array(R * O);
  for (let r = 0; r < R; r++) {
    for (let o = 0; o < O; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < I; i++) s += x[r * I + i]! * w[i * O + o]!;
      y[r * O + o] = s;
    }
  }
  return y;
}

/**
 * Input gradient of {@link linearF64}: `dx = dy·Wᵀ` (rows × I).
 *
 * @example
 * ```ts
 * const dx = linearInputGradF64(dy, w, 4, 3);
 * ```
 */
export function linearInputGradF64(dy: ArrayLike<number>, w: ArrayLike<number>, I: number, O: number): Float64Array {
  const R = rowsOf(dy.length, O);
  const dx = new Float64Array(R * I);
  for (let r = 0; r < R; r++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let o = 0; o < O; o++) s += dy[r * O + o]! * w[i * O + o]!;
      dx[r * I + i] = s;
    }
  }
  return dx;
}
