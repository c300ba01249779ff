/**
 * A compression method written OUTSIDE the odl packages: a seeded Gaussian random projection of
 * the batch mode.
 *
 * Forward: the layer input A (batch B) is replaced by P = Ωᵀ·A_(0), k rows instead of B, with
 * Ω ∈ R^{B×k} drawn fresh every step from N(0, 1/k) by a seeded generator the layer owns.
 * Backward: the weight gradient is the exact gradient for the estimate Ã = Ω·P = ΩΩᵀA (unbiased,
 * E[ΩΩᵀ] = I), computed without rebuilding Ã: it is the layer's weight gradient with input P
 * and output gradient Ωᵀ·dy (a batch of k instead of B).
 * Memory kept: k·(numel(A)/B) + B·k floats instead of numel(A).
 *
 * It uses only the public contract of @odl/core: declared options, a cost model, and a planner
 * that picks the largest k that fits a memory budget. Nothing in odl names it: the CLI loads it
 * with `--plugin`, the web demo with a build-time plugin list (see README.md here).
 */
import { ArgumentError, tf } from '@odl/backend';
import {
  SPECIFICATION_VERSION,
  exactWeightGradient,
  layerMacs,
  rejectUnknownOptions,
  type CompressedActivation,
  type CompressorState,
  type CostMode,
  type LayerCompressor,
  type LayerCost,
  type LayerGeometry,
  type MethodPlugin,
  type OptionSpec,
  type PlanRequest,
  type PlanResult,
} from '@odl/core';

/** Options of the random-projection method. */
export interface RandomProjectionOptions {
  /** Rows kept from the batch (k ≤ B); chosen by the planner when absent. */
  rank?: number;
  /** Seed of the layer's generator (default: the run's seed + the layer's index). */
  seed?: number;
}

/** Multiplies the batch mode: `Mᵀ · A_(0)` with `M` of shape `[B, k]`, keeping the other modes. */
function projectBatch(a: tf.Tensor, m: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const [B, ...rest] = a.shape;
    const flat = tf.reshape(a, [B!, a.size / B!]);
    return tf.reshape(tf.matMul(tf.transpose(m), flat), [m.shape[1], ...rest]);
  });
}

/** Elements kept for a batch of `B` rows of `perRow` elements at rank `k`. */
function keptElements(geometry: LayerGeometry, k: number): number {
  const B = geometry.inputShape[0]!;
  const kk = Math.min(k, B);
  return kk * (geometry.inputShape.reduce((a, b) => a * b, 1) / B) + B * kk;
}

/** One layer's random-projection compressor. */
export class RandomProjectionCompressor implements LayerCompressor {
  readonly method = 'random-projection';
  readonly geometry: LayerGeometry;
  private readonly rank: number;
  private readonly seed: number;
  private step = 0;

  constructor(geometry: LayerGeometry, options: RandomProjectionOptions) {
    rejectUnknownOptions('random-projection', OPTIONS, options);
    if (options.rank == null || !Number.isInteger(options.rank) || options.rank < 1) {
      throw new ArgumentError(`random-projection: rank must be a positive integer (rows kept from the batch), got ${String(options.rank)}`);
    }
    this.geometry = geometry;
    this.rank = options.rank;
    this.seed = options.seed ?? 1;
  }

  compress(input: tf.Tensor): CompressedActivation {
    const B = input.shape[0]!;
    const k = Math.min(this.rank, B);
    // a new Ω every step, reproducible from (seed, step); never the global RNG
    const omega = tf.randomNormal([B, k], 0, 1 / Math.sqrt(k), 'float32', this.seed * 1_000_003 + this.step++) as tf.Tensor2D;
    const projected = projectBatch(input, omega);
    const elements = projected.size + omega.size;
    return { tensors: [projected, omega], meta: { k }, elements, bytes: elements * 4 };
  }

  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    const [projected, omega] = saved.tensors;
    return tf.tidy(() => exactWeightGradient(this.geometry, projected!, projectBatch(dy, omega as tf.Tensor2D)));
  }

  getState(): CompressorState {
    return { tensors: {}, values: { seed: this.seed, step: this.step } };
  }

  setState(state: CompressorState): void {
    this.step = Number(state.values.step ?? 0);
  }

  dispose(): void {}
}

/** The cost of one layer: the projection on top of the layer, the weight gradient on k rows. */
function cost(geometry: LayerGeometry, options: RandomProjectionOptions, mode: CostMode): LayerCost {
  if (options.rank == null) throw new ArgumentError('random-projection: the cost needs a rank (--rank, or let the planner choose it)');
  const B = geometry.inputShape[0]!;
  const k = Math.min(options.rank, B);
  const perExample = geometry.inputShape.reduce((a, b) => a * b, 1) / B;
  const outPerExample = geometry.outputShape.reduce((a, b) => a * b, 1) / B;
  const macs = layerMacs(geometry, mode === 'paper');
  const f = mode === 'paper' ? 1 : 2;
  return {
    activationElements: keptElements(geometry, k),
    forwardFlops: f * (macs + B * k * perExample),
    // weight gradient on k rows, projecting dy, and (exact mode) the exact input gradient
    backwardFlops: f * ((macs * k) / B + B * k * outPerExample) + (mode === 'exact' ? f * macs : 0),
  };
}

/**
 * The planner: one k for every layer. Under a budget, the largest k whose memory fits (an error
 * naming the smallest memory when even k = 1 does not); without one, k = ⌈B/4⌉.
 */
function plan(request: PlanRequest<RandomProjectionOptions>): PlanResult<RandomProjectionOptions> {
  const B = request.layers[0]!.geometry.inputShape[0]!;
  const bytes = (k: number) => request.layers.reduce((s, l) => s + keptElements(l.geometry, k) * 4, 0);
  let k = Math.ceil(B / 4);
  if (request.budgetBytes != null) {
    if (bytes(1) > request.budgetBytes) {
      throw new ArgumentError(`random-projection: no rank fits ${request.budgetBytes} bytes; the smallest memory (k = 1) is ${bytes(1)} bytes`);
    }
    k = 1;
    while (k < B && bytes(k + 1) <= request.budgetBytes) k++;
  }
  const layerOptions = Object.fromEntries(request.layers.map((l, i) => [l.name, { ...request.options, rank: k, seed: request.options.seed ?? request.seed + i }]));
  return {
    layerOptions,
    totalBytes: bytes(k),
    summary: `k = ${k} of ${B} rows per layer, ${bytes(k)} bytes${request.budgetBytes != null ? ` of ${request.budgetBytes}` : ''}`,
    tables: [{ title: 'rows kept per layer', columns: ['layer', 'k', 'bytes'], rows: request.layers.map((l) => [l.name, k, keptElements(l.geometry, k) * 4]) }],
  };
}

/** The options the method declares (the CLI's flags and the web form come from them). */
const OPTIONS = [
  { name: 'rank', type: 'integer', min: 1, doc: 'rows kept from the batch (k); chosen by the planner when absent' },
  { name: 'seed', type: 'integer', min: 0, doc: "seed of the layer's generator (default: the run's seed + the layer's index)" },
] as const satisfies readonly OptionSpec[];

/** The plugin: name, contract version, options, factory, cost model and planner. */
export const randomProjectionPlugin: MethodPlugin<RandomProjectionOptions> = {
  specificationVersion: SPECIFICATION_VERSION,
  name: 'random-projection',
  description: 'Seeded Gaussian random projection of the batch mode (unbiased weight gradient)',
  supports: ['conv2d', 'depthwise', 'dense'],
  options: OPTIONS,
  create: (geometry, options) => new RandomProjectionCompressor(geometry, options),
  cost,
  layerOptions: (options, layer) => (options.seed == null ? { ...options, seed: layer.seed + layer.index } : options),
  planner: { needsPlan: (options) => options.rank == null, plan },
};
