import { ArgumentError } from '@odl/backend';
import {
  createLayerCompressor,
  getMethod,
  resolveOptions,
  unsupportedReason,
  type LayerCompressor,
  type LayerGeometry,
  type MethodPlugin,
} from '@odl/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { calls } from './calls-registry';
import { compressedCall, frozenPrefixCall, frozenSuffixCall } from './calls';
import { compressibleParts, isCompressible, type CompressiblePart } from './compressible';
import { LayersBridgeError } from './errors';
import { fieldsOf, type Layer, type LayerCall } from './layer-access';

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
   * Complete options per compressed part, keyed by {@link CompressedPart.name} (e.g. a planner's
   * choice from {@link planLayersModel}); a part listed here skips the method-wide options.
   */
  partOptions?: Record<string, Record<string, unknown>>;
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
 *   keep nothing for backward (docs/architecture.md);
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
  const inModel = new Set(layers);
  const trainedRegion = downstreamOf(chosen, inModel);
  const chosenSet = new Set(chosen);

  // Plan every part before touching the model, so a failure leaves it as it was.
  const planned = chosen.map((layer) => {
    const index = layers.indexOf(layer);
    const parts = compressibleParts(layer, batchSize);
    const named = parts.map((part) => ({ part, name: parts.length > 1 ? `${layer.name}/${part.role}` : layer.name }));
    for (const { part, name } of named) {
      const reason = unsupportedReason(plugin, part.geometry);
      if (reason != null) throw new LayersBridgeError(`method '${plugin.name}' cannot compress '${name}' (${layer.getClassName()}): ${reason}; train fewer layers or choose another method`);
    }
    const inputGradient = layer.inboundNodes.some((n) => n.inboundLayers.some((l) => trainedRegion.has(l as Layer)));
    return { layer, index, named, inputGradient };
  });

  const made: CompressedPart[] = [];
  try {
    for (const { layer, index, named } of planned) {
      for (const { part, name } of named) {
        const given = options.partOptions?.[name];
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

  const previousTrainable = new Map(layers.map((l) => [l, l.trainable]));
  const frozenPrefix: string[] = [];
  const frozenSuffix: string[] = [];
  for (const layer of layers) {
    const stock = fieldsOf(layer).call;
    let patched: LayerCall;
    if (chosenSet.has(layer)) {
      const plan = planned.find((p) => p.layer === layer)!;
      const parts: CompressiblePart[] = plan.named.map((n) => n.part);
      const compressors = made.filter((m) => m.layer === layer.name).map((m) => m.compressor);
      patched = compressedCall(layer, parts, compressors, plan.inputGradient);
      layer.trainable = true;
    } else {
      layer.trainable = false;
      if (layer.getClassName() === 'InputLayer') continue;
      if (trainedRegion.has(layer)) {
        frozenSuffix.push(layer.name);
        patched = frozenSuffixCall(layer, stock);
      } else {
        frozenPrefix.push(layer.name);
        patched = frozenPrefixCall(layer, stock);
      }
    }
    calls.set(layer, { stock, own: Object.prototype.hasOwnProperty.call(layer, 'call') });
    fieldsOf(layer).call = patched;
  }

  let restored = false;
  return {
    method: plugin.name,
    trained: chosen.map((l) => l.name),
    frozenPrefix,
    frozenSuffix,
    parts: made,
    restore() {
      if (restored) return;
      restored = true;
      for (const layer of layers) {
        const saved = calls.get(layer);
        if (saved != null) {
          // A call of the class (the usual case) comes back by removing the patch.
          if (saved.own) fieldsOf(layer).call = saved.stock;
          else delete (layer as unknown as { call?: LayerCall }).call;
          calls.delete(layer);
        }
        layer.trainable = previousTrainable.get(layer) ?? true;
      }
      for (const p of made) p.compressor.dispose();
    },
  };
}
