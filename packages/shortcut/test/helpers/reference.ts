/**
 * Independent Float64 references for the tests: the weight gradient of conv2d (any stride,
 * dilation, explicit padding, groups), depthwise and dense layers, written as the definition
 * (nested loops), sharing no code with odl.
 */

/** dW[kh,kw,c,o] of a grouped conv2d: Σ_{b,i,j} x[b, i·sh+kh·dh−pt, j·sw+kw·dw−pl, g·Cg+c] dy[b,i,j,o]. */
export function refConvWeightGradient(
  x: Float32Array | number[],
  xShape: number[],
  dy: Float32Array | number[],
  dyShape: number[],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
  padTopLeft: [number, number],
  groups: number,
): Float64Array {
  const [B, H, W, C] = xShape;
  const [, Ho, Wo, O] = dyShape;
  const [KH, KW] = kernel;
  const Cg = C / groups;
  const Og = O / groups;
  const out = new Float64Array(KH * KW * Cg * O);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      for (let c = 0; c < Cg; c++)
        for (let o = 0; o < O; o++) {
          const g = Math.floor(o / Og);
          let s = 0;
          for (let b = 0; b < B; b++)
            for (let i = 0; i < Ho; i++) {
              const h = i * strides[0] + kh * dilations[0] - padTopLeft[0];
              if (h < 0 || h >= H) continue;
              for (let j = 0; j < Wo; j++) {
                const w = j * strides[1] + kw * dilations[1] - padTopLeft[1];
                if (w < 0 || w >= W) continue;
                s += x[((b * H + h) * W + w) * C + g * Cg + c] * dy[((b * Ho + i) * Wo + j) * O + o];
              }
            }
          out[((kh * KW + kw) * Cg + c) * O + o] = s;
        }
  return out;
}

/** dW[kh,kw,c,m] of a depthwise conv with channel multiplier M (output channel c·M+m). */
export function refDepthwiseWeightGradient(
  x: Float32Array | number[],
  xShape: number[],
  dy: Float32Array | number[],
  dyShape: number[],
  kernel: [number, number],
  multiplier: number,
  strides: [number, number],
  dilations: [number, number],
  padTopLeft: [number, number],
): Float64Array {
  const [B, H, W, C] = xShape;
  const [, Ho, Wo, O] = dyShape;
  const [KH, KW] = kernel;
  const out = new Float64Array(KH * KW * C * multiplier);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++)
      for (let c = 0; c < C; c++)
        for (let m = 0; m < multiplier; m++) {
          let s = 0;
          for (let b = 0; b < B; b++)
            for (let i = 0; i < Ho; i++) {
              const h = i * strides[0] + kh * dilations[0] - padTopLeft[0];
              if (h < 0 || h >= H) continue;
              for (let j = 0; j < Wo; j++) {
                const w = j * strides[1] + kw * dilations[1] - padTopLeft[1];
                if (w < 0 || w >= W) continue;
                s += x[((b * H + h) * W + w) * C + c] * dy[((b * Ho + i) * Wo + j) * O + c * multiplier + m];
              }
            }
          out[((kh * KW + kw) * C + c) * multiplier + m] = s;
        }
  return out;
}

/** dW[i,o] = Σ_rows x[r,i] dy[r,o] of a dense layer on any leading axes. */
export function refDenseWeightGradient(x: Float32Array | number[], dy: Float32Array | number[], I: number, O: number): Float64Array {
  const rows = x.length / I;
  const out = new Float64Array(I * O);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < I; i++) {
      const xi = x[r * I + i];
      for (let o = 0; o < O; o++) out[i * O + o] += xi * dy[r * O + o];
    }
  return out;
}

/** ‖a − b‖_F / ‖b‖_F in float64. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`relError: lengths ${a.length} and ${b.length} differ`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] * b[i];
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** Orthonormal columns of a d×k row-major matrix (modified Gram–Schmidt, twice, Float64). */
export function hostOrth(p: ArrayLike<number>, d: number, k: number): Float64Array {
  const q = Float64Array.from(p);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      for (let l = 0; l < j; l++) {
        let dot = 0;
        for (let i = 0; i < d; i++) dot += q[i * k + j] * q[i * k + l];
        for (let i = 0; i < d; i++) q[i * k + j] -= dot * q[i * k + l];
      }
      let nrm = 0;
      for (let i = 0; i < d; i++) nrm += q[i * k + j] ** 2;
      for (let i = 0; i < d; i++) q[i * k + j] /= Math.sqrt(nrm);
    }
  }
  return q;
}

/** The d×d projector U Uᵀ of d×k row-major orthonormal columns (row-major): compares subspaces. */
export const projector = (u: ArrayLike<number>, d: number, k: number): number[] =>
  Array.from({ length: d * d }, (_, ij) => {
    const [i, j] = [Math.floor(ij / d), ij % d];
    let s = 0;
    for (let c = 0; c < k; c++) s += u[i * k + c] * u[j * k + c];
    return s;
  });
