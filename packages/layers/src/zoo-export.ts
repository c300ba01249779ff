import { ArgumentError, tf } from '@odl/backend';
import type { BatchNormParams, ConvLayer, ZooModel } from '@odl/models';
import { LayersBridgeError } from './errors';

/** One layer of a Keras/tfjs-layers functional topology (model.json's `config.layers[i]`). */
interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, Record<string, never>][][];
}

/** Builds the topology layer by layer; each `add` returns the new layer's output name. */
class Topology {
  readonly layers: KerasLayer[] = [];
  readonly weights: tf.NamedTensorMap = {};
  add(className: string, name: string, config: Record<string, unknown>, inputs: string[]): string {
    if (this.layers.some((l) => l.name === name)) throw new LayersBridgeError(`zoo export: two layers would be named '${name}'`);
    const inbound = inputs.map((i) => [i, 0, 0, {}] as [string, number, number, Record<string, never>]);
    this.layers.push({ name, class_name: className, config: { name, trainable: true, ...config }, inbound_nodes: inputs.length > 0 ? [inbound] : [] });
    return name;
  }
  weight(layer: string, name: string, value: tf.Tensor): void {
    this.weights[`${layer}/${name}`] = value;
  }
}

const channelsLast = { data_format: 'channels_last' };

function batchNorm(t: Topology, bn: BatchNormParams, input: string): string {
  // PyTorch's momentum m (new = (1 − m)·old + m·batch) is Keras' 1 − m.
  const out = t.add('BatchNormalization', bn.name, { axis: -1, momentum: 1 - bn.momentum, epsilon: bn.epsilon, center: true, scale: true }, [input]);
  t.weight(bn.name, 'gamma', bn.gamma);
  t.weight(bn.name, 'beta', bn.beta);
  t.weight(bn.name, 'moving_mean', bn.movingMean);
  t.weight(bn.name, 'moving_variance', bn.movingVariance);
  return out;
}

/** A zoo conv layer: ZeroPadding2D (its explicit padding), Conv2D / DepthwiseConv2D 'valid', BatchNormalization, ReLU(6). */
function conv(t: Topology, zoo: ZooModel, layer: ConvLayer, input: string): string {
  if (zoo.runtime.get(layer.name)?.weights != null) {
    throw new LayersBridgeError(`zoo export: layer '${layer.name}' is trained through a weight-side method; merge it first (mergeWeights of @odl/models) so the exported weight is the effective one`);
  }
  if (layer.kind === 'conv2d' && layer.groups !== 1) throw new LayersBridgeError(`zoo export: layer '${layer.name}' is a grouped convolution (${layer.groups} groups), which tfjs-layers has no layer for`);
  if (layer.kind === 'depthwise' && layer.dilations.some((d) => d !== 1)) throw new LayersBridgeError(`zoo export: layer '${layer.name}' is a dilated depthwise convolution, which tfjs-layers' DepthwiseConv2D ignores`);
  let x = input;
  const [[top, bottom], [left, right]] = layer.pad;
  if (top + bottom + left + right > 0) x = t.add('ZeroPadding2D', `${layer.name}.pad`, { padding: layer.pad, ...channelsLast }, [x]);
  const common = { kernel_size: layer.kernelSize, strides: layer.strides, padding: 'valid', dilation_rate: layer.dilations, activation: 'linear', use_bias: layer.bias != null, ...channelsLast };
  if (layer.kind === 'depthwise') {
    x = t.add('DepthwiseConv2D', layer.name, { ...common, depth_multiplier: layer.weight.shape[3] }, [x]);
    t.weight(layer.name, 'depthwise_kernel', layer.weight);
  } else {
    x = t.add('Conv2D', layer.name, { ...common, filters: layer.outChannels }, [x]);
    t.weight(layer.name, 'kernel', layer.weight);
  }
  if (layer.bias != null) t.weight(layer.name, 'bias', layer.bias);
  if (layer.bn != null) x = batchNorm(t, layer.bn, x);
  return activation(t, layer.activation, `${layer.name}.act`, x);
}

function activation(t: Topology, act: ConvLayer['activation'], name: string, input: string): string {
  if (act === 'none') return input;
  return t.add('ReLU', name, { max_value: act === 'relu6' ? 6 : null }, [input]);
}

/** The zoo's blocks, told apart by their fields (the classes are internal to @odl/models). */
type AnyBlock = Record<string, unknown> & { layers: ConvLayer[] };

function block(t: Topology, zoo: ZooModel, b: AnyBlock, index: number, input: string): string {
  if ('project' in b && 'depthwise' in b) {
    // MobileNetV2 inverted residual: [1×1 expand] → depthwise → 1×1 project, identity add.
    let y = b.expand != null ? conv(t, zoo, b.expand as ConvLayer, input) : input;
    y = conv(t, zoo, b.depthwise as ConvLayer, y);
    y = conv(t, zoo, b.project as ConvLayer, y);
    return b.residual === true ? t.add('Add', `blocks.${index}.add`, {}, [input, y]) : y;
  }
  if ('conv1' in b && 'conv2' in b) {
    // ResNet basic block: conv1 → conv2, plus identity or 1×1 downsample, then ReLU.
    const y = conv(t, zoo, b.conv2 as ConvLayer, conv(t, zoo, b.conv1 as ConvLayer, input));
    const identity = b.downsample != null ? conv(t, zoo, b.downsample as ConvLayer, input) : input;
    return activation(t, 'relu', `blocks.${index}.relu`, t.add('Add', `blocks.${index}.add`, {}, [y, identity]));
  }
  if ('conv' in b) {
    const y = conv(t, zoo, b.conv as ConvLayer, input);
    if (b.maxPool !== true) return y;
    // 3×3 stride-2 max pooling padded by 1; its input is post-ReLU (≥ 0), so zero padding equals PyTorch's −∞.
    const padded = t.add('ZeroPadding2D', `blocks.${index}.pool.pad`, { padding: [[1, 1], [1, 1]], ...channelsLast }, [y]);
    return t.add('MaxPooling2D', `blocks.${index}.pool`, { pool_size: [3, 3], strides: [2, 2], padding: 'valid', ...channelsLast }, [padded]);
  }
  throw new LayersBridgeError(`zoo export: block ${index} of ${zoo.config.architecture} has a kind the exporter does not map`);
}

/**
 * Exports an odl zoo model (MCUNet-in1, MobileNetV2, ResNet-18/34; fine-tuned or not) as a
 * standard tfjs LayersModel artifact: stock `ZeroPadding2D`, `Conv2D`, `DepthwiseConv2D`,
 * `BatchNormalization`, `ReLU`, `Add`, `MaxPooling2D`, `GlobalAveragePooling2D` and `Dense`
 * layers named by the zoo's torchvision-style module paths, with the zoo's weights (BatchNorm
 * statistics included). `tf.loadLayersModel(tf.io.fromMemory(artifacts))`, or any IOHandler's
 * `save(artifacts)`, gives a model that predicts the zoo model's logits (inference mode) without
 * odl. The model outputs logits (a linear Dense), as the zoo's `forward` does.
 *
 * @param inputShape - `[height, width, channels]` of the images, in pixels.
 * @example
 * ```ts
 * const artifacts = zooToLayersArtifacts(model, [32, 32, 1]);
 * await fileHandler('/tmp/mcunet-tfjs').save!(artifacts); // model.json + weights.bin
 * ```
 */
export async function zooToLayersArtifacts(zoo: ZooModel, inputShape: [number, number, number]): Promise<tf.io.ModelArtifacts> {
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new ArgumentError(`zooToLayersArtifacts: inputShape must be [height, width, channels] in positive integers, got ${JSON.stringify(inputShape)}`);
  }
  const t = new Topology();
  let x = t.add('InputLayer', 'input', { batch_input_shape: [null, ...inputShape], dtype: 'float32', sparse: false }, []);
  zoo.blocks.forEach((b, i) => (x = block(t, zoo, b as unknown as AnyBlock, i, x)));
  x = t.add('GlobalAveragePooling2D', 'pool', channelsLast, [x]);
  const dense = zoo.classifier;
  if (zoo.runtime.get(dense.name)?.weights != null) throw new LayersBridgeError(`zoo export: the classifier is trained through a weight-side method; merge it first (mergeWeights of @odl/models)`);
  x = t.add('Dense', dense.name, { units: dense.outFeatures, activation: 'linear', use_bias: dense.bias != null }, [x]);
  t.weight(dense.name, 'kernel', dense.weight);
  if (dense.bias != null) t.weight(dense.name, 'bias', dense.bias);
  const { data, specs } = await tf.io.encodeWeights(t.weights);
  return {
    modelTopology: {
      class_name: 'Model',
      config: { name: zoo.config.architecture, layers: t.layers, input_layers: [['input', 0, 0]], output_layers: [[x, 0, 0]] },
      keras_version: 'tfjs-layers 4.22.0',
      backend: 'tensor_flow.js',
    },
    format: 'layers-model',
    generatedBy: 'odl zooToLayersArtifacts',
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  };
}
