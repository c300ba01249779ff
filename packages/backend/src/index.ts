/**
 * tfjs-core's namespace (`import * as tf from '@tensorflow/tfjs-core'`), re-exported as the one
 * engine that every odl package and your code share: tensors, ops, variables, optimizers,
 * `tf.tidy` and `tf.memory` are tfjs-core's own, documented in the
 * [TensorFlow.js API reference](https://js.tensorflow.org/api/latest/) (odl is built and tested
 * on tfjs-core 4.22). Import it from here rather than from `@tensorflow/tfjs-core`, so that odl's
 * backends, training kernels and gradients are registered on the engine you use
 * ([Traps of tfjs](../../../docs/traps.md#known-at-the-start)); {@link setupBackend}
 * picks and starts the backend.
 *
 * odl documents none of its members here: they are tfjs-core's, not odl's.
 *
 * @example
 * ```ts
 * import { setupBackend, tf } from '@odl/backend';
 *
 * await setupBackend();
 * const y = tf.tidy(() => tf.ones([2, 3]).sum());
 * console.log(await y.data()); // Float32Array [6]
 * y.dispose();
 * ```
 */
export { tf } from './engine';
export { setupBackend, onSetup, countGradients, MAX_WASM_THREADS } from './setup';
import './wasm-matmul-guard';
export type { BackendName, SetupOptions, BackendInfo } from './setup';
export { TFJS_WASM_FILES, tfjsWasmFileFor, WasmFilesError } from './wasm-files';
export { CROSS_ORIGIN_ISOLATION_HEADERS, ThreadsUnavailableError, wasmThreadsInfo } from './threads';
export type { WasmThreadsInfo } from './threads';
export { provideBackend, BackendNotInstalledError, BACKEND_PACKAGES } from './backend-loader';
export type { BackendModuleLoader } from './backend-loader';
export { OdlError, ShapeError, ArgumentError } from './errors';
export {
  conv2dWeightGradient,
  conv2dInputGradient,
  depthwiseConv2dWeightGradient,
  depthwiseConv2dInputGradient,
  rangeMask,
  rangeMaskBits,
  applyMaskBits,
  modeCombine,
  modeDots,
  quantizeInt8Columns,
  dequantizeInt8Columns,
} from './kernels';
export type { Int8Columns, TfjsConvPadding, TfjsExplicitPadding, SpatialPair, DimRoundingMode } from './kernels';
export * from './linalg';
export * from './random';
export * from './tensor';
export * from './memory';
