import { ArgumentError } from '@odl/backend';
import type { CostMode, CostTerm, LayerGeometry } from '@odl/core';
import type { LayerSpec } from '../specs/layer-spec';
import { lastLayers } from '../specs/layer-spec';
import { activationBytesOf, layerCost } from '../cost/layer-cost';

/** Bytes in a mebibyte. */
export const BYTES_PER_MIB = 1024 * 1024;

/** Method options of each fine-tuned layer: one object for all, one per layer, or a function. */
export type LayerOptionsInput = Record<string, unknown> | Record<string, unknown>[] | ((spec: LayerSpec, index: number) => Record<string, unknown>);

/** What {@link profileModel} counts. */
export interface ModelCostRequest {
  /** Every conv/dense layer of the model, in model order. */
  layers: readonly LayerSpec[];
  /** Registry name of a registered method (its plugin's `cost` counts each layer, see {@link layerCost}). */
  method: string;
  /** Number of fine-tuned layers: the last N of `layers`. */
  lastN: number;
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
  /** Number of fine-tuned layers. */
  lastN: number;
  /** Batch size (of the first fine-tuned layer). */
  batch: number;
  /** Bytes per element used for the byte columns. */
  bytesPerElement: number;
  /** One row per fine-tuned layer, in model order. */
  rows: LayerCostRow[];
  /** Sums over `rows`. */
  total: CostTotals;
}

function withBatch(g: LayerGeometry, batch: number | undefined): LayerGeometry {
  if (batch == null) return g;
  if (!Number.isInteger(batch) || batch < 1) throw new ArgumentError(`batch must be a positive integer, got ${batch}`);
  return { ...g, inputShape: [batch, ...g.inputShape.slice(1)], outputShape: [batch, ...g.outputShape.slice(1)] };
}

function optionsFor(input: LayerOptionsInput | undefined, spec: LayerSpec, i: number, count: number): Record<string, unknown> {
  if (input == null) return {};
  if (typeof input === 'function') return input(spec, i);
  if (Array.isArray(input)) {
    if (input.length !== count) {
      throw new ArgumentError(`options has ${input.length} entries but ${count} layers are fine-tuned; give one options object per fine-tuned layer`);
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
 * Analytic per-layer and total activation memory and FLOPs of one training step that
 * fine-tunes the last N conv/dense layers with one registered method (each layer's cost asked of
 * the method's plugin through {@link layerCost}).
 *
 * @example
 * ```ts
 * registerShortcut();
 * const table = profileModel({ layers: mcunetIn1Specs(), method: 'asi', lastN: 2, options: { ranks: [4, 4, 4, 13] }, mode: 'paper' });
 * table.total.activationMiB;
 * ```
 */
export function profileModel(req: ModelCostRequest): ModelCostTable {
  const mode = req.mode ?? 'exact';
  const bpe = req.bytesPerElement ?? 4;
  if (!(bpe > 0)) throw new ArgumentError(`bytesPerElement must be positive, got ${bpe}`);
  if (req.layers.length === 0) throw new ArgumentError('profileModel: the model has no layers; pass its conv/dense layer specs in model order');
  const tuned = lastLayers(req.layers, req.lastN);
  const rows = tuned.map((spec, i): LayerCostRow => {
    const geometry = withBatch(spec.geometry, req.batch);
    const options = optionsFor(req.options, spec, i, tuned.length);
    let c;
    try {
      c = layerCost(geometry, req.method, options, { mode });
    } catch (e) {
      if (e instanceof Error) e.message = `layer '${spec.name}': ${e.message}`;
      throw e;
    }
    const bytes = activationBytesOf(c, bpe); // a method with its own storage (int8) counts its bytes
    return {
      name: spec.name,
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
  return { method: req.method, mode, lastN: req.lastN, batch: rows[0].inputShape[0], bytesPerElement: bpe, rows, total: sumRows(rows) };
}
