import { tf } from '@odl/backend';
import { compressedConv2d, compressedDense, compressedDepthwiseConv2d, conv2dGeometry, denseGeometry, depthwiseGeometry, type ConvOptions, type LayerCompressor, type LayerGeometry } from '@odl/core';

/** A layer configuration the gradient tests run through. */
export interface LayerCase {
  name: string;
  geometry: LayerGeometry;
  conv?: ConvOptions;
}

const conv = (name: string, x: number[], w: number[], o: ConvOptions = {}): LayerCase => ({ name, geometry: conv2dGeometry(x, w, o), conv: o });
const dw = (name: string, x: number[], w: number[], o: ConvOptions = {}): LayerCase => ({ name, geometry: depthwiseGeometry(x, w, o), conv: o });
const dense = (name: string, x: number[], w: number[]): LayerCase => ({ name, geometry: denseGeometry(x, w) });

/** Conv 1×1, 3×3 stride 1/2, same/explicit padding, dilation 2, odd sizes, depthwise, grouped, dense 2-D/3-D/4-D. */
export const layerCases: LayerCase[] = [
  conv('conv 1×1', [4, 6, 6, 5], [1, 1, 5, 7]),
  conv('conv 3×3 s1 same', [3, 7, 7, 4], [3, 3, 4, 6], { pad: 'same' }),
  conv('conv 3×3 s2 same, odd 9×7', [3, 9, 7, 4], [3, 3, 4, 5], { strides: 2, pad: 'same' }),
  conv('conv 3×3 explicit pad [[1,2],[0,1]]', [2, 6, 7, 3], [3, 3, 3, 4], { pad: [[1, 2], [0, 1]] }),
  conv('conv 3×3 dilation 2 same', [2, 9, 9, 3], [3, 3, 3, 4], { pad: 'same', dilations: 2 }),
  conv('conv 3×3 valid s2, 2 groups', [3, 7, 7, 6], [3, 3, 3, 4], { strides: 2, groups: 2 }),
  dw('depthwise 3×3 same', [3, 7, 7, 5], [3, 3, 5, 1], { pad: 'same' }),
  dw('depthwise 3×3 s2 valid, multiplier 2', [2, 9, 8, 4], [3, 3, 4, 2], { strides: 2 }),
  dw('depthwise 5×5 dilation 2 same', [2, 8, 8, 3], [5, 5, 3, 1], { pad: 'same', dilations: 2 }),
  dense('dense 2-D', [6, 10], [10, 4]),
  dense('dense 3-D', [3, 5, 8], [8, 6]),
  dense('dense 4-D', [2, 3, 4, 6], [6, 5]),
];

/** Runs the compressed op of `c` under tf.grads with loss Σ y·r; returns dx, dW, db (r is the output gradient). */
export function opGradients(lc: LayerCase, c: LayerCompressor, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor1D, r: tf.Tensor): tf.Tensor[] {
  const g = lc.geometry;
  const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Scalar => {
    let y: tf.Tensor;
    if (g.kind === 'dense') y = compressedDense(xx, ww as tf.Tensor2D, bb as tf.Tensor1D, c);
    else if (g.kind === 'depthwise') y = compressedDepthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D, lc.conv ?? {}, c);
    else y = compressedConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D, lc.conv ?? {}, c);
    return tf.sum(tf.mul(y, r));
  };
  return tf.grads(f as (...a: tf.Tensor[]) => tf.Scalar)([x, w, b]);
}
