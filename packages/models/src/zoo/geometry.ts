import { conv2dGeometry, depthwiseGeometry, type LayerGeometry } from '@odl/core';
import type { ConvLayer } from './types';

/** Geometry of a conv layer for an NHWC input shape (built by @odl/core's geometry builders). */
export function convGeometry(layer: ConvLayer, inputShape: number[]): LayerGeometry {
  const options = { strides: layer.strides, dilations: layer.dilations, pad: [[...layer.pad[0]], [...layer.pad[1]]] as LayerGeometry['pad'] };
  return layer.kind === 'depthwise'
    ? depthwiseGeometry(inputShape, layer.weight.shape, options)
    : conv2dGeometry(inputShape, layer.weight.shape, { ...options, groups: layer.groups });
}
