export { tf } from './engine';
export { setupBackend, onSetup, countGradients } from './setup';
import './wasm-matmul-guard';
export type { BackendName, SetupOptions, BackendInfo } from './setup';
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
