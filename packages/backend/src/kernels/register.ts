// Registers odl's convolution-gradient kernels for the wasm and cpu backends (once, from
// setupBackend). wasm lacks Conv2DBackpropFilter and the depthwise backprop kernels (tfjs #8474)
// and its Conv2DBackpropInput is slow; cpu's backprop kernels are slow and its depthwise ones
// ignore dilation.
import { tf } from '../engine';
import { ArgumentError } from '../errors';
import { onSetup } from '../setup';
import type { TfjsConvPadding, DimRoundingMode, SpatialPair } from './conv-geometry';
import { conv2dInputGradient, conv2dWeightGradient } from './conv2d-grad';
import { depthwiseConv2dInputGradient, depthwiseConv2dWeightGradient } from './depthwise-grad';
import { runKernel, tensorFromInfo } from '../memory/engine-internals';

type Shape4 = [number, number, number, number];
type KernelParams = Parameters<tf.KernelFunc>[0];

/** The kernels odl registers, per backend. */
export const ODL_KERNELS: Readonly<Record<'wasm' | 'cpu', readonly string[]>> = {
  wasm: ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
  cpu: ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'],
};

// On globalThis, like tfjs's own registries, so that a second copy of this module (a bundle that
// also inlines the sources) still finds the stock kernels the first copy replaced.
const g = globalThis as { __odlStockKernels?: Map<string, tf.KernelConfig> };
const stock = (g.__odlStockKernels ??= new Map<string, tf.KernelConfig>());

/**
 * The kernel tfjs itself had registered under `kernelName` for `backendName` before odl replaced
 * it, or undefined if there was none (or setup has not run). Used by benchmarks and tests.
 */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return stock.get(`${kernelName}/${backendName}`);
}

/** The named kernel input as a Tensor; throws if the engine did not pass it. */
function input(p: KernelParams, name: string): tf.Tensor4D {
  const info = p.inputs[name];
  if (info == null) throw new ArgumentError(`odl kernel: missing input '${name}'`);
  return asTensor(info) as tf.Tensor4D;
}

const setUpStock = new WeakMap<object, Set<string>>();

/**
 * Runs the stock tfjs kernel that odl replaced (for benchmarks and comparisons), calling its
 * setup function first if the backend started after the replacement. Returns undefined if there
 * was no stock kernel.
 */
export function runStockKernel(
  kernelName: string,
  inputs: tf.NamedTensorMap,
  attrs: Record<string, unknown>,
): tf.Tensor | undefined {
  const backendName = tf.getBackend();
  const config = stockKernel(kernelName, backendName);
  if (config == null) return undefined;
  const out = callStock(config, { inputs, attrs: attrs as unknown as tf.NamedAttrMap, backend: tf.backend() });
  return out instanceof tf.Tensor ? out : tensorFromInfo(out);
}

/** Calls a stock kernel, running its setup function once per backend instance first. */
function callStock(config: tf.KernelConfig, params: KernelParams): tf.TensorInfo {
  const done = setUpStock.get(params.backend) ?? new Set<string>();
  if (!done.has(config.kernelName)) {
    config.setupFunc?.(params.backend);
    done.add(config.kernelName);
    setUpStock.set(params.backend, done);
  }
  return config.kernelFunc(params) as tf.TensorInfo;
}

/** Kernel inputs from the engine are Tensors; a bare TensorInfo is copied (Identity) so disposal stays balanced. */
function asTensor(info: tf.TensorInfo): tf.Tensor {
  return info instanceof tf.Tensor ? info : runKernel('Identity', { x: info as tf.Tensor }, {});
}

function attrsOf(params: KernelParams): {
  strides: SpatialPair;
  pad: TfjsConvPadding;
  dilations: SpatialPair;
  dimRoundingMode?: DimRoundingMode;
} {
  const a = (params.attrs ?? {}) as Record<string, unknown>;
  return {
    strides: a.strides as SpatialPair,
    pad: a.pad as TfjsConvPadding,
    dilations: (a.dilations as SpatialPair | undefined) ?? 1,
    dimRoundingMode: a.dimRoundingMode as DimRoundingMode | undefined,
  };
}

/** Wraps an NHWC gradient computation as a tfjs kernel; NCHW falls back to the stock kernel. */
function kernel(kernelName: string, backendName: string, compute: (p: KernelParams) => tf.Tensor): tf.KernelConfig {
  const kernelFunc = (params: KernelParams): tf.TensorInfo => {
    const format = params.attrs?.dataFormat as string | undefined;
    if (format != null && format !== 'NHWC' && format !== 'channelsLast') {
      const original = stockKernel(kernelName, backendName);
      if (original != null) return callStock(original, params);
      throw new ArgumentError(`${kernelName}: odl's ${backendName} kernel supports only NHWC data, got dataFormat '${format}'; transpose to NHWC`);
    }
    return tf.tidy(() => compute(params));
  };
  return { kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc };
}

const computeFns: Record<string, (p: KernelParams) => tf.Tensor> = {
  Conv2DBackpropFilter: (p) => {
    const a = attrsOf(p);
    const filterShape = (p.attrs as Record<string, unknown>).filterShape as Shape4;
    return conv2dWeightGradient(input(p, 'x'), input(p, 'dy'), filterShape, a.strides, a.pad, 1, a.dimRoundingMode);
  },
  Conv2DBackpropInput: (p) => {
    const a = attrsOf(p);
    const inputShape = (p.attrs as Record<string, unknown>).inputShape as Shape4;
    return conv2dInputGradient(input(p, 'dy'), input(p, 'filter'), inputShape, a.strides, a.pad, 1, a.dimRoundingMode);
  },
  DepthwiseConv2dNativeBackpropFilter: (p) => {
    const a = attrsOf(p);
    const filterShape = (p.attrs as Record<string, unknown>).filterShape as Shape4;
    return depthwiseConv2dWeightGradient(input(p, 'x'), input(p, 'dy'), filterShape, a.strides, a.pad, a.dilations, a.dimRoundingMode);
  },
  DepthwiseConv2dNativeBackpropInput: (p) => {
    const a = attrsOf(p);
    const inputShape = (p.attrs as Record<string, unknown>).inputShape as Shape4;
    return depthwiseConv2dInputGradient(input(p, 'dy'), input(p, 'filter'), inputShape, a.strides, a.pad, a.dilations, a.dimRoundingMode);
  },
};

/** Registers (or replaces) odl's kernels; safe to call more than once. */
export function registerOdlKernels(): void {
  for (const backendName of ['wasm', 'cpu'] as const) {
    for (const kernelName of ODL_KERNELS[backendName]) {
      const key = `${kernelName}/${backendName}`;
      const existing = tf.getKernel(kernelName, backendName);
      if (existing != null) {
        if ((existing as { odl?: boolean }).odl === true) continue;
        stock.set(key, existing);
        tf.unregisterKernel(kernelName, backendName);
      }
      const config = kernel(kernelName, backendName, computeFns[kernelName]);
      tf.registerKernel(Object.assign(config, { odl: true }));
    }
  }
}

onSetup(registerOdlKernels);
