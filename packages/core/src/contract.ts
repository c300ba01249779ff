import type { tf } from '@odl/backend';
import type { OptionSpec } from './options';

/**
 * Version of the method plugin contract this `@odl/core` implements. A plugin states it as
 * `specificationVersion`; the registry refuses another version with a typed error that says how
 * to update (a version-1 plugin can be wrapped with `adaptV1Plugin`). History:
 * - 1: `apiVersion: 1`, `create` and an optional `cost`;
 * - 2: declared options, a required cost model, planning under a budget, per-layer options,
 *   data-dependent costs and weight-side methods (docs/architecture.md §3).
 *
 * @example
 * ```ts
 * const plugin: MethodPlugin = { specificationVersion: SPECIFICATION_VERSION, name: 'mine', … };
 * ```
 */
export const SPECIFICATION_VERSION = 2 as const;

/** The kinds of layer whose input activation a compressor can store. */
export type LayerKind = 'conv2d' | 'depthwise' | 'dense';

/** Explicit padding of a convolution in pixels: `[[top, bottom], [left, right]]`. */
export type ExplicitPadding2D = [[number, number], [number, number]];

/**
 * Padding of a convolution layer, odl's one padding vocabulary: `'same'` or `'valid'` (tfjs'
 * rules: `'same'` puts the odd pixel at the bottom/right) or explicit {@link ExplicitPadding2D}.
 * tfjs' ops take another form (`TfjsConvPadding` of `@odl/backend`); `toTfjsPadding` converts.
 */
export type ConvPadding = 'same' | 'valid' | ExplicitPadding2D;

/**
 * Static description of one compressed layer, known before the first step. Everything a
 * compressor needs to plan storage and to contract the weight gradient.
 */
export interface LayerGeometry {
  /** What the layer computes. */
  kind: LayerKind;
  /**
   * Shape of the layer input A. conv2d/depthwise: `[B, H, W, C]` (NHWC). dense: `[B, I]`,
   * `[B, N, I]` or `[B, H, W, I]`. `B` is the nominal batch: the ops accept any batch size (the
   * last batch of an epoch may be smaller), so compressors read the batch from the input.
   */
  inputShape: number[];
  /**
   * Shape of the weight. conv2d: `[KH, KW, C / groups, C']` (HWIO); depthwise:
   * `[KH, KW, C, multiplier]`; dense: `[I, O]`.
   */
  weightShape: number[];
  /** Shape of the layer output (before bias and activation). */
  outputShape: number[];
  /** Convolution strides `[sh, sw]` (conv kinds only). */
  strides?: [number, number];
  /** Convolution dilations `[dh, dw]` (conv kinds only). */
  dilations?: [number, number];
  /** Convolution padding (conv kinds only). */
  pad?: ConvPadding;
  /** Number of groups of a conv2d (1 = ordinary convolution). Depthwise layers leave it unset. */
  groups?: number;
}

/**
 * What a compressor keeps from one forward pass for the backward pass.
 * `tensors` are saved by the op (so tfjs keeps them alive until backward); `meta` holds plain
 * values (ranks, shapes) that are not tensors.
 */
export interface CompressedActivation {
  /** Tensors to keep for the backward pass (factors, cores, pooled maps, ...). */
  tensors: tf.Tensor[];
  /** Non-tensor data the weight gradient needs (ranks, original shape, ...). */
  meta: Record<string, unknown>;
  /**
   * Elements held by `tensors` (the analytic activation-memory count of this step). Must equal
   * the sum of `t.size` over `tensors`.
   */
  elements: number;
  /** Bytes held by `tensors` (elements × bytes per element of each tensor's dtype). */
  bytes: number;
}

/**
 * Serializable per-layer state that survives from one step to the next (for example ASI's
 * previous factors for warm start), saved and restored with checkpoints.
 */
export interface CompressorState {
  /** Named tensors of the state (owned by the caller after `getState`). */
  tensors: Record<string, tf.Tensor>;
  /** Named plain values of the state (seeds, counters, shapes). */
  values: Record<string, number | number[] | string | boolean | null>;
}

/**
 * One layer's compressor: created by a plugin for one layer, used at every step.
 *
 * Lifecycle per training step: the op calls `compress(A)` in the forward pass (only while a
 * gradient tape records, i.e. inside `tf.grads`/`variableGrads`/`optimizer.minimize`; inference
 * never calls it), saves clones of the returned tensors with `tf.customGrad`'s `save()`, releases
 * A, and later calls `weightGradient(saved, dy)` in the backward pass with the saved clones.
 *
 * `compress` runs inside the op's forward `tf.tidy`: temporaries are released automatically, and
 * tensors kept across steps (warm-start state) must be wrapped in `tf.keep` and released in
 * `dispose()`. The activation's `bytes` must equal what the returned tensors hold: the op's
 * memory accounting and tests compare it with the bytes tfjs actually retains.
 */
export interface LayerCompressor {
  /** Name of the method that made this compressor (the registry key). */
  readonly method: string;
  /** The layer this compressor serves. */
  readonly geometry: LayerGeometry;
  /**
   * Compresses the layer input. Must not keep a reference to `input`; returned tensors are new
   * tensors owned by the caller (never `input` itself, never the compressor's own kept state:
   * return `tf.clone(state)` instead). May update the layer's persistent state.
   */
  compress(input: tf.Tensor): CompressedActivation;
  /**
   * The weight gradient from the compressed activation and the output gradient `dy`
   * (shape = `geometry.outputShape` with the actual batch), with the weight's shape. `saved`
   * holds the saved clones in the order `compress` returned them, with the same `meta`,
   * `elements` and `bytes`. Must not dispose `saved` tensors.
   */
  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor;
  /** Returns a copy of the persistent state (for checkpoints); `null` when stateless. */
  getState(): CompressorState | null;
  /** Restores a state returned by `getState` (tensors are copied, not adopted). */
  setState(state: CompressorState): void;
  /** Releases persistent tensors. */
  dispose(): void;
}

/** Accounting modes of the cost model (docs/method.md §6). */
export type CostMode = 'paper' | 'exact';

/** One named term of a cost breakdown. */
export interface CostTerm {
  /** Pass the term belongs to. */
  phase: 'forward' | 'backward';
  /** What the term counts, e.g. `'conv'`, `'core-formation'`, `'input-gradient'`. */
  name: string;
  /** Operations of the term: flops in exact mode, the reference code's units in paper mode. */
  flops: number;
}

/** Analytic cost of one layer under one method for one training step. */
export interface LayerCost {
  /** Elements kept between forward and backward for the weight gradient. */
  activationElements: number;
  /**
   * Bytes those elements take, when not 4 each (for example 8-bit storage with float32 scales).
   * Absent: `activationElements × 4`.
   */
  activationBytes?: number;
  /** Floating-point operations of the forward pass, compression included. */
  forwardFlops: number;
  /** Floating-point operations of the backward pass (weight gradient, and input gradient in exact mode). */
  backwardFlops: number;
  /** The terms summed into `forwardFlops` and `backwardFlops`, when the method lists them. */
  terms?: CostTerm[];
  /**
   * Weight-side methods (docs/architecture.md §3): elements the layer's weight occupies across
   * steps under the method, the frozen base included (LoRA: W, A and B; WASI: W and its basis L).
   * Absent: the plain weight (`weightShape`'s product). Transient products formed within a step
   * are not counted.
   */
  weightElements?: number;
  /**
   * Weight-side methods: elements of the variables the optimizer updates in place of the weight
   * (LoRA: A and B); gradients and optimizer slots scale with it. Absent: the plain weight.
   */
  trainableElements?: number;
}

/** Where a layer sits in the fine-tuned part, as {@link MethodPlugin.layerOptions} sees it. */
export interface LayerContext {
  /** Layer name (module path), unique in the model. */
  name: string;
  /** Position among the model's layers, 0-based, in model order. */
  index: number;
  /** The layer's geometry. */
  geometry: LayerGeometry;
  /** The run's base seed (per-layer seeds derive from it). */
  seed: number;
}

/** One fine-tuned layer's input and output gradient on a calibration batch. */
export interface CalibrationLayer {
  /** Layer name. */
  name: string;
  /** The layer's geometry for the batch. */
  geometry: LayerGeometry;
  /** The layer's input on the batch (owned by the caller: do not dispose). */
  input: tf.Tensor;
  /** The gradient of the loss with respect to the layer's output (owned by the caller). */
  dy: tf.Tensor;
  /**
   * Position of the layer among the model's layers, 0-based, as `LayerContext.index`
   * (per-layer options such as seeds derive from it). Default: its position in the request.
   */
  index?: number;
}

/** What a {@link MethodPlanner} is asked. */
export interface PlanRequest<O> {
  /** The fine-tuned layers with their captured input and output gradient, in model order. */
  layers: CalibrationLayer[];
  /** The method-wide options (validated, defaults filled). */
  options: O;
  /** Activation-memory budget of the planned layers in bytes; absent: the method's own default plan. */
  budgetBytes?: number;
  /** The run's base seed. */
  seed: number;
}

/** What a {@link MethodPlanner} chose. */
export interface PlanResult<O> {
  /** Options of each planned layer, by layer name (complete: `create` takes them as they are). */
  layerOptions: Record<string, O>;
  /** Activation bytes the plan keeps per step, over all planned layers. */
  totalBytes: number;
  /** One line for logs, e.g. `'ε per layer 0.9, 0.8; 61.2 KiB of 64 KiB'`. */
  summary: string;
  /** Method-specific record of the choice (plain JSON), for reports (ASI: the perplexity table and the plan). */
  details?: unknown;
  /**
   * The choice as tables for people (e.g. one row per layer: ε, ranks, bytes); front doors (the
   * CLI, the web demo) print them as they are, without knowing the method.
   */
  tables?: PlanTable[];
}

/** A table of a {@link PlanResult}, printed as is by the front doors. */
export interface PlanTable {
  /** Heading, e.g. `'chosen ranks'`. */
  title: string;
  /** Column headers. */
  columns: string[];
  /** Rows of cells. */
  rows: (string | number)[][];
}

/**
 * A method that chooses its per-layer options on calibration data, under a memory budget or by a
 * default rule (ASI's rank selection, docs/method.md §5).
 */
export interface MethodPlanner<O> {
  /** True when these method-wide options leave something to plan (e.g. ASI without `ranks`). */
  needsPlan(options: O): boolean;
  /** Chooses the options of every layer; throws a typed error when no plan fits the budget. */
  plan(request: PlanRequest<O>): PlanResult<O>;
}

/**
 * A weight-side method's parameterisation of one layer's weight (LoRA's W + BA, WASI's W = L·R):
 * it owns the variables trained in place of the weight and forms the weight each step.
 */
export interface WeightParameterization {
  /** The variables trained instead of the layer's weight, by a short name (`'A'`, `'B'`, …). */
  readonly trainable: Readonly<Record<string, tf.Variable>>;
  /**
   * The layer's effective weight for this step, with the layer's weight shape, computed with
   * differentiable ops from `base` (frozen) and {@link WeightParameterization.trainable}. (A
   * method may list the layer's own weight variable in `trainable` to train it in place, as WASI
   * does, docs/method.md §10; it then must not dispose it.)
   */
  weight(base: tf.Tensor): tf.Tensor;
  /** Called after each optimizer update (e.g. a basis refresh); optional. */
  afterUpdate?(base: tf.Tensor): void;
  /** A plain weight equal to the effective one (to deploy without the method). */
  merge(base: tf.Tensor): tf.Tensor;
  /** Copy of the state beyond `trainable` (checkpoints); `null` when there is none. */
  getState(): CompressorState | null;
  /** Restores a state from `getState`. */
  setState(state: CompressorState): void;
  /** Releases the variables and any state. */
  dispose(): void;
}

/** The weight side of a method: how it re-parameterises a trained layer's weight. */
export interface WeightAdapter<O> {
  /** Makes the parameterisation of one layer from its current (frozen) weight. */
  create(base: tf.Tensor, geometry: LayerGeometry, options: O): WeightParameterization;
}

/**
 * A training method, registered by name (contract version 2, docs/architecture.md §3). It
 * declares everything the trainer, the CLI, the profiler and the web demo need, so none of them
 * names a method:
 * - `options`: the options it takes (the CLI's flags and the web form are generated from them,
 *   and `finetune()` rejects an option that is not declared);
 * - `create`: the activation side, one {@link LayerCompressor} per layer (absent: the method keeps
 *   the input as vanilla does);
 * - `weights`: the weight side, when the method re-parameterises the weight (a method may have both);
 * - `cost`: its analytic cost in paper and exact accounting (docs/method.md §6);
 * - `planner`, `layerOptions`, `costOptionsFor`, `unsupportedReason`: the optional hooks below.
 *
 * @typeParam O - the method's options.
 * @example
 * ```ts
 * const plugin: MethodPlugin<{ rank: number }> = {
 *   specificationVersion: SPECIFICATION_VERSION,
 *   name: 'my-method',
 *   description: 'What it keeps, in one line',
 *   supports: ['conv2d', 'dense'],
 *   options: [{ name: 'rank', type: 'integer', min: 1, required: true, doc: 'rows kept' }],
 *   create: (geometry, options) => new MyCompressor(geometry, options),
 *   cost: (geometry, options, mode) => myCost(geometry, options, mode),
 * };
 * registerMethod(plugin);
 * ```
 */
export interface MethodPlugin<O = Record<string, unknown>> {
  /** Contract version implemented; must equal {@link SPECIFICATION_VERSION}. */
  readonly specificationVersion: typeof SPECIFICATION_VERSION;
  /** Registry key, e.g. `'asi'`, `'hosvd'`, `'vanilla'`. Lower-case, no spaces. */
  readonly name: string;
  /** One-line human description. */
  readonly description: string;
  /** Layer kinds the method supports. */
  readonly supports: readonly LayerKind[];
  /** The options the method takes (may be empty). */
  readonly options: readonly OptionSpec[];
  /** Makes the compressor of one layer (activation side). Throws a typed error for invalid options. */
  create?(geometry: LayerGeometry, options: O): LayerCompressor;
  /** The weight side, for methods that re-parameterise a layer's weight. */
  readonly weights?: WeightAdapter<O>;
  /** Analytic cost of one layer for one training step. */
  cost(geometry: LayerGeometry, options: O, mode: CostMode): LayerCost;
  /**
   * Why the method cannot serve a layer of a kind it supports (e.g. the gradient filter on a
   * 2-D dense input, which has no spatial blocks), or `null` when it can.
   */
  unsupportedReason?(geometry: LayerGeometry): string | null;
  /** One layer's options from the method-wide ones (e.g. a per-layer seed); default: unchanged. */
  layerOptions?(options: O, layer: LayerContext): O;
  /** Chooses per-layer options on calibration data (e.g. ASI's ranks under a budget). */
  readonly planner?: MethodPlanner<O>;
  /**
   * For methods whose storage depends on the data (ranks chosen per batch, as HOSVD_ε and SVD_ε
   * do): the options that make {@link MethodPlugin.cost} count what the method keeps for this
   * activation (a layer input of one batch).
   */
  costOptionsFor?(geometry: LayerGeometry, options: O, activation: tf.Tensor): O;
}

/**
 * A {@link MethodPlugin} with an activation side: its `create` is present (every built-in
 * compressing method: ASI, HOSVD_ε, SVD_ε, the gradient filter, vanilla).
 *
 * @typeParam O - the method's options.
 * @example
 * ```ts
 * const plugin: ActivationMethodPlugin<{ rank: number }> = { ...myPlugin, create: (g, o) => new MyCompressor(g, o) };
 * plugin.create(geometry, { rank: 4 }); // no `!` needed
 * ```
 */
export type ActivationMethodPlugin<O = Record<string, unknown>> = MethodPlugin<O> & {
  /** Makes the compressor of one layer (activation side). Throws a typed error for invalid options. */
  create(geometry: LayerGeometry, options: O): LayerCompressor;
};

/**
 * The version-1 shape of a plugin (`apiVersion: 1`), accepted only through `adaptV1Plugin`.
 *
 * @typeParam O - the method's options.
 */
export interface MethodPluginV1<O = Record<string, unknown>> {
  /** Registry key. */
  readonly name: string;
  /** Always 1. */
  readonly apiVersion: 1;
  /** One-line human description. */
  readonly description: string;
  /** Layer kinds the method supports. */
  readonly supports: readonly LayerKind[];
  /** Makes the compressor of one layer. */
  create(geometry: LayerGeometry, options: O): LayerCompressor;
  /** Optional analytic cost model. */
  cost?(geometry: LayerGeometry, options: O, mode: CostMode): LayerCost;
}
