/**
 * A second method written outside the odl packages: the layer input kept in 8 bits.
 *
 * Activation quantization is the other classic way to shrink what backpropagation keeps (ActNN,
 * GACT and others go down to 2 bits): here each channel (the last axis) of the input is stored
 * as 8-bit codes with one float32 scale, `x ≈ q·scale`, and the weight gradient is the exact
 * gradient for the decoded input. Memory: numel(A) bytes + 4·C instead of 4·numel(A).
 *
 * Its planner decides, layer by layer, whether 8 bits are needed: under a memory budget it keeps
 * as many layers as it can in float32 (exact), starting with the smallest, and quantizes the
 * rest; it names the smallest memory when even all-int8 does not fit.
 */
import { ArgumentError, dequantizeInt8Columns, quantizeInt8Columns, tf } from '@odl/backend';
import {
  SPECIFICATION_VERSION,
  exactWeightGradient,
  getMethod,
  rejectUnknownOptions,
  type CompressedActivation,
  type CostMode,
  type LayerCompressor,
  type LayerCost,
  type LayerGeometry,
  type MethodPlugin,
  type OptionSpec,
  type PlanRequest,
  type PlanResult,
} from '@odl/core';

/** Options of the int8-activations method. */
export interface Int8ActivationsOptions {
  /** How the layer keeps its input: `'int8'` or `'float32'` (exact); chosen by the planner when absent. */
  precision?: 'int8' | 'float32';
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Bytes one layer keeps at a precision. */
function keptBytes(geometry: LayerGeometry, precision: 'int8' | 'float32'): number {
  const n = numel(geometry.inputShape);
  return precision === 'int8' ? n + 4 * geometry.inputShape[geometry.inputShape.length - 1]! : 4 * n;
}

/** One layer's compressor. */
export class Int8ActivationsCompressor implements LayerCompressor {
  readonly method = 'int8-activations';
  readonly geometry: LayerGeometry;
  private readonly precision: 'int8' | 'float32';

  constructor(geometry: LayerGeometry, options: Int8ActivationsOptions) {
    rejectUnknownOptions('int8-activations', OPTIONS, options);
    if (options.precision !== 'int8' && options.precision !== 'float32') {
      throw new ArgumentError(`int8-activations: precision must be 'int8' or 'float32', got ${JSON.stringify(options.precision)}`);
    }
    this.geometry = geometry;
    this.precision = options.precision;
  }

  compress(input: tf.Tensor): CompressedActivation {
    if (this.precision === 'float32') {
      const kept = tf.clone(input);
      return { tensors: [kept], meta: { precision: 'float32' }, elements: kept.size, bytes: kept.size * 4 };
    }
    const { codes, scales } = quantizeInt8Columns(input);
    return { tensors: [codes, scales], meta: { precision: 'int8' }, elements: codes.size + scales.size, bytes: codes.size + scales.size * 4 };
  }

  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    if (saved.meta.precision === 'float32') return exactWeightGradient(this.geometry, saved.tensors[0]!, dy);
    const [codes, scales] = saved.tensors;
    return tf.tidy(() => exactWeightGradient(this.geometry, dequantizeInt8Columns({ codes: codes!, scales: scales as tf.Tensor1D }), dy));
  }

  getState(): null {
    return null;
  }

  setState(): void {}

  dispose(): void {}
}

/** Vanilla's FLOPs (the same contractions) plus one pass to quantize and one to decode. */
function cost(geometry: LayerGeometry, options: Int8ActivationsOptions, mode: CostMode): LayerCost {
  if (options.precision == null) throw new ArgumentError('int8-activations: the cost needs a precision (--precision, or let the planner choose it)');
  const vanilla = getMethod('vanilla').cost(geometry, {}, mode);
  const n = numel(geometry.inputShape);
  const extra = options.precision === 'int8' ? 3 * n : 0; // |x| max, scale, round forward; one multiply back
  return {
    activationElements: options.precision === 'int8' ? n + geometry.inputShape[geometry.inputShape.length - 1]! : n,
    activationBytes: keptBytes(geometry, options.precision),
    forwardFlops: vanilla.forwardFlops + extra,
    backwardFlops: vanilla.backwardFlops + (options.precision === 'int8' ? n : 0),
  };
}

/** Chooses each layer's precision within the budget (float32 for the smallest layers first). */
function plan(request: PlanRequest<Int8ActivationsOptions>): PlanResult<Int8ActivationsOptions> {
  const precision = new Map(request.layers.map((l) => [l.name, 'int8' as 'int8' | 'float32']));
  const total = () => request.layers.reduce((s, l) => s + keptBytes(l.geometry, precision.get(l.name)!), 0);
  if (request.budgetBytes != null) {
    if (total() > request.budgetBytes) {
      throw new ArgumentError(`int8-activations: even 8 bits everywhere keep ${total()} bytes, over the budget of ${request.budgetBytes}; raise the budget`);
    }
    for (const l of [...request.layers].sort((a, b) => keptBytes(a.geometry, 'float32') - keptBytes(b.geometry, 'float32'))) {
      precision.set(l.name, 'float32');
      if (total() > request.budgetBytes) precision.set(l.name, 'int8');
    }
  }
  return {
    layerOptions: Object.fromEntries(request.layers.map((l) => [l.name, { ...request.options, precision: precision.get(l.name)! }])),
    totalBytes: total(),
    summary: `${[...precision.values()].filter((p) => p === 'int8').length} of ${request.layers.length} layers in 8 bits, ${total()} bytes${request.budgetBytes != null ? ` of ${request.budgetBytes}` : ''}`,
    tables: [{ title: 'precision per layer', columns: ['layer', 'precision', 'bytes'], rows: request.layers.map((l) => [l.name, precision.get(l.name)!, keptBytes(l.geometry, precision.get(l.name)!)]) }],
  };
}

/** The options the method declares. */
const OPTIONS = [
  { name: 'precision', type: 'enum', values: ['int8', 'float32'], doc: "how a layer keeps its input; chosen by the planner when absent ('int8' everywhere without a budget)" },
] as const satisfies readonly OptionSpec[];

/** The plugin. */
export const int8ActivationsPlugin: MethodPlugin<Int8ActivationsOptions> = {
  specificationVersion: SPECIFICATION_VERSION,
  name: 'int8-activations',
  description: 'Keeps each layer input in 8 bits per element (a float32 scale per channel); exact gradient of the decoded input',
  supports: ['conv2d', 'depthwise', 'dense'],
  options: OPTIONS,
  create: (geometry, options) => new Int8ActivationsCompressor(geometry, options),
  cost,
  planner: { needsPlan: (options) => options.precision == null, plan },
};
