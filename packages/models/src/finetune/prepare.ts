import { ArgumentError, type tf } from '@odl/backend';
import { createLayerCompressor, getMethod, resolveOptions, unsupportedReason, type LayerCompressor, type MethodPlugin, type WeightParameterization } from '@odl/core';
import type { ZooModel } from '../zoo/model';
import type { BatchNormMode, LayerRuntime, ModelLayerSpec } from '../zoo/types';
import { selectFineTunedLayers, type ClassifierTraining } from './layers';
import { registerBuiltinMethods } from './methods';

/** Options of {@link prepareFineTune}. */
export interface PrepareFineTuneOptions {
  /** N: the last N compressible layers train through the method (docs/method.md §7); `'all'`: every one. */
  lastN: number | 'all';
  /** Training input shape `[B, H, W, C]` (compressors are built for this geometry). */
  inputShape: [number, number, number, number];
  /** Training method (registry name). Default `'vanilla'`. */
  method?: string;
  /**
   * Options of the method for every fine-tuned layer, validated against the options it declares
   * (an undeclared option throws `MethodOptionError`).
   */
  methodOptions?: Record<string, unknown>;
  /**
   * Complete options per layer name (e.g. a planner's choice); a layer listed here ignores
   * `methodOptions`. Every name must be one of the fine-tuned layers.
   */
  perLayerOptions?: Record<string, Record<string, unknown>>;
  /** How the classifier trains (default `'exact'`). */
  classifier?: ClassifierTraining;
  /** Replace the classifier by a fresh one (seeded) before preparing. Default false. */
  freshHead?: boolean;
  /** Classes of the fresh classifier (default: the current number). */
  numClasses?: number;
  /** The run's base seed: of the fresh classifier and, through the method's `layerOptions`, of per-layer seeds. Default 0. */
  seed?: number;
  /** BatchNorm while training (default `'frozen'`; the paper's protocol uses `'frozen-statistics'`). */
  batchNorm?: BatchNormMode;
}

/** One trained layer of a fine-tuning setup. */
export interface TrainedLayer {
  /** Layer name. */
  name: string;
  /** Geometry and position in the model. */
  spec: ModelLayerSpec;
  /** The method this layer trains with: the run's, or `'vanilla'` for a layer trained exactly. */
  method: string;
  /** Options its compressor was created with. */
  options: Record<string, unknown>;
  /**
   * `'compressed'`: one of the last N, through the run's method; `'exact'`: trained with plain
   * backpropagation (the classifier, or a layer the method cannot serve, see `reason`).
   */
  role: 'compressed' | 'exact';
  /** Why a layer among the last N trains exactly (the method's `unsupportedReason`). */
  reason?: string;
}

/** What {@link prepareFineTune} set up. */
export interface FineTuneSetup {
  /** The trained layers, in model order. */
  trained: TrainedLayer[];
  /** Names of the frozen conv/dense layers run off the gradient tape (before the first trained one), in model order. */
  frozen: string[];
  /**
   * Names of the frozen layers after the first trained one that run on the gradient tape
   * (`'frozen-on-tape'`: a transformer's attention projections), in model order; empty for a CNN.
   */
  frozenOnTape: string[];
  /** Geometry of every conv/dense layer of the model for the training input shape. */
  specs: ModelLayerSpec[];
}

function releaseRuntime(model: ZooModel): void {
  for (const rt of model.runtime.values()) {
    rt.compressor?.dispose();
    rt.weights?.dispose();
  }
  model.runtime.clear();
}

/**
 * Prepares a model for fine-tuning its last N layers (docs/method.md §7): those layers run
 * through @odl/core's compressed ops, each with its own compressor made by the method's plugin
 * (and, for a weight-side method, its weight parameterisation); every layer before the first of
 * them is frozen (run off the gradient tape, nothing saved); the classifier trains exactly unless
 * asked otherwise; other layers after the first of them (a transformer's attention projections)
 * stay frozen on the gradient tape; BatchNorm follows `batchNorm`; weights outside the layers
 * (LayerNorm γ/β, embeddings) stay frozen. A fine-tuned layer the method cannot serve (its
 * `unsupportedReason`) trains exactly, and `trained[i].reason` says why. Replaces a previous
 * preparation (disposing it).
 *
 * @example
 * ```ts
 * const setup = prepareFineTune(model, {
 *   lastN: 4, inputShape: [32, 64, 64, 1], method: 'hosvd', methodOptions: { epsilon: 0.8 },
 *   freshHead: true, numClasses: 5,
 * });
 * console.log(setup.trained.map((l) => `${l.name}: ${l.method}`));
 * ```
 */
export function prepareFineTune(model: ZooModel, options: PrepareFineTuneOptions): FineTuneSetup {
  registerBuiltinMethods();
  const method = options.method ?? 'vanilla';
  const plugin = getMethod(method); // throws UnknownMethodError listing the registered names
  const methodOptions = resolveOptions(plugin, options.methodOptions);
  const shape = options.inputShape;
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ArgumentError(`prepareFineTune: inputShape must be [B, H, W, C] positive integers, got ${JSON.stringify(shape)}`);
  }
  const batchNorm = options.batchNorm ?? 'frozen';
  if (!['trained', 'frozen-statistics', 'frozen'].includes(batchNorm)) {
    throw new ArgumentError(`prepareFineTune: batchNorm must be 'trained', 'frozen-statistics' or 'frozen', got ${JSON.stringify(batchNorm)}`);
  }
  if (options.freshHead) model.resetClassifier(options.numClasses ?? model.config.numClasses, options.seed ?? 0);
  else if (options.numClasses != null && options.numClasses !== model.config.numClasses) {
    throw new ArgumentError(`prepareFineTune: numClasses ${options.numClasses} differs from the model's ${model.config.numClasses}; set freshHead: true to replace the classifier`);
  }
  const specs = model.layerSpecs(shape);
  const selection = selectFineTunedLayers(specs, options.lastN, options.classifier);
  const compressedNames = new Set(selection.compressed.map((s) => s.name));
  for (const name of Object.keys(options.perLayerOptions ?? {})) {
    if (!compressedNames.has(name)) {
      throw new ArgumentError(`prepareFineTune: perLayerOptions names '${name}', which is not one of the ${compressedNames.size} fine-tuned layers (${[...compressedNames].join(', ')})`);
    }
  }
  releaseRuntime(model);
  const byName = new Map(model.layers().map((l) => [l.name, l]));
  const first = selection.compressed[0]!.index;
  const trained: TrainedLayer[] = [];
  try {
    for (const spec of selection.frozen) model.runtime.set(spec.name, { mode: 'frozen' });
    for (const spec of selection.frozenOnTape) model.runtime.set(spec.name, { mode: 'frozen-on-tape' });
    for (const spec of [...selection.compressed, ...selection.exact].sort((a, b) => a.index - b.index)) {
      const inputGradient = spec.index !== first;
      if (!compressedNames.has(spec.name)) {
        model.runtime.set(spec.name, { mode: 'compressed', compressor: createLayerCompressor('vanilla', spec.geometry, {}), inputGradient });
        trained.push({ name: spec.name, spec, method: 'vanilla', options: {}, role: 'exact' });
        continue;
      }
      const reason = unsupportedReason(plugin, spec.geometry);
      if (reason != null) {
        model.runtime.set(spec.name, { mode: 'compressed', compressor: createLayerCompressor('vanilla', spec.geometry, {}), inputGradient });
        trained.push({ name: spec.name, spec, method: 'vanilla', options: {}, role: 'exact', reason });
        continue;
      }
      const given = options.perLayerOptions?.[spec.name];
      const layerOptions = given != null
        ? resolveOptions(plugin, given)
        : (plugin.layerOptions?.(methodOptions, { name: spec.name, index: spec.index, geometry: spec.geometry, seed: options.seed ?? 0 }) ?? methodOptions);
      const runtime = makeRuntime(plugin, method, spec, layerOptions, byName.get(spec.name)!.weight, inputGradient);
      model.runtime.set(spec.name, runtime);
      trained.push({ name: spec.name, spec, method, options: { ...layerOptions }, role: 'compressed' });
    }
  } catch (e) {
    releaseRuntime(model);
    throw e;
  }
  model.batchNorm = batchNorm;
  return { trained, frozen: selection.frozen.map((s) => s.name), frozenOnTape: selection.frozenOnTape.map((s) => s.name), specs };
}

function makeRuntime(
  plugin: MethodPlugin,
  method: string,
  spec: ModelLayerSpec,
  layerOptions: Record<string, unknown>,
  weight: tf.Tensor,
  inputGradient: boolean,
): LayerRuntime {
  let compressor: LayerCompressor | undefined;
  let weights: WeightParameterization | undefined;
  try {
    compressor = createLayerCompressor(method, spec.geometry, layerOptions);
    weights = plugin.weights?.create(weight, spec.geometry, layerOptions);
    return { mode: 'compressed', compressor, inputGradient, weights };
  } catch (e) {
    compressor?.dispose();
    throw e;
  }
}

/**
 * Undoes {@link prepareFineTune}: disposes the compressors and weight parameterisations (call
 * `mergeWeights` first to keep what a weight-side method learned); every layer trains with plain
 * ops and BatchNorm uses batch statistics again.
 *
 * @example
 * ```ts
 * resetFineTune(model);
 * ```
 */
export function resetFineTune(model: ZooModel): void {
  releaseRuntime(model);
  model.batchNorm = 'trained';
}

/**
 * Writes the effective weight of every layer with a weight-side method into the layer's own
 * weight (`merge`) and removes the weight side, so the model computes the same function without
 * the method (to save or deploy it). Layers without a weight side are left as they are.
 *
 * @example
 * ```ts
 * mergeWeights(model);
 * await saveCheckpoint(model, 'out/model');
 * ```
 */
export function mergeWeights(model: ZooModel): void {
  for (const layer of model.layers()) {
    const weights = model.runtime.get(layer.name)?.weights;
    if (weights == null) continue;
    const merged = weights.merge(layer.weight);
    layer.weight.assign(merged);
    merged.dispose();
    weights.dispose();
    model.runtime.get(layer.name)!.weights = undefined;
  }
}
