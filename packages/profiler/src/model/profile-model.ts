import { ArgumentError } from '@odl/backend';
import type { CostMode, CostTerm, LayerGeometry } from '@odl/core';
import { activationBytesOf, layerCost } from '../cost/layer-cost';

/** Bytes in a mebibyte. */
export const BYTES_PER_MIB = 1024 * 1024;

/**
 * One layer to count: its name and geometry. The model's description is the zoo's
 * (`describeModel` / `model.layerSpecs` of @odl/models, whose `ModelLayerSpec` is one), and which
 * layers are fine-tuned is its `selectFineTunedLayers`: the profiler counts the layers it is given.
 *
 * @example
 * ```ts
 * const layer: CostLayer = { name: 'features.14.conv.2', geometry: { kind: 'conv2d', inputShape: [128, 7, 7, 576], weightShape: [1, 1, 576, 160], outputShape: [128, 7, 7, 160] } };
 * ```
 */
export interface CostLayer {
  /** Layer name, unique in the model (e.g. `'features.14.conv.2'`, `'layer4.1.conv2'`). */
  name: string;
  /** The layer's geometry (NHWC shapes, HWIO weights). */
  geometry: LayerGeometry;
}

/** Method options of each counted layer: one object for all, one per layer, or a function. */
export type LayerOptionsInput = Record<string, unknown> | Record<string, unknown>[] | ((layer: CostLayer, index: number) => Record<string, unknown>);

/** What {@link profileModel} counts. */
export interface ModelCostRequest {
  /** The layers to count (the fine-tuned ones), in model order. */
  layers: readonly CostLayer[];
  /** Registry name of a registered method (its plugin's `cost` counts each layer, see {@link layerCost}). */
  method: string;
  /** The method's options, validated against its declarations (e.g. per-layer ranks of a Tucker method). */
  options?: LayerOptionsInput;
  /** Overrides the batch size of every geometry. */
  batch?: number;
  /** Accounting mode; default `'exact'`. */
  mode?: CostMode;
  /** Bytes per stored element; default 4 (float32). */
  bytesPerElement?: number;
}

/** One fine-tuned layer's row of a cost table. */
export interface LayerCostRow {
  /** Layer name. */
  name: string;
  /** Layer kind. */
  kind: LayerGeometry['kind'];
  /** Input activation shape. */
  inputShape: number[];
  /** Output shape. */
  outputShape: number[];
  /** Options the method got for this layer. */
  options: Record<string, unknown>;
  /** Elements kept for backward. */
  activationElements: number;
  /** Bytes kept for backward (elements × bytes per element). */
  activationBytes: number;
  /** The same in MiB. */
  activationMiB: number;
  /** Forward flops (mode's units). */
  forwardFlops: number;
  /** Backward flops (mode's units). */
  backwardFlops: number;
  /** Forward + backward. */
  totalFlops: number;
  /** Terms of the cost (empty when the method's cost model does not list them). */
  terms: CostTerm[];
}

/** Totals over the fine-tuned layers. */
export interface CostTotals {
  /** Elements kept for backward. */
  activationElements: number;
  /** Bytes kept for backward. */
  activationBytes: number;
  /** MiB kept for backward. */
  activationMiB: number;
  /** Forward flops. */
  forwardFlops: number;
  /** Backward flops. */
  backwardFlops: number;
  /** Forward + backward flops. */
  totalFlops: number;
}

/** Per-layer and total analytic cost of fine-tuning the last N layers of a model. */
export interface ModelCostTable {
  /** The method. */
  method: string;
  /** The accounting mode. */
  mode: CostMode;
  /** Number of layers counted: the fine-tuned ones (N). */
  lastN: number;
  /** Batch size (of the first counted layer). */
  batch: number;
  /** Bytes per element used for the byte columns. */
  bytesPerElement: number;
  /** One row per counted layer, in model order. */
  rows: LayerCostRow[];
  /** Sums over `rows`. */
  total: CostTotals;
}

function withBatch(g: LayerGeometry, batch: number | undefined): LayerGeometry {
  if (batch == null) return g;
  if (!Number.isInteger(batch) || batch < 1) throw new ArgumentError(`batch must be a positive integer, got ${batch}`);
  return { ...g, inputShape: [batch, ...g.inputShape.slice(1)], outputShape: [batch, ...g.outputShape.slice(1)] };
}

function optionsFor(input: LayerOptionsInput | undefined, layer: CostLayer, i: number, count: number): Record<string, unknown> {
  if (input == null) return {};
  if (typeof input === 'function') return input(layer, i);
  if (Array.isArray(input)) {
    if (input.length !== count) {
      throw new ArgumentError(`options has ${input.length} entries but ${count} layers are counted; give one options object per layer`);
    }
    return input[i];
  }
  return input;
}

/**
 * Sums rows into totals.
 *
 * @example
 * ```ts
 * sumRows(table.rows).activationMiB;
 * ```
 */
export function sumRows(rows: readonly Pick<LayerCostRow, 'activationElements' | 'activationBytes' | 'forwardFlops' | 'backwardFlops'>[]): CostTotals {
  const t = { activationElements: 0, activationBytes: 0, activationMiB: 0, forwardFlops: 0, backwardFlops: 0, totalFlops: 0 };
  for (const r of rows) {
    t.activationElements += r.activationElements;
    t.activationBytes += r.activationBytes;
    t.forwardFlops += r.forwardFlops;
    t.backwardFlops += r.backwardFlops;
  }
  t.activationMiB = t.activationBytes / BYTES_PER_MIB;
  t.totalFlops = t.forwardFlops + t.backwardFlops;
  return t;
}

/**
 * Analytic per-layer and total activation memory and FLOPs of one training step over the given
 * layers (the fine-tuned ones, in model order) with one registered method, each layer's cost asked
 * of the method's plugin through {@link layerCost}. Which layers are fine-tuned is the caller's
 * (`selectFineTunedLayers` of @odl/models: the last N convolutions).
 *
 * @example
 * ```ts
 * registerShortcut();
 * const specs = describeModel('mcunet-in1', { inputShape: [128, 224, 224, 3], numClasses: 1000 }); // @odl/models
 * const layers = selectFineTunedLayers(specs, 2).compressed;                                         // @odl/models
 * const table = profileModel({ layers, method: 'asi', options: { ranks: [4, 4, 4, 13] }, mode: 'paper' });
 * table.total.activationMiB;
 * ```
 */
export function profileModel(req: ModelCostRequest): ModelCostTable {
  const mode = req.mode ?? 'exact';
  const bpe = req.bytesPerElement ?? 4;
  if (!(bpe > 0)) throw new ArgumentError(`bytesPerElement must be positive, got ${bpe}`);
  if (req.layers == null || req.layers.length === 0) {
    throw new ArgumentError('profileModel: no layers to count; pass the fine-tuned layers ({ name, geometry }, e.g. selectFineTunedLayers(describeModel(…), N).compressed of @odl/models)');
  }
  const rows = req.layers.map((layer, i): LayerCostRow => {
    const geometry = withBatch(layer.geometry, req.batch);
    const options = optionsFor(req.options, layer, i, req.layers.length);
    let c;
    try {
      c = layerCost(geometry, req.method, options, { mode });
    } catch (e) {
      if (e instanceof Error) e.message = `layer '${layer.name}': ${e.message}`;
      throw e;
    }
    const bytes = activationBytesOf(c, bpe); // a method with its own storage (int8) counts its bytes
    return {
      name: layer.name,
      kind: geometry.kind,
      inputShape: geometry.inputShape,
      outputShape: geometry.outputShape,
      options,
      activationElements: c.activationElements,
      activationBytes: bytes,
      activationMiB: bytes / BYTES_PER_MIB,
      forwardFlops: c.forwardFlops,
      backwardFlops: c.backwardFlops,
      totalFlops: c.forwardFlops + c.backwardFlops,
      terms: c.terms,
    };
  });
  return { method: req.method, mode, lastN: rows.length, batch: rows[0].inputShape[0], bytesPerElement: bpe, rows, total: sumRows(rows) };
}
