export * from './contract';
export { UnknownMethodError, DuplicateMethodError, ApiVersionError, InvalidPluginError, UnsupportedLayerError } from './errors';
export {
  conv2dGeometry,
  depthwiseGeometry,
  denseGeometry,
  normalizeGeometry,
  resolvePadding,
  convOutputSize,
  convParams,
  toTfjsPadding,
} from './geometry';
export type { ConvOptions, ConvParams } from './geometry';
export { registerCompressor, unregisterCompressor, getCompressor, hasCompressor, listCompressors, createLayerCompressor } from './registry';
export { VanillaCompressor, vanillaPlugin, layerMacs } from './vanilla';
export { compressedConv2d, compressedDepthwiseConv2d, compressedDense } from './ops/layers';
export type { CompressedOpOptions, CompressedConvOptions } from './ops/layers';
export { layerForward, exactWeightGradient, exactInputGradient } from './ops/exact';
export { sequentialModeOrder } from './tucker/sequential-order';
export { tuckerConv2dWeightGradient } from './tucker/conv';
export { tuckerDenseWeightGradient } from './tucker/dense';
export { tuckerCompressedActivation, unpackTucker, tensorBytes, tuckerStorageCount } from './tucker/activation';
export type { TuckerMeta, UnpackedTucker, TuckerStorage, TuckerStorageCount } from './tucker/activation';
export { TuckerCompressor } from './tucker/compressor';
export { frozenBatchNorm, foldBatchNormIntoConv, batchNormAffine } from './ops/batchnorm';
export type { BatchNormParams, ChannelAffine, FoldedLayer } from './ops/batchnorm';
export { reluMasked, relu6Masked } from './ops/activations';
export { softmaxCrossEntropy } from './ops/loss';
export type { LossReduction } from './ops/loss';
