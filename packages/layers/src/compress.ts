import { ArgumentError, tf } from '@odl/backend';
import {
  createLayerCompressor,
  getMethod,
  resolveOptions,
  unsupportedReason,
  type LayerCompressor,
  type LayerGeometry,
  type MethodPlugin,
  type PlanResult,
} from '@odl/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { calls } from './calls-registry';
import { compressibleParts, isCompressible } from './compressible';
import { calibrate } from './calibrate';
import { install, uninstall, type PlannedLayer } from './install';
import { LayersBridgeError } from './errors';
import type { Layer } from './layer-access';

/** What {@link compressLayersModel} fine-tunes and how. */
export interface CompressLayersOptions {
  /** A method registered with `@odl/core`'s registry (e.g. `'asi'` after `registerShortcut()`, `'vanilla'`, or a plugin of your own). */
  method: string;
  /** The method's options (validated against its declared options; e.g. ASI's `{ ranks: [4, 4, 4, 8] }`). */
  methodOptions?: Record<string, unknown>;
  /** How many compressible layers to train, counted from the output (default 4). A SeparableConv2D counts as one. */
  layers?: number;
  /** Nominal batch size of the training batches (default 32, `model.fit`'s default); a smaller last batch is fine. */
  batchSize?: number;
  /** The run's base seed; per-layer seeds derive from it through the method's `layerOptions` (default 0). */
  seed?: number;
  /**
   * Complete options per compressed part, keyed by {@link CompressedPart.name} (e.g. ASI's
   * `{ ranks }` for a Dense head whose input has 2 axes); a part listed here skips the
   * method-wide options and the planner.
   */
  partOptions?: Record<string, Record<string, unknown>>;
  /**
   * A calibration batch for a method that chooses its options on data (ASI without `ranks`
   * chooses them per part, docs/method.md §5): `batchSize` examples, their targets and the loss
   * the model will be trained with. Required when the method needs a plan and `partOptions` does
   * not cover every part.
   */
  calibration?: Calibration;
  /** Activation-memory budget of the trained parts in bytes, for a method with a planner (ASI); absent: its default plan. */
  budgetBytes?: number;
}

/** What a method's planner sees: one batch, its targets and the training loss. */
export interface Calibration {
  /** Inputs, `[batchSize, …]` (the model's input shape). */
  x: tf.Tensor;
  /** Targets, as `model.fit` takes them. */
  y: tf.Tensor;
  /** The loss `(yTrue, yPred) => loss` (e.g. `tf.metrics.categoricalCrossentropy` of tfjs-layers). */
  loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
}

/** One compressed convolution or matrix product of a trained layer. */
export interface CompressedPart {
  /** `'<layer>'`, or `'<layer>/depthwise'` and `'<layer>/pointwise'` for a SeparableConv2D. */
  name: string;
  /** The layer's name. */
  layer: string;
  /** The part's geometry at the nominal batch. */
  geometry: LayerGeometry;
  /** The options its compressor was made with. */
  options: Record<string, unknown>;
  /** Its compressor (for meters and state; owned by the fine-tune: do not dispose). */
  compressor: LayerCompressor;
}

/** A LayersModel prepared by {@link compressLayersModel}. */
export interface LayersFineTune {
  /** The method's registry name. */
  readonly method: string;
  /** Names of the trained layers, in model order. */
  readonly trained: readonly string[];
  /** Names of the layers before them whose calls record nothing on the tape (the frozen prefix). */
  readonly frozenPrefix: readonly string[];
  /** Names of the frozen layers after the first trained one (their input gradient flows; BatchNorm and ReLU kept lean). */
  readonly frozenSuffix: readonly string[];
  /** The compressed parts, in model order. */
  readonly parts: readonly CompressedPart[];
  /** What the method's planner chose on the calibration batch, when it ran. */
  readonly plan: PlanResult<Record<string, unknown>> | null;
  /**
   * Saves the model through any tfjs IOHandler (or URL string) as the stock model would save:
   * the layers' `trainable` flags as they were before {@link compressLayersModel} (so model.json's
   * topology and the weights' order equal those of the model before fine-tuning), the fine-tuned
   * weight values. `model.save` also works (tfjs loads weights by name), but records the frozen
   * flags and lists the trained weights first.
   */
  save(handlerOrUrl: tf.io.IOHandler | string, config?: tf.io.SaveConfig): Promise<tf.io.SaveResult>;
  /**
   * Puts the model back as it was: stock calls, the previous `trainable` flags; disposes the
   * compressors. The trained weights stay. Compile again before training further.
   */
  restore(): void;
}

const DEFAULT_LAYERS = 4;
const DEFAULT_BATCH = 32;

/** The layers reachable from `start` through the model's graph (outbound nodes), `start` included. */
function downstreamOf(start: readonly Layer[], inModel: ReadonlySet<Layer>): Set<Layer> {
  const seen = new Set<Layer>(start);
  const queue = [...start];
  while (queue.length > 0) {
    const layer = queue.pop()!;
    for (const node of layer.outboundNodes) {
      const next = node.outboundLayer as Layer;
      if (next != null && inModel.has(next) && !seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

function checkModel(model: LayersModel, options: CompressLayersOptions): { count: number; batchSize: number } {
  if (model == null || !Array.isArray((model as { layers?: unknown }).layers)) throw new ArgumentError('compressLayersModel: expected a tf.LayersModel (Sequential or functional) from @tensorflow/tfjs-layers');
  const count = options.layers ?? DEFAULT_LAYERS;
  if (!Number.isInteger(count) || count < 1) throw new ArgumentError(`compressLayersModel: layers must be a positive integer, got ${JSON.stringify(options.layers)}`);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError(`compressLayersModel: batchSize must be a positive integer, got ${JSON.stringify(options.batchSize)}`);
  for (const layer of model.layers) {
    if (Array.isArray((layer as { layers?: unknown }).layers)) {
      throw new LayersBridgeError(`layer '${layer.name}' is a nested model; flatten it into one functional model (e.g. tf.model({ inputs, outputs }) over its layers) before compressing`);
    }
    if (calls.has(layer)) throw new LayersBridgeError(`layer '${layer.name}' is already compressed; call restore() on the previous fine-tune first`);
  }
  return { count, batchSize };
}

function activationPlugin(method: string): MethodPlugin<Record<string, unknown>> {
  const plugin = getMethod(method);
  if (plugin.create == null && plugin.weights != null) {
    throw new LayersBridgeError(`method '${method}' re-parameterises weights (it has no activation side); the LayersModel bridge trains activation-compressing methods only`);
  }
  return plugin;
}

/**
 * Prepares a tfjs-layers `LayersModel` (Sequential or functional) so that `model.fit` /
 * `model.fitDataset`, with any `tf.train` optimizer, callbacks and `tf.data` datasets, trains its
 * last `layers` compressible layers (Conv2D, DepthwiseConv2D, SeparableConv2D, Dense) with a
 * method from `@odl/core`'s registry, and keeps everything else frozen:
 * - the trained layers' convolutions and matrix products run through `@odl/core`'s compressed
 *   ops: the same forward as the stock layer, the weight gradient from what the method's
 *   compressor keeps (ASI: a Tucker core and factors) instead of the layer input;
 * - the layers before them (nothing trained upstream) run with the gradient tape paused: they
 *   keep nothing for backward, and each of their outputs is released as soon as the prefix
 *   layers reading it have run;
 * - frozen layers after the first trained one stay on the tape (the gradient flows through
 *   them); BatchNormalization runs in inference mode keeping per-channel constants, ReLU/ReLU6
 *   keep 1-bit masks. Every BatchNormalization runs in inference mode (Keras' rule for a frozen
 *   BatchNormalization); only the trained layers' weights are `trainable`.
 *
 * The layers stay the stock classes with their configs and weights, so `model.save` writes a
 * standard LayersModel artifact that plain `tf.loadLayersModel` loads without odl. Call it before
 * `model.compile` (or compile again after it): tfjs-layers fixes the trained weights at compile.
 * Throws {@link LayersBridgeError} for a layer or model it cannot handle, `UnknownMethodError`
 * for an unregistered method and `MethodOptionError` for bad method options.
 *
 * @example
 * ```ts
 * registerShortcut();
 * const ft = compressLayersModel(model, { method: 'asi', methodOptions: { ranks: [4, 4, 4, 8] }, layers: 4, batchSize: 32 });
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
 * await model.fit(xs, ys, { batchSize: 32, epochs: 2 });
 * await model.save(handler); // stock Conv2D, Dense, … in model.json
 * ```
 */
export function compressLayersModel(model: LayersModel, options: CompressLayersOptions): LayersFineTune {
  const { count, batchSize } = checkModel(model, options);
  const plugin = activationPlugin(options.method);
  const methodOptions = resolveOptions(plugin, options.methodOptions ?? {});
  const layers = model.layers as Layer[];
  const compressible = layers.filter(isCompressible);
  if (compressible.length < count) {
    throw new LayersBridgeError(`compressLayersModel: the model has ${compressible.length} compressible layers (${compressible.map((l) => l.name).join(', ') || 'none'}), fewer than layers = ${count}`);
  }
  const chosen = compressible.slice(compressible.length - count);
  const trainedRegion = downstreamOf(chosen, new Set(layers));

  // Plan every part before touching the model, so a failure leaves it as it was.
  const planned: PlannedLayer[] = chosen.map((layer) => {
    const parts = compressibleParts(layer, batchSize);
    const named = parts.map((part) => ({ part, name: parts.length > 1 ? `${layer.name}/${part.role}` : layer.name }));
    for (const { part, name } of named) {
      const reason = unsupportedReason(plugin, part.geometry);
      if (reason != null) throw new LayersBridgeError(`method '${plugin.name}' cannot compress '${name}' (${layer.getClassName()}): ${reason}; train fewer layers or choose another method`);
    }
    const inputGradient = layer.inboundNodes.some((n) => n.inboundLayers.some((l) => trainedRegion.has(l as Layer)));
    return { layer, index: layers.indexOf(layer), named, inputGradient };
  });
  const allParts = planned.flatMap((p) => p.named);
  const unplanned = allParts.filter((p) => options.partOptions?.[p.name] == null);
  const needsPlan = plugin.planner != null && unplanned.length > 0 && (plugin.planner.needsPlan(methodOptions) || options.budgetBytes != null);
  if (options.budgetBytes != null && plugin.planner == null) {
    throw new LayersBridgeError(`method '${plugin.name}' has no planner, so it cannot choose its options under budgetBytes; drop the budget or use a method with a planner (e.g. 'asi')`);
  }
  if (needsPlan && options.calibration == null) {
    throw new LayersBridgeError(`method '${plugin.name}' chooses its options on data for ${unplanned.map((p) => `'${p.name}'`).join(', ')}: pass calibration: { x, y, loss } (one batch of ${batchSize}), or complete options (e.g. ASI's ranks) in methodOptions or partOptions`);
  }

  const previousTrainable = new Map(layers.map((l) => [l, l.trainable]));
  let plan: PlanResult<Record<string, unknown>> | null = null;
  if (needsPlan) {
    const calibration = calibrate(model, layers, planned, trainedRegion, options.calibration!, batchSize);
    try {
      plan = plugin.planner!.plan({ layers: calibration.filter((c) => unplanned.some((u) => u.name === c.name)), options: methodOptions, budgetBytes: options.budgetBytes, seed: options.seed ?? 0 });
    } finally {
      tf.dispose(calibration.flatMap((c) => [c.input, c.dy]));
      restoreTrainable(layers, previousTrainable);
    }
  }

  const made: CompressedPart[] = [];
  try {
    for (const { layer, index, named } of planned) {
      for (const { part, name } of named) {
        const given = options.partOptions?.[name] ?? plan?.layerOptions[name];
        const partOptions = given != null
          ? resolveOptions(plugin, given)
          : (plugin.layerOptions?.(methodOptions, { name, index, geometry: part.geometry, seed: options.seed ?? 0 }) ?? methodOptions);
        const compressor = createLayerCompressor(plugin.name, part.geometry, partOptions);
        made.push({ name, layer: layer.name, geometry: part.geometry, options: { ...partOptions }, compressor });
      }
    }
  } catch (e) {
    for (const p of made) p.compressor.dispose();
    throw e;
  }

  const compressorsOf = (layer: Layer) => made.filter((m) => m.layer === layer.name).map((m) => m.compressor);
  const { frozenPrefix, frozenSuffix } = install(layers, planned, trainedRegion, compressorsOf);

  let restored = false;
  return {
    method: plugin.name,
    trained: chosen.map((l) => l.name),
    frozenPrefix,
    frozenSuffix,
    parts: made,
    plan,
    async save(handlerOrUrl, config) {
      const current = new Map(layers.map((l) => [l, l.trainable]));
      restoreTrainable(layers, previousTrainable);
      try {
        return await model.save(handlerOrUrl, config);
      } finally {
        if (!restored) restoreTrainable(layers, current);
      }
    },
    restore() {
      if (restored) return;
      restored = true;
      uninstall(layers);
      restoreTrainable(layers, previousTrainable);
      for (const p of made) p.compressor.dispose();
    },
  };
}

function restoreTrainable(layers: readonly Layer[], previous: ReadonlyMap<Layer, boolean>): void {
  for (const layer of layers) layer.trainable = previous.get(layer) ?? true;
}
