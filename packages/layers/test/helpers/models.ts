import { tf } from '@odl/backend';
import * as tfl from '@tensorflow/tfjs-layers';

/**
 * A small functional model with every layer kind the bridge handles: Conv2D, (BatchNormalization),
 * DepthwiseConv2D, ReLU(6), SeparableConv2D, two Conv2D branches joined by Add, Concatenate,
 * GlobalAveragePooling2D and a softmax Dense. Seeded initializers: two calls give equal weights.
 */
export function smallFunctional(options: { batchNorm: boolean; classes?: number }): tfl.LayersModel {
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const input = tfl.input({ shape: [8, 8, 3], name: 'image' });
  let x = tfl.layers.conv2d({ name: 'stem', filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }).apply(input) as tfl.SymbolicTensor;
  if (options.batchNorm) x = tfl.layers.batchNormalization({ name: 'stem_bn', movingMeanInitializer: tfl.initializers.constant({ value: 0.1 }), movingVarianceInitializer: tfl.initializers.constant({ value: 1.5 }) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', depthwiseInitializer: init(2) }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.reLU({ name: 'dw_relu6', maxValue: 6 }).apply(x) as tfl.SymbolicTensor;
  x = tfl.layers.separableConv2d({ name: 'sep', filters: 12, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', depthwiseInitializer: init(3), pointwiseInitializer: init(4) }).apply(x) as tfl.SymbolicTensor;
  if (options.batchNorm) x = tfl.layers.batchNormalization({ name: 'sep_bn', movingMeanInitializer: tfl.initializers.constant({ value: -0.2 }), movingVarianceInitializer: tfl.initializers.constant({ value: 0.7 }) }).apply(x) as tfl.SymbolicTensor;
  const a = tfl.layers.conv2d({ name: 'branch_a', filters: 16, kernelSize: 1, kernelInitializer: init(5) }).apply(x) as tfl.SymbolicTensor;
  const b = tfl.layers.conv2d({ name: 'branch_b', filters: 16, kernelSize: 3, padding: 'same', kernelInitializer: init(6) }).apply(x) as tfl.SymbolicTensor;
  let y = tfl.layers.add({ name: 'join' }).apply([a, b]) as tfl.SymbolicTensor;
  y = tfl.layers.activation({ name: 'join_relu', activation: 'relu' }).apply(y) as tfl.SymbolicTensor;
  y = tfl.layers.concatenate({ name: 'cat' }).apply([y, x]) as tfl.SymbolicTensor;
  y = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(y) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ name: 'head', units: options.classes ?? 5, activation: 'softmax', kernelInitializer: init(7) }).apply(y) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: 'small' });
}

/** A seeded batch: images `[n, 8, 8, 3]` and one-hot labels. */
export function batch(n: number, classes = 5, seed = 3): { x: tf.Tensor4D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 8, 8, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
    const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7 + seed) % classes), 'int32');
    return { x, y: tf.cast(tf.oneHot(labels, classes), 'float32') as tf.Tensor2D };
  });
}

/** The names of a model's trainable weights and their current values (copies). */
export function trainableValues(model: tfl.LayersModel): Map<string, Float32Array> {
  return new Map(model.trainableWeights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

/** Sets the layers' `trainable` flags: only `trained` layers train. */
export function freezeAllBut(model: tfl.LayersModel, trained: readonly string[]): void {
  for (const l of model.layers) l.trainable = trained.includes(l.name);
}
