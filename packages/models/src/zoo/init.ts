import { ArgumentError, tf, type SeededRandom } from '@odl/backend';
import type { Activation, BatchNormParams, ConvLayer, DenseLayer, LayerNormParams } from './types';

/** A tensor of normal deviates with standard deviation `std`, drawn from `rng` (zeros without one). */
export function normalTensor(shape: number[], std: number, rng: SeededRandom | null): tf.Tensor {
  if (rng == null) return tf.zeros(shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = rng.nextNormal() * std;
  return tf.tensor(v, shape, 'float32');
}

/** A variable owning `t`'s buffer; `t` itself is disposed (tf.variable leaves it alive). */
export function variableFrom(t: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/** Options of {@link makeConv}. */
export interface ConvSpec {
  name: string;
  bnName: string | null;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  depthwise?: boolean;
  groups?: number;
  activation: Activation;
  bias?: boolean;
}

/**
 * He-normal (fan-in) initialised conv layer with a fresh BatchNorm (γ=1, β=0, μ=0, σ²=1) whose ε
 * is `batchNormEpsilon`.
 */
export function makeConv(spec: ConvSpec, rng: SeededRandom | null, batchNormEpsilon: number): ConvLayer {
  const k = spec.kernel;
  const groups = spec.depthwise ? 1 : (spec.groups ?? 1);
  const weightShape = spec.depthwise ? [k, k, spec.inChannels, 1] : [k, k, spec.inChannels / groups, spec.outChannels];
  const fanIn = spec.depthwise ? k * k : (k * k * spec.inChannels) / groups;
  const weight = variableFrom(normalTensor(weightShape, Math.sqrt(2 / fanIn), rng), true);
  const p = (k - 1) >> 1;
  return {
    type: 'conv',
    name: spec.name,
    kind: spec.depthwise ? 'depthwise' : 'conv2d',
    weight,
    bias: spec.bias ? variableFrom(tf.zeros([spec.outChannels]), true) : null,
    inChannels: spec.inChannels,
    outChannels: spec.outChannels,
    kernelSize: [k, k],
    strides: [spec.stride, spec.stride],
    dilations: [1, 1],
    pad: [[p, p], [p, p]],
    groups,
    bn: spec.bnName == null ? null : makeBatchNorm(spec.bnName, spec.outChannels, batchNormEpsilon),
    activation: spec.activation,
  };
}

/**
 * BatchNorm ε of the zoo when a model's options do not say: PyTorch's (and torchvision's)
 * default, 1e-5. The MCUNet zoo trains with 1e-3 (see `ZooOptions.batchNormEpsilon`).
 */
export const DEFAULT_BATCH_NORM_EPSILON = 1e-5;

/**
 * Checks a BatchNorm ε (a finite number > 0) and returns it, `DEFAULT_BATCH_NORM_EPSILON` when
 * `undefined`; throws an ArgumentError naming `where` otherwise.
 */
export function checkBatchNormEpsilon(where: string, epsilon: number | undefined): number {
  if (epsilon === undefined) return DEFAULT_BATCH_NORM_EPSILON;
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0) {
    throw new ArgumentError(`${where}: batchNormEpsilon must be a finite number > 0 (PyTorch's default 1e-5, the MCUNet zoo's 1e-3), got ${String(epsilon)}`);
  }
  return epsilon;
}

/** A BatchNorm with identity statistics, ε = `epsilon` and momentum 0.1 (PyTorch's default). */
export function makeBatchNorm(name: string, channels: number, epsilon: number): BatchNormParams {
  return {
    name,
    gamma: variableFrom(tf.ones([channels]), true),
    beta: variableFrom(tf.zeros([channels]), true),
    movingMean: variableFrom(tf.zeros([channels]), false),
    movingVariance: variableFrom(tf.ones([channels]), false),
    epsilon,
    momentum: 0.1,
  };
}

/** Dense layer, weight normal with std √(1/I) (LeCun, keeps initial logits O(1)), zero bias (none with `bias` false). */
export function makeDense(name: string, inFeatures: number, outFeatures: number, rng: SeededRandom | null, bias = true): DenseLayer {
  return {
    type: 'dense',
    name,
    weight: variableFrom(normalTensor([inFeatures, outFeatures], Math.sqrt(1 / inFeatures), rng), true),
    bias: bias ? variableFrom(tf.zeros([outFeatures]), true) : null,
    inFeatures,
    outFeatures,
  };
}

/** A LayerNorm of `dim` features with γ = 1, β = 0 (PyTorch's initialisation) and ε `epsilon`. */
export function makeLayerNorm(name: string, dim: number, epsilon: number): LayerNormParams {
  return { name, gamma: variableFrom(tf.ones([dim])), beta: variableFrom(tf.zeros([dim])), epsilon };
}
