export { tf } from './engine';
export { setupBackend, onSetup, countGradients } from './setup';
import './wasm-matmul-guard';
export type { BackendName, SetupOptions, BackendInfo } from './setup';
export { OdlError, ShapeError, ArgumentError } from './errors';
export {
  conv2dWeightGradient,
  conv2dInputGradient,
  depthwiseConv2dWeightGradient,
  depthwiseConv2dInputGradient,
  rangeMask,
} from './kernels';
export type { ConvPadding, ExplicitPadding, SpatialPair, DimRoundingMode } from './kernels';
export * from './linalg';
export * from './random';
export * from './tensor';
export * from './memory';
