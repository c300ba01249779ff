import type { tf } from '@odl/backend';

/**
 * Version of the compressor contract. A plugin states the version it implements; the registry
 * refuses a plugin written for another version with a clear error.
 *
 * @example
 * ```ts
 * const plugin = { name: 'mine', apiVersion: COMPRESSOR_API_VERSION, ... };
 * ```
 */
export const COMPRESSOR_API_VERSION = 1 as const;

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

/** Analytic cost of one layer under one method for one training step. */
export interface LayerCost {
  /** Elements kept between forward and backward for the weight gradient. */
  activationElements: number;
  /**
   * Bytes those elements take, when not 4 each (for example 8-bit storage with float32 scales).
   * Absent: `activationElements × 4` (or the profiler's `bytesPerElement`).
   */
  activationBytes?: number;
  /** Floating-point operations of the forward pass, compression included. */
  forwardFlops: number;
  /** Floating-point operations of the backward pass (weight gradient, and input gradient in exact mode). */
  backwardFlops: number;
}

/**
 * A compression method, as registered by name. `create` makes one compressor per layer.
 *
 * @typeParam O - the method's options (ranks, ε, radius, seed, ...).
 */
export interface CompressorPlugin<O = Record<string, unknown>> {
  /** Registry key, e.g. `'asi'`, `'hosvd'`, `'vanilla'`. Lower-case, no spaces. */
  readonly name: string;
  /** Contract version implemented; must equal {@link COMPRESSOR_API_VERSION}. */
  readonly apiVersion: typeof COMPRESSOR_API_VERSION;
  /** One-line human description. */
  readonly description: string;
  /** Layer kinds the method supports. */
  readonly supports: readonly LayerKind[];
  /** Makes the compressor of one layer. Throws a typed error for invalid options. */
  create(geometry: LayerGeometry, options: O): LayerCompressor;
  /**
   * Optional analytic cost model, so the profiler can count this method with no change to the
   * profiler (docs/method.md §6: `'paper'` counts MACs the reference code's way, `'exact'` 2 FLOPs per MAC
   * with input gradients and every contraction).
   */
  cost?(geometry: LayerGeometry, options: O, mode: CostMode): LayerCost;
}
