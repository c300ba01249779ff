/**
 * ASI's cost model (docs/method.md §3, §6), beside the method.
 *
 * Exact mode counts one steady (warm) training step: the layer's forward, the subspace iteration
 * (one power step: two products with the unfolding per mode, 4·N·k_n FLOPs, times `powerSteps`),
 * the orthonormalisation (a thin QR per mode and power step), the Tucker core's formation, the
 * Tucker backward of `@odl/core` and the input gradient; a cold step costs 2·N·k_n less per mode
 * plus the Gaussian draw. With the default `'sequential'` schedule, N is the size of the tensor
 * each mode's step runs on (already projected onto the modes visited before it, in
 * `sequentialModeOrder`), the core is the last projection, and a mode kept whole (k_n = d_n)
 * takes the identity factor: no step, no projection. `storage: 'int8'` counts the codes and
 * scales and the encode/decode work (`withTuckerStorage`).
 *
 * Paper mode reproduces the reference code: compression Σ over modes of 2·N·k + k³ (N = the
 * activation's elements), the reference's Tucker backward, int8 bytes without extra FLOPs.
 *
 * @packageDocumentation
 */
import { tuckerElements } from '@odl/backend';
import {
  bw,
  clampRanks,
  coreFormationFlops,
  denseDims,
  exactLayerTerms,
  exactTuckerBackward,
  fromTerms,
  fw,
  MethodOptionError,
  paperLayerTerms,
  paperTuckerBackward,
  prod,
  qrFlops,
  requireRanks,
  sequentialModeOrder,
  withTuckerStorage,
  type CostMode,
  type CostTerm,
  type DetailedLayerCost,
  type LayerGeometry,
} from '@odl/core';
import type { AsiOptions } from './options';

/**
 * The reference code's ASI backward for a 4-D dense input `[B, H, W, C]` (its own contraction
 * order; HOSVD_ε's reference contracts it differently), ranks `[K1, K2, K3, K4]`.
 */
function paperDense4dBackward(g: LayerGeometry, ks: readonly number[]): CostTerm[] {
  const d = denseDims(g);
  const [B, H, W, C] = d.shape;
  const O = d.O;
  const [K1, K2, K3, K4] = ks;
  return [
    bw('z1-batch-projection', B * K1 * H * W * O),
    bw('z2', H * K2 * K1 * K3 * K4),
    bw('z3', W * K3 * K1 * H * O),
    bw('z4', C * K4 * K1 * H * K3),
    bw('weight-gradient', K1 * K3 * H * C * O),
  ];
}

/**
 * Paper-mode cost of ASI (ranks NHWC for conv): the reference code's accounting.
 *
 * @param g - the layer
 * @param options - `ranks` (required), `storage`
 * @example
 * ```ts
 * paperAsi(worked, { ranks: [4, 4, 4, 13] }).backwardFlops; // 16653200
 * ```
 */
export function paperAsi(g: LayerGeometry, options: AsiOptions): DetailedLayerCost {
  const ks = clampRanks(g.inputShape, requireRanks('asi', options));
  const N = prod(g.inputShape);
  const compression = fw('compression', ks.reduce((a, k) => a + 2 * N * k + k ** 3, 0));
  const backward = g.kind === 'dense' && g.inputShape.length === 4 ? paperDense4dBackward(g, ks) : paperTuckerBackward(g, ks);
  const cost = fromTerms(tuckerElements(g.inputShape, ks), [paperLayerTerms(g).forward, compression, ...backward]);
  return withTuckerStorage(cost, g.inputShape, ks, options?.storage, false);
}

/**
 * Exact-mode cost of ASI at a warm step (ranks NHWC for conv), with its `schedule`,
 * `powerSteps` and `storage` (see the module notes).
 *
 * @param g - the layer
 * @param options - `ranks` (required), `schedule`, `powerSteps`, `storage`
 * @example
 * ```ts
 * exactAsi(geometry, { ranks: [4, 4, 4, 13] }).terms;
 * ```
 */
export function exactAsi(g: LayerGeometry, options: AsiOptions): DetailedLayerCost {
  const shape = g.inputShape;
  const ks = clampRanks(shape, requireRanks('asi', options));
  const N = prod(shape);
  const schedule = options?.schedule ?? 'sequential';
  if (schedule !== 'sequential' && schedule !== 'independent') {
    throw new MethodOptionError('asi', 'schedule', `asi cost: schedule must be 'sequential' or 'independent', got '${String(schedule)}'`);
  }
  const steps = schedule === 'sequential' ? (options?.powerSteps ?? 1) : 1;
  let subspace = 0;
  let core = 0;
  let qr = 0;
  if (schedule === 'independent') {
    subspace = ks.reduce((a, k) => a + 4 * N * k, 0);
    core = coreFormationFlops(shape, ks);
    qr = shape.reduce((a, dn, i) => a + qrFlops(dn, ks[i]!), 0);
  } else {
    // Each visited mode's power steps (two products each) and projection (one) run on the tensor
    // already projected onto the modes before it; the last projection leaves the core.
    let cur = N;
    for (const n of sequentialModeOrder(shape, ks)) {
      if (ks[n] === shape[n]) continue;
      subspace += 4 * cur * ks[n]! * steps;
      qr += qrFlops(shape[n]!, ks[n]!) * steps;
      core += 2 * cur * ks[n]!;
      cur = (cur / shape[n]!) * ks[n]!;
    }
  }
  const cost = fromTerms(tuckerElements(shape, ks), [
    exactLayerTerms(g).forward,
    fw('subspace-iteration', subspace),
    fw('orthonormalisation', qr),
    fw('core-formation', core),
    ...exactTuckerBackward(g, ks),
  ]);
  return withTuckerStorage(cost, shape, ks, options?.storage);
}

/**
 * The cost model of `'asi'`: {@link paperAsi} or {@link exactAsi}.
 *
 * @example
 * ```ts
 * asiCost(geometry, { ranks: [4, 4, 4, 16], storage: 'int8' }, 'exact').activationBytes;
 * ```
 */
export function asiCost(g: LayerGeometry, options: AsiOptions, mode: CostMode): DetailedLayerCost {
  return mode === 'paper' ? paperAsi(g, options) : exactAsi(g, options);
}
