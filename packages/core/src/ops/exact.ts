import { ShapeError, tf } from '@odl/backend';
import type { LayerGeometry } from '../contract';
import { convParams, toTfjsPadding } from '../geometry';
import { convInputGradient, convWeightGradient, depthwiseInputGradient, depthwiseWeightGradient } from '../internal/kernels';

type Shape4 = [number, number, number, number];

/**
 * The layer's forward pass (no bias) for a geometry: grouped conv2d (tfjs has no grouped conv,
 * so channels are split), depthwise conv, or dense on a 2-D/3-D/4-D input.
 *
 * @example
 * ```ts
 * const y = layerForward(conv2dGeometry([2, 8, 8, 4], [3, 3, 2, 6], { groups: 2 }), x, w);
 * ```
 */
export function layerForward(geometry: LayerGeometry, x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (geometry.kind === 'dense') {
      const [I, O] = weight.shape as number[];
      const x2 = tf.reshape(x, [x.size / I, I]);
      return tf.reshape(tf.matMul(x2, weight as tf.Tensor2D), [...x.shape.slice(0, -1), O]);
    }
    const { strides, dilations, groups } = convParams(geometry);
    const pad = toTfjsPadding(geometry.pad ?? 'valid');
    if (geometry.kind === 'depthwise') {
      return tf.depthwiseConv2d(x as tf.Tensor4D, weight as tf.Tensor4D, strides, pad, 'NHWC', dilations);
    }
    if (groups === 1) return tf.conv2d(x as tf.Tensor4D, weight as tf.Tensor4D, strides, pad, 'NHWC', dilations);
    const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
    const ws = tf.split(weight, groups, 3) as tf.Tensor4D[];
    return tf.concat(xs.map((xq, q) => tf.conv2d(xq, ws[q], strides, pad, 'NHWC', dilations)), 3);
  });
}

/**
 * Exact weight gradient of a layer from its full input `x` and output gradient `dy` (what the
 * vanilla method computes; also the reference for methods that rebuild the activation).
 *
 * @example
 * ```ts
 * const dW = exactWeightGradient(denseGeometry([4, 8], [8, 3]), x, dy); // [8, 3]
 * ```
 */
export function exactWeightGradient(geometry: LayerGeometry, x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (geometry.kind === 'dense') {
      const [I, O] = geometry.weightShape;
      const rows = x.size / I;
      return tf.matMul(tf.transpose(tf.reshape(x, [rows, I])) as tf.Tensor2D, tf.reshape(dy, [rows, O]) as tf.Tensor2D);
    }
    const { strides, dilations, pad, groups, kernel } = convParams(geometry);
    if (geometry.kind === 'depthwise') {
      return depthwiseWeightGradient(x as tf.Tensor4D, dy as tf.Tensor4D, geometry.weightShape as Shape4, strides, pad, dilations);
    }
    if (groups === 1) return convWeightGradient(x as tf.Tensor4D, dy as tf.Tensor4D, kernel, strides, pad, dilations);
    const xs = tf.split(x, groups, 3) as tf.Tensor4D[];
    const dys = tf.split(dy, groups, 3) as tf.Tensor4D[];
    return tf.concat(xs.map((xq, q) => convWeightGradient(xq, dys[q], kernel, strides, pad, dilations)), 3);
  });
}

/**
 * Exact input gradient of a layer: needs the weight and the input's shape, never the input.
 *
 * @example
 * ```ts
 * const dx = exactInputGradient(denseGeometry([4, 8], [8, 3]), w, dy, [4, 8]);
 * ```
 */
export function exactInputGradient(geometry: LayerGeometry, weight: tf.Tensor, dy: tf.Tensor, inputShape: number[]): tf.Tensor {
  return tf.tidy(() => {
    if (geometry.kind === 'dense') {
      const O = (weight.shape as number[])[1];
      const rows = dy.size / O;
      return tf.reshape(tf.matMul(tf.reshape(dy, [rows, O]) as tf.Tensor2D, tf.transpose(weight) as tf.Tensor2D), inputShape);
    }
    if (inputShape.length !== 4) throw new ShapeError(`exactInputGradient: conv input shape must be [B, H, W, C], got [${inputShape.join(', ')}]`);
    const shape = inputShape as Shape4;
    const { strides, dilations, pad, groups } = convParams(geometry);
    if (geometry.kind === 'depthwise') return depthwiseInputGradient(dy as tf.Tensor4D, weight as tf.Tensor4D, shape, strides, pad, dilations);
    if (groups === 1) return convInputGradient(dy as tf.Tensor4D, weight as tf.Tensor4D, shape, strides, pad, dilations);
    const ws = tf.split(weight, groups, 3) as tf.Tensor4D[];
    const dys = tf.split(dy, groups, 3) as tf.Tensor4D[];
    const shapeQ: Shape4 = [shape[0], shape[1], shape[2], shape[3] / groups];
    return tf.concat(dys.map((dyq, q) => convInputGradient(dyq, ws[q], shapeQ, strides, pad, dilations)), 3);
  });
}
