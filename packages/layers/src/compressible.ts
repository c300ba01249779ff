import { conv2dGeometry, denseGeometry, depthwiseGeometry, type LayerGeometry } from '@odl/core';
import type { LayerVariable, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { LayersBridgeError } from './errors';
import { fieldsOf, pairOf, type Layer } from './layer-access';

/**
 * The class names of the stock tfjs-layers layers the bridge can compress (conv-like and dense).
 * A `SeparableConv2D` counts as one layer with two compressed convolutions: its depthwise part
 * and its 1×1 pointwise part each get a compressor of the method.
 *
 * @example
 * ```ts
 * model.layers.filter((l) => COMPRESSIBLE_LAYER_CLASSES.includes(l.getClassName())).length;
 * ```
 */
export const COMPRESSIBLE_LAYER_CLASSES: readonly string[] = ['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Dense'];

/** One convolution or matrix product of a compressible layer, with its geometry at the nominal batch. */
export interface CompressiblePart {
  /** Which weight of the layer: `'kernel'` (Conv2D, Dense), `'depthwise'` or `'pointwise'` (SeparableConv2D, DepthwiseConv2D's is `'depthwise'`). */
  role: 'kernel' | 'depthwise' | 'pointwise';
  /** The part's geometry (input `[batchSize, …]`). */
  geometry: LayerGeometry;
  /** The layer's weight variable this part multiplies by. */
  weight: LayerVariable;
  /** The bias added after this part, or null. */
  bias: LayerVariable | null;
}

/** True when the bridge can compress this layer (see {@link COMPRESSIBLE_LAYER_CLASSES}). */
export function isCompressible(layer: Layer): boolean {
  return COMPRESSIBLE_LAYER_CLASSES.includes(layer.getClassName());
}

/** The layer's input shape with the batch set to `batchSize`; every other dimension must be known. */
function inputShapeOf(layer: Layer, batchSize: number): number[] {
  let input: SymbolicTensor | SymbolicTensor[];
  try {
    input = layer.input;
  } catch {
    throw new LayersBridgeError(`layer '${layer.name}' is called more than once in the model (a shared layer); the bridge compresses layers called once (rebuild the model without sharing it)`);
  }
  if (Array.isArray(input)) throw new LayersBridgeError(`layer '${layer.name}' has several inputs; the bridge compresses single-input layers only`);
  const shape = input.shape as (number | null)[];
  const rest = shape.slice(1);
  if (rest.some((d) => d == null)) {
    throw new LayersBridgeError(`layer '${layer.name}' has input shape [${shape.map((d) => d ?? 'null').join(', ')}]; give the model a fixed input size (e.g. inputShape: [224, 224, 3]) so its activations can be planned`);
  }
  return [batchSize, ...(rest as number[])];
}

function checkConv(layer: Layer): { strides: [number, number]; dilations: [number, number]; pad: 'same' | 'valid' } {
  const f = fieldsOf(layer);
  if (f.dataFormat != null && f.dataFormat !== 'channelsLast') {
    throw new LayersBridgeError(`layer '${layer.name}' uses dataFormat '${f.dataFormat}'; the bridge compresses channelsLast (NHWC) convolutions only`);
  }
  if (f.rank != null && f.rank !== 2) throw new LayersBridgeError(`layer '${layer.name}' is a ${f.rank}-D convolution; the bridge compresses 2-D convolutions only`);
  if (f.padding !== 'same' && f.padding !== 'valid') throw new LayersBridgeError(`layer '${layer.name}' has padding '${f.padding}'; the bridge compresses 'same' and 'valid' convolutions`);
  return { strides: pairOf(f.strides), dilations: pairOf(f.dilationRate), pad: f.padding };
}

const required = (layer: Layer, v: LayerVariable | null | undefined, what: string): LayerVariable => {
  if (v == null) throw new LayersBridgeError(`layer '${layer.name}' has no ${what} yet; build the model (call it once or give its first layer an inputShape) before compressing it`);
  return v;
};

/**
 * The compressed parts of a compressible layer at the nominal batch `batchSize`: one for Conv2D,
 * DepthwiseConv2D and Dense, two for SeparableConv2D (depthwise, then pointwise). Throws
 * {@link LayersBridgeError} for a layer it cannot compress.
 *
 * @example
 * ```ts
 * compressibleParts(model.getLayer('conv_last'), 32)[0].geometry.kind; // 'conv2d'
 * ```
 */
export function compressibleParts(layer: Layer, batchSize: number): CompressiblePart[] {
  const f = fieldsOf(layer);
  const cls = layer.getClassName();
  const bias = f.bias ?? null;
  const input = () => inputShapeOf(layer, batchSize);
  switch (cls) {
    case 'Dense': {
      const kernel = required(layer, f.kernel, 'kernel');
      return [{ role: 'kernel', geometry: denseGeometry(input(), kernel.shape as number[]), weight: kernel, bias }];
    }
    case 'Conv2D': {
      const { strides, dilations, pad } = checkConv(layer);
      const kernel = required(layer, f.kernel, 'kernel');
      return [{ role: 'kernel', geometry: conv2dGeometry(input(), kernel.shape as number[], { strides, dilations, pad }), weight: kernel, bias }];
    }
    case 'DepthwiseConv2D': {
      const { strides, dilations, pad } = checkConv(layer);
      // tfjs-layers' DepthwiseConv2D ignores its dilationRate (it convolves with dilation 1).
      if (dilations.some((d) => d !== 1)) throw new LayersBridgeError(`layer '${layer.name}' has dilationRate [${dilations.join(', ')}], which tfjs-layers' DepthwiseConv2D ignores; set it to 1 (the layer computes that anyway)`);
      const kernel = required(layer, f.depthwiseKernel, 'depthwise kernel');
      return [{ role: 'depthwise', geometry: depthwiseGeometry(input(), kernel.shape as number[], { strides, pad }), weight: kernel, bias }];
    }
    case 'SeparableConv2D': {
      const { strides, dilations, pad } = checkConv(layer);
      const dw = required(layer, f.depthwiseKernel, 'depthwise kernel');
      const pw = required(layer, f.pointwiseKernel, 'pointwise kernel');
      const depthwise = depthwiseGeometry(input(), dw.shape as number[], { strides, dilations, pad });
      const pointwise = conv2dGeometry(depthwise.outputShape, pw.shape as number[], { pad: 'valid' });
      return [
        { role: 'depthwise', geometry: depthwise, weight: dw, bias: null },
        { role: 'pointwise', geometry: pointwise, weight: pw, bias },
      ];
    }
    default:
      throw new LayersBridgeError(`layer '${layer.name}' is a ${cls}; the bridge compresses ${COMPRESSIBLE_LAYER_CLASSES.join(', ')}`);
  }
}
