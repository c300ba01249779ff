import * as tfl from '@tensorflow/tfjs-layers';

type T = tfl.SymbolicTensor;

// Keras' default is 0.99; with 0.5 the moving statistics follow the weights of the example's brief,
// fast pretraining (20 steps), so inference mode matches what was trained.
const BN_MOMENTUM = 0.5;
const apply = (layer: tfl.layers.Layer, x: T | T[]): T => layer.apply(x) as T;

// Seeded initializers: every run builds the same model (tfjs-layers' default ones draw from Math.random).
let seed = 0;
const init = () => tfl.initializers.glorotUniform({ seed: ++seed });

/** Conv → BatchNorm → ReLU6, Keras' names (`<name>`, `<name>_BN`, `<name>_relu`). */
function convBnRelu6(x: T, name: string, filters: number, kernelSize: number, strides = 1): T {
  x = apply(tfl.layers.conv2d({ name, filters, kernelSize, strides, padding: 'same', useBias: false, kernelInitializer: init() }), x);
  x = apply(tfl.layers.batchNormalization({ name: `${name}_BN`, momentum: BN_MOMENTUM }), x);
  return apply(tfl.layers.reLU({ name: `${name}_relu`, maxValue: 6 }), x);
}

/** MobileNetV2's inverted residual: 1×1 expand, 3×3 depthwise, 1×1 linear projection, Add when the shapes allow. */
function invertedResidual(x: T, block: number, expansion: number, filters: number, strides: number): T {
  const inChannels = x.shape[3]!;
  const p = `block_${block}`;
  let y = convBnRelu6(x, `${p}_expand`, inChannels * expansion, 1);
  y = apply(tfl.layers.depthwiseConv2d({ name: `${p}_depthwise`, kernelSize: 3, strides, padding: 'same', useBias: false, depthwiseInitializer: init() }), y);
  y = apply(tfl.layers.batchNormalization({ name: `${p}_depthwise_BN`, momentum: BN_MOMENTUM }), y);
  y = apply(tfl.layers.reLU({ name: `${p}_depthwise_relu`, maxValue: 6 }), y);
  y = apply(tfl.layers.conv2d({ name: `${p}_project`, filters, kernelSize: 1, useBias: false, kernelInitializer: init() }), y);
  y = apply(tfl.layers.batchNormalization({ name: `${p}_project_BN`, momentum: BN_MOMENTUM }), y);
  return strides === 1 && inChannels === filters ? apply(tfl.layers.add({ name: `${p}_add` }), [x, y]) : y;
}

/**
 * A Keras-style MobileNetV2-like classifier for 28×28×1 images, built with tfjs-layers' functional
 * API and Keras' layer names: a 3×3 stride-2 stem, four inverted residual blocks (two with a
 * residual Add), a 1×1 head conv, global average pooling and a softmax Dense. Every layer is a stock
 * tfjs-layers layer.
 */
export function mobileNetV2Like(classes: number): tfl.LayersModel {
  seed = 0;
  const input = tfl.input({ shape: [28, 28, 1], name: 'input_1' });
  let x = convBnRelu6(input, 'Conv1', 16, 3, 2); // 14×14×16
  x = invertedResidual(x, 1, 3, 16, 1);
  x = invertedResidual(x, 2, 4, 16, 1); // residual Add
  x = invertedResidual(x, 3, 4, 24, 2); // 7×7×24
  x = invertedResidual(x, 4, 4, 24, 1); // residual Add
  x = convBnRelu6(x, 'Conv_1', 96, 1);
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  const out = apply(tfl.layers.dense({ name: 'predictions', units: classes, activation: 'softmax', kernelInitializer: init() }), x);
  return tfl.model({ inputs: input, outputs: out, name: 'mobilenetv2_like' });
}
