import type { tf } from '@odl/backend';
import type { layers, LayerVariable } from '@tensorflow/tfjs-layers';

/** A tfjs-layers layer as the bridge reads it. */
export type Layer = layers.Layer;

/** A tfjs-layers layer's `call(inputs, kwargs)`. */
export type LayerCall = (inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor | tf.Tensor[];

/**
 * The fields of tfjs-layers' stock layers that the bridge reads (they are public in JavaScript,
 * protected in tfjs-layers' types): kernels, biases, convolution settings, activations and
 * BatchNormalization statistics.
 */
export interface LayerFields {
  kernel?: LayerVariable | null;
  depthwiseKernel?: LayerVariable | null;
  pointwiseKernel?: LayerVariable | null;
  bias?: LayerVariable | null;
  activation?: { getClassName(): string; apply(x: tf.Tensor): tf.Tensor } | null;
  strides?: number | number[];
  padding?: string;
  dilationRate?: number | number[];
  dataFormat?: string;
  rank?: number;
  // BatchNormalization
  axis?: number | number[];
  epsilon?: number;
  movingMean?: LayerVariable;
  movingVariance?: LayerVariable;
  gamma?: LayerVariable | null;
  beta?: LayerVariable | null;
  // ReLU layer
  maxValue?: number | null;
  call: LayerCall;
}

/** The bridge's view of a layer's fields. */
export const fieldsOf = (layer: Layer): LayerFields => layer as unknown as LayerFields;

/** The one input tensor of a call (tfjs-layers passes one tensor or a one-element list). */
export function oneInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/** `[n, n]` from a number or a pair. */
export function pairOf(v: number | number[] | undefined, fallback = 1): [number, number] {
  if (v == null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  return [v[0]!, v[1] ?? v[0]!];
}
