/**
 * "exact" accounting (the default): 2 flops per multiply-add, grouped and depthwise
 * convolutions counted with C/groups inputs per output, and every contraction of one steady
 * training step counted: the layer itself, compression (subspace iteration or Gram +
 * eigendecomposition), orthonormalisation, the Tucker core's formation, every contraction of
 * the compressed weight gradient, reconstruction where a method rebuilds A, and the input
 * gradient. Bias terms are not counted (they are the same for every method).
 *
 * Constants of dense linear algebra (Golub & Van Loan): thin Householder QR of a d×k matrix
 * with Q formed explicitly 4·d·k² − (4/3)·k³; symmetric eigendecomposition with vectors of an
 * n×n matrix 9·n³. ASI is counted at a warm step (one power step: two products with the
 * unfolding per mode, 4·N·k_n); a cold step costs 2·N·k_n less per mode plus the Gaussian draw.
 * With ASI's default `'sequential'` schedule, N is the size of the tensor each mode's step runs
 * on (already projected onto the modes visited before it), and the core is the last projection.
 *
 * @packageDocumentation
 */
import { ArgumentError, tuckerElements } from '@odl/backend';
import { sequentialModeOrder, type LayerGeometry } from '@odl/core';
import type { CostTerm, DetailedLayerCost } from './types';
import { convDims, denseDims, prod } from './dims';
import { clampRanks } from './ranks';
import { bw, fromTerms, fw, requireRadius, requireRank, requireRanks, svdShape, withTuckerStorage } from './common';

/**
 * Flops of a thin Householder QR of a d×k matrix with the Q factor formed explicitly.
 *
 * @example
 * ```ts
 * qrFlops(4, 2); // 53
 * ```
 */
export function qrFlops(d: number, k: number): number {
  return Math.round(4 * d * k * k - (4 / 3) * k ** 3);
}

/**
 * Flops of a symmetric eigendecomposition (values and vectors) of an n×n matrix.
 *
 * @example
 * ```ts
 * symEigFlops(4); // 576
 * ```
 */
export function symEigFlops(n: number): number {
  return 9 * n ** 3;
}

/**
 * Flops of S = A ×_0 U_0ᵀ ×_1 U_1ᵀ … applied one mode at a time, greedily contracting the mode
 * with the largest shrink factor d/k first. Each product costs 2·(current elements)·k_n.
 *
 * @example
 * ```ts
 * coreFormationFlops([2, 4, 4, 3], [1, 2, 2, 2]); // 528
 * ```
 */
export function coreFormationFlops(shape: readonly number[], ks: readonly number[]): number {
  const order = shape.map((_, i) => i).sort((a, b) => shape[b] / ks[b] - shape[a] / ks[a] || a - b);
  let cur = prod(shape);
  let flops = 0;
  for (const n of order) {
    flops += 2 * cur * ks[n];
    cur = (cur / shape[n]) * ks[n];
  }
  return flops;
}

/**
 * Flops of expanding a core over the given modes, in order (each product 2·current·d_n).
 * `ks` are the core's sizes; `modes` the modes to expand to full size `shape[n]`.
 */
function expansionFlops(shape: readonly number[], ks: readonly number[], modes: number[]): number {
  const cur = [...ks];
  let flops = 0;
  for (const n of modes) {
    flops += 2 * prod(cur) * shape[n];
    cur[n] = shape[n];
  }
  return flops;
}

function layerTerms(g: LayerGeometry): { fwd: CostTerm; wgrad: CostTerm; igrad: CostTerm; rows: number } {
  if (g.kind === 'dense') {
    const d = denseDims(g);
    const f = 2 * d.R * d.I * d.O;
    return { fwd: fw('matmul', f), wgrad: bw('weight-gradient', f), igrad: bw('input-gradient', f), rows: d.R };
  }
  const d = convDims(g);
  const f = 2 * d.B * d.Ho * d.Wo * d.Cout * d.KH * d.KW * d.Cg;
  return { fwd: fw('conv', f), wgrad: bw('weight-gradient', f), igrad: bw('input-gradient', f), rows: d.B * d.Ho * d.Wo };
}

/**
 * Exact-mode cost of vanilla training.
 *
 * @example
 * ```ts
 * exactVanilla(geometry).backwardFlops; // weight + input gradient
 * ```
 */
export function exactVanilla(g: LayerGeometry): DetailedLayerCost {
  const t = layerTerms(g);
  return fromTerms(prod(g.inputShape), [t.fwd, t.wgrad, t.igrad]);
}

/** Exact backward terms of a Tucker-compressed layer (ASI and HOSVD_ε share them). */
function tuckerBackward(g: LayerGeometry, ks: number[]): CostTerm[] {
  if (g.kind === 'dense') {
    const d = denseDims(g);
    const modes = d.shape.map((_, i) => i).slice(1);
    return [
      bw('z1-batch-projection', 2 * d.B * d.M * d.O * ks[0]),
      bw('z3-expansion', expansionFlops(d.shape, ks, modes)),
      bw('weight-gradient', 2 * ks[0] * d.M * d.I * d.O),
      bw('input-gradient', 2 * d.R * d.I * d.O),
    ];
  }
  const d = convDims(g);
  const [k0, k1, k2, k3] = ks;
  const [B, H, W, C] = g.inputShape;
  if (g.kind === 'depthwise' && g.weightShape[3] === 1 && k0 * d.Hp * d.Wp <= B * H * W) {
    // Channels back to C before the depthwise weight gradient (@odl/core's tuckerConv2dWeightGradient).
    return [
      bw('z1-batch-projection', 2 * d.B * d.Ho * d.Wo * d.Cout * k0),
      bw('z3-spatial-expansion', 2 * k0 * k1 * k2 * k3 * d.Hp + 2 * k0 * d.Hp * k2 * k3 * d.Wp),
      bw('channel-expansion', 2 * k0 * d.Hp * d.Wp * k3 * C),
      bw('z4-conv-weight-gradient', 2 * k0 * d.Ho * d.Wo * d.Cout * d.KH * d.KW),
      bw('input-gradient', 2 * d.B * d.Ho * d.Wo * d.Cout * d.KH * d.KW * d.Cg),
    ];
  }
  return [
    bw('z1-batch-projection', 2 * d.B * d.Ho * d.Wo * d.Cout * k0),
    bw('z3-spatial-expansion', 2 * k0 * k1 * k2 * k3 * d.Hp + 2 * k0 * d.Hp * k2 * k3 * d.Wp),
    bw('z4-conv-weight-gradient', 2 * k0 * d.Ho * d.Wo * d.Cout * d.KH * d.KW * k3),
    bw('channel-expansion', 2 * d.KH * d.KW * d.Cg * d.Cout * k3),
    bw('input-gradient', 2 * d.B * d.Ho * d.Wo * d.Cout * d.KH * d.KW * d.Cg),
  ];
}

/**
 * Exact-mode cost of ASI at a warm step (ranks NHWC for conv), with its `schedule` and `storage`.
 *
 * @example
 * ```ts
 * exactAsi(geometry, { ranks: [4, 4, 4, 13] }).terms;
 * ```
 */
export function exactAsi(g: LayerGeometry, options: unknown): DetailedLayerCost {
  const shape = g.inputShape;
  const ks = clampRanks(shape, requireRanks('asi', options));
  const N = prod(shape);
  const schedule = (options as { schedule?: string } | undefined)?.schedule ?? 'sequential';
  if (schedule !== 'sequential' && schedule !== 'independent') {
    throw new ArgumentError(`asi cost: schedule must be 'sequential' or 'independent', got '${schedule}'`);
  }
  let subspace = 0;
  let core = 0;
  if (schedule === 'independent') {
    subspace = ks.reduce((a, k) => a + 4 * N * k, 0);
    core = coreFormationFlops(shape, ks);
  } else {
    // Each visited mode's power step (two products) and projection (one) run on the tensor
    // already projected onto the modes before it; the last projection leaves the core.
    // A mode kept whole (k_n = d_n) takes the identity factor: no step, no projection.
    let cur = N;
    for (const n of sequentialModeOrder(shape, ks)) {
      if (ks[n] === shape[n]) continue;
      subspace += 4 * cur * ks[n];
      core += 2 * cur * ks[n];
      cur = (cur / shape[n]) * ks[n];
    }
  }
  const cost = fromTerms(tuckerElements(shape, ks), [
    layerTerms(g).fwd,
    fw('subspace-iteration', subspace),
    fw('orthonormalisation', shape.reduce((a, dn, i) => a + (schedule === 'sequential' && ks[i] === dn ? 0 : qrFlops(dn, ks[i])), 0)),
    fw('core-formation', core),
    ...tuckerBackward(g, ks),
  ]);
  return withTuckerStorage(cost, shape, ks, (options as { storage?: unknown } | undefined)?.storage);
}

/**
 * Exact-mode cost of HOSVD_ε with given ranks (Gram matrix + eigendecomposition per mode).
 *
 * @example
 * ```ts
 * exactHosvd(geometry, { ranks: [4, 4, 4, 13] }).forwardFlops;
 * ```
 */
export function exactHosvd(g: LayerGeometry, options: unknown): DetailedLayerCost {
  const shape = g.inputShape;
  const ks = clampRanks(shape, requireRanks('hosvd', options));
  const N = prod(shape);
  let gram = 0;
  let eig = 0;
  let lift = 0;
  shape.forEach((dn, i) => {
    const m = N / dn;
    const s = Math.min(dn, m);
    gram += 2 * N * s;
    eig += symEigFlops(s);
    // Gram of the short side: when d_n > m_n, U_n = A_(n) V Σ⁻¹ (2·N·k products + d·k scalings)
    if (dn > m) lift += 2 * N * ks[i] + dn * ks[i];
  });
  const terms = [layerTerms(g).fwd, fw('gram', gram), fw('eigendecomposition', eig)];
  if (lift > 0) terms.push(fw('left-vectors', lift));
  terms.push(fw('core-formation', coreFormationFlops(shape, ks)), ...tuckerBackward(g, ks));
  return fromTerms(tuckerElements(shape, ks), terms);
}

/**
 * Exact-mode cost of SVD_ε: Gram-based truncated SVD of the B×(N/B) unfolding, rebuilt in backward.
 *
 * @example
 * ```ts
 * exactSvd(geometry, { rank: 4 }).backwardFlops;
 * ```
 */
export function exactSvd(g: LayerGeometry, options: unknown): DetailedLayerCost {
  const s = svdShape(g.inputShape, requireRank(options));
  const t = layerTerms(g);
  const small = Math.min(s.B, s.M);
  return fromTerms(s.elements, [
    t.fwd,
    fw('gram', 2 * s.B * s.M * small),
    fw('eigendecomposition', symEigFlops(small)),
    // the other side's vectors: 2·B·M·k products, plus the Σ scaling of the stored factor
    fw('second-factor', 2 * s.B * s.M * s.k + (s.B <= s.M ? s.M : s.B) * s.k),
    bw('reconstruction', 2 * s.B * s.k * s.M),
    t.wgrad,
    t.igrad,
  ]);
}

/**
 * Exact-mode cost of the gradient filter: conv2d/depthwise, or dense with a 4-D input
 * `[B, H, W, I]`. Storage is the block-summed input, B·⌈Ho/r⌉·⌈Wo/r⌉·C (the implementation's
 * block grid: ⌈Ho/r⌉ blocks of r·s pixels, centred); the weight gradient is one block-level
 * product shared by every kernel tap; the input gradient is exact (our ops compute it exactly).
 *
 * @example
 * ```ts
 * exactGradientFilter(geometry, { radius: 2 }).activationElements;
 * ```
 */
export function exactGradientFilter(g: LayerGeometry, options: unknown): DetailedLayerCost {
  const r = requireRadius(options);
  if (g.kind === 'dense') {
    const d = denseDims(g);
    if (d.shape.length !== 4) throw new ArgumentError(`gradient-filter needs a 4-D dense input [B, H, W, I] (spatial blocks to pool over), got [${d.shape}]`);
    const [B, H, W, I] = d.shape;
    const ph = Math.ceil(H / r);
    const pw = Math.ceil(W / r);
    const blocks = B * ph * pw;
    return fromTerms(blocks * I, [
      fw('matmul', 2 * d.R * I * d.O),
      fw('sum-pool', blocks * I * (r * r - 1)),
      bw('gradient-average-pool', blocks * d.O * r * r),
      bw('weight-gradient', 2 * blocks * I * d.O),
      bw('input-gradient', 2 * d.R * I * d.O),
    ]);
  }
  const d = convDims(g);
  const ph = Math.ceil(d.Ho / r);
  const pw = Math.ceil(d.Wo / r);
  const blocks = d.B * ph * pw;
  const t = layerTerms(g);
  return fromTerms(blocks * d.C, [
    t.fwd,
    fw('sum-pool', blocks * d.C * (r * d.strides[0] * r * d.strides[1] - 1)),
    bw('gradient-average-pool', blocks * d.Cout * r * r),
    bw('weight-gradient', 2 * blocks * d.Cg * d.Cout),
    t.igrad,
  ]);
}
