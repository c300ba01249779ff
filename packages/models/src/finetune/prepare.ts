import { ArgumentError } from '@odl/backend';
import { createLayerCompressor, getCompressor } from '@odl/core';
import type { ZooModel } from '../zoo/model';
import type { ModelLayerSpec } from '../zoo/types';
import { registerBuiltinMethods } from './methods';

/** Options of {@link prepareFineTune}. */
export interface PrepareFineTuneOptions {
  /** Number of conv/dense layers, counted from the end in model order, to train; `'all'` trains every layer. */
  lastN: number | 'all';
  /** Training input shape `[B, H, W, C]` (compressors are built for this geometry). */
  inputShape: [number, number, number, number];
  /** Compression method (registry name). Default `'vanilla'`. */
  method?: string;
  /** Options of the method for every trained layer (e.g. `{ epsilon: 0.8 }` for `'hosvd'`). */
  methodOptions?: Record<string, unknown>;
  /**
   * Options per layer name (e.g. from `applyRankPlan`); a layer listed here ignores
   * `methodOptions`. Every name must be one of the trained layers.
   */
  perLayerOptions?: Record<string, Record<string, unknown>>;
  /** Replace the classifier by a fresh one (seeded) before preparing. Default false. */
  freshHead?: boolean;
  /** Classes of the fresh classifier (default: the current number). */
  numClasses?: number;
  /** Seed of the fresh classifier and of per-layer compressor seeds (`'asi'`: seed + layer index). Default 0. */
  seed?: number;
  /** Freeze BatchNorm statistics (eval mode) while training. Default true. */
  freezeBatchNorm?: boolean;
  /**
   * Method for layers whose kind the chosen method does not support (a dense head with a
   * conv-only method, or a 2-D dense head with a method that needs spatial inputs such as the
   * gradient filter). Default `'vanilla'`.
   */
  fallbackMethod?: string;
}

/** One trained layer of a fine-tuning setup. */
export interface TrainedLayer {
  /** Layer name. */
  name: string;
  /** Geometry and position in the model. */
  spec: ModelLayerSpec;
  /** Method of this layer's compressor. */
  method: string;
  /** Options its compressor was created with. */
  options: Record<string, unknown>;
}

/** What {@link prepareFineTune} set up. */
export interface FineTuneSetup {
  /** The trained layers, in model order. */
  trained: TrainedLayer[];
  /** Names of the frozen conv/dense layers, in model order. */
  frozen: string[];
  /** Geometry of every conv/dense layer of the model for the training input shape. */
  specs: ModelLayerSpec[];
}

/**
 * Prepares a model for fine-tuning its last N conv/dense layers (docs/method.md §7): those layers run
 * through @odl/core's compressed ops, each with its own compressor created by name from the
 * registry; every layer before the first of them is frozen (no gradient, run off the gradient
 * tape so nothing is saved); BatchNorm statistics are frozen; trained layers use the
 * memory-light BatchNorm and masked ReLU6 when @odl/core provides them. Replaces previous
 * compressors (disposing them).
 *
 * @example
 * ```ts
 * const setup = prepareFineTune(model, {
 *   lastN: 4, inputShape: [32, 32, 32, 1], method: 'hosvd', methodOptions: { epsilon: 0.8 },
 *   freshHead: true, numClasses: 5,
 * });
 * console.log(setup.trained.map((l) => l.name));
 * ```
 */
export function prepareFineTune(model: ZooModel, options: PrepareFineTuneOptions): FineTuneSetup {
  registerBuiltinMethods();
  const method = options.method ?? 'vanilla';
  const fallback = options.fallbackMethod ?? 'vanilla';
  const plugin = getCompressor(method); // throws UnknownMethodError listing the registered names
  const shape = options.inputShape;
  if (!Array.isArray(shape) || shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ArgumentError(`prepareFineTune: inputShape must be [B, H, W, C] positive integers, got ${JSON.stringify(shape)}`);
  }
  const total = model.layers().length;
  const n = options.lastN === 'all' ? total : options.lastN;
  if (!Number.isInteger(n) || n < 1 || n > total) {
    throw new ArgumentError(`prepareFineTune: lastN must be an integer in 1..${total} (the model's conv/dense layers) or 'all', got ${String(options.lastN)}`);
  }
  if (options.freshHead) model.resetClassifier(options.numClasses ?? model.config.numClasses, options.seed ?? 0);
  else if (options.numClasses != null && options.numClasses !== model.config.numClasses) {
    throw new ArgumentError(`prepareFineTune: numClasses ${options.numClasses} differs from the model's ${model.config.numClasses}; set freshHead: true to replace the classifier`);
  }
  const specs = model.layerSpecs(shape);
  const first = total - n;
  const trainedNames = new Set(specs.slice(first).map((s) => s.name));
  for (const name of Object.keys(options.perLayerOptions ?? {})) {
    if (!trainedNames.has(name)) {
      throw new ArgumentError(`prepareFineTune: perLayerOptions names '${name}', which is not one of the last ${n} layers (${[...trainedNames].slice(0, 4).join(', ')}…)`);
    }
  }
  for (const rt of model.runtime.values()) rt.compressor?.dispose();
  model.runtime.clear();
  const trained: TrainedLayer[] = [];
  try {
    for (const spec of specs) {
      if (spec.index < first) {
        model.runtime.set(spec.name, { mode: 'frozen' });
        continue;
      }
      const supported = plugin.supports.includes(spec.geometry.kind);
      let m = supported ? method : fallback;
      let opts: Record<string, unknown> = supported ? { ...(options.perLayerOptions?.[spec.name] ?? options.methodOptions ?? {}) } : {};
      if (m === 'asi' && opts.seed == null) opts = { ...opts, seed: ((options.seed ?? 0) + spec.index) >>> 0 };
      let compressor;
      try {
        compressor = createLayerCompressor(m, spec.geometry, opts);
      } catch (e) {
        // A method may list 'dense' but need spatial inputs (gradient filter): a 2-D classifier
        // then trains with the fallback method (reported in `trained[i].method`).
        const flatDense = spec.geometry.kind === 'dense' && spec.geometry.inputShape.length === 2;
        if (!flatDense || m === fallback || options.perLayerOptions?.[spec.name] != null) throw e;
        m = fallback;
        opts = {};
        compressor = createLayerCompressor(m, spec.geometry, opts);
      }
      model.runtime.set(spec.name, { mode: 'compressed', compressor, inputGradient: spec.index !== first });
      trained.push({ name: spec.name, spec, method: m, options: opts });
    }
  } catch (e) {
    for (const rt of model.runtime.values()) rt.compressor?.dispose();
    model.runtime.clear();
    throw e;
  }
  model.batchNormFrozen = options.freezeBatchNorm ?? true;
  return { trained, frozen: specs.slice(0, first).map((s) => s.name), specs };
}

/**
 * Undoes {@link prepareFineTune}: disposes the compressors; every layer trains with plain ops
 * and BatchNorm uses batch statistics again.
 *
 * @example
 * ```ts
 * resetFineTune(model);
 * ```
 */
export function resetFineTune(model: ZooModel): void {
  for (const rt of model.runtime.values()) rt.compressor?.dispose();
  model.runtime.clear();
  model.batchNormFrozen = false;
}
