import { tf } from '../engine';

// The one typed home of tfjs-core's engine internals (engine.js, kernel_registry.js and
// global_util.js, 4.22). They are not in tfjs' public typings; the shapes below mirror
// dist/engine.js and dist/tape.js. No other module of odl reads `tf.engine()` or `_tfGlobals`
// (eslint.config.js enforces it outside packages/backend/src).

/** One gradient-tape node, as recorded by Engine.addTapeNode. */
export interface TapeNodeInternal {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
}

/** Per-buffer bookkeeping kept by the engine (keyed by dataId). */
export interface TensorInfoInternal {
  bytes: number;
  dtype: tf.DataType;
  shape: number[];
}

/** The engine fields and methods used by odl. */
export interface EngineInternal {
  state: {
    activeTape: TapeNodeInternal[] | null;
    gradientDepth: number;
    kernelDepth: number;
    tensorInfo: WeakMap<object, TensorInfoInternal>;
    registeredVariables: Record<string, tf.Variable>;
  };
  isTapeOn?: () => boolean;
  trackTensor(t: tf.Tensor, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
  startTape(): void;
  endTape(): void;
  runKernel(kernelName: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap): tf.Tensor | tf.Tensor[];
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
}

/** The live tfjs engine, with its internal fields typed. */
export function engineInternal(): EngineInternal {
  return tf.engine() as unknown as EngineInternal;
}

/** The registry tfjs keeps in its globals (`_tfGlobals`), shared by every copy of tfjs-core loaded. */
export function tfGlobalRegistry(name: 'gradRegistry' | 'kernelRegistry'): Map<string, unknown> | undefined {
  const g = globalThis as unknown as { _tfGlobals?: Map<string, unknown> };
  return g._tfGlobals?.get(name) as Map<string, unknown> | undefined;
}

/** The gradient config tfjs registered for a kernel: which inputs and outputs it saves. */
export interface GradConfigInternal {
  inputsToSave?: string[];
  outputsToSave?: boolean[];
  saveAllInputs?: boolean;
}

/** The registered gradient of `kernelName`, or undefined (custom gradients have none). */
export function gradientConfig(kernelName: string): GradConfigInternal | undefined {
  return tf.getGradient(kernelName) as GradConfigInternal | undefined;
}

/**
 * Runs a kernel by name through the engine (`tf.engine().runKernel`), bypassing the op layer:
 * the way to call a kernel tfjs has no op for (`Conv2DBackpropFilter` with explicit padding, a
 * forward `Conv2D` with both stride and dilation above 1), or to time one.
 *
 * @param kernelName - the registered kernel, e.g. `'Conv2D'`
 * @param inputs - its named input tensors
 * @param attrs - its attributes, as the kernel reads them
 * @returns the kernel's output tensor (single-output kernels only)
 *
 * @example
 * ```ts
 * const dw = runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], filterShape: [3, 3, 4, 8] });
 * ```
 */
export function runKernel(kernelName: string, inputs: tf.NamedTensorMap, attrs: Record<string, unknown>): tf.Tensor {
  return engineInternal().runKernel(kernelName, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** A tracked tensor for a TensorInfo a kernel returned (`Engine.makeTensorFromTensorInfo`). */
export function tensorFromInfo(info: tf.TensorInfo): tf.Tensor {
  return engineInternal().makeTensorFromTensorInfo(info);
}

/** Every tensor inside a (nested) array / plain object result. */
export function tensorsIn(value: unknown, out: tf.Tensor[] = [], seen = new Set<unknown>()): tf.Tensor[] {
  if (value == null || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    out.push(value);
    return out;
  }
  if (Array.isArray(value)) {
    for (const v of value) tensorsIn(v, out, seen);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    for (const v of Object.values(value as Record<string, unknown>)) tensorsIn(v, out, seen);
  }
  return out;
}
