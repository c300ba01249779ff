export * from './contract';
export { UnknownMethodError, DuplicateMethodError, SpecificationVersionError, InvalidPluginError, UnsupportedLayerError, MethodOptionError } from './errors';
export { resolveOptions, checkOptionValue, parseOptionText, optionFlag, describeOption, rejectUnknownOptions } from './options';
export type { OptionSpec, OptionValue, NumberOptionSpec, IntegerListOptionSpec, NumberListOptionSpec, EnumOptionSpec, BooleanOptionSpec } from './options';
export { suggest } from './did-you-mean';
export {
  conv2dGeometry,
  depthwiseGeometry,
  denseGeometry,
  normalizeGeometry,
  resolvePadding,
  convOutputSize,
  convParams,
  toTfjsPadding,
  weightMatrixShape,
} from './geometry';
export type { ConvOptions, ConvParams } from './geometry';
export {
  registerMethod,
  unregisterMethod,
  getMethod,
  hasMethod,
  listMethods,
  createLayerCompressor,
  unsupportedReason,
  validatePlugin,
  adaptV1Plugin,
  isMethodPlugin,
  registerModuleMethods,
} from './registry';
export type { V1Adaptation } from './registry';
export { VanillaCompressor, vanillaPlugin, layerMacs, paperVanilla, exactVanilla, vanillaCost } from './vanilla';
export * from './cost/index';
export { compressedConv2d, compressedDepthwiseConv2d, compressedDense } from './ops/layers';
export type { CompressedOpOptions, CompressedConvOptions } from './ops/layers';
export { layerForward, exactWeightGradient, exactInputGradient } from './ops/exact';
export { sequentialModeOrder } from './tucker/sequential-order';
export { tuckerConv2dWeightGradient, depthwiseChannelsFirst } from './tucker/conv';
export { tuckerDenseWeightGradient } from './tucker/dense';
export { exactTuckerConvBackward, paperTuckerConvBackward } from './tucker/conv-cost';
export { exactTuckerDenseBackward, paperTuckerDenseBackward } from './tucker/dense-cost';
export { exactTuckerBackward, paperTuckerBackward } from './tucker/cost';
export { explainedVarianceRank, explainedSubspace, hosvdFactors, hosvdFactorsForEpsilons, hosvdRanks } from './tucker/hosvd';
export type { SpectrumPath, ExplainedSubspace, HosvdFactors } from './tucker/hosvd';
export { tuckerCompressedActivation, unpackTucker, tensorBytes, tuckerStorageCount } from './tucker/activation';
export type { TuckerMeta, UnpackedTucker, TuckerStorage, TuckerStorageCount } from './tucker/activation';
export { TuckerCompressor } from './tucker/compressor';
export { frozenBatchNorm, foldBatchNormIntoConv, batchNormAffine } from './ops/batchnorm';
export type { BatchNormParams, ChannelAffine, FoldedLayer } from './ops/batchnorm';
export { reluMasked, relu6Masked } from './ops/activations';
export { softmaxCrossEntropy } from './ops/loss';
export type { LossReduction } from './ops/loss';
export { layerNorm } from './ops/layer-norm';
export { gelu } from './ops/gelu';
export { attention } from './ops/attention';
export type { AttentionOptions } from './ops/attention';
export { frozenLinear } from './ops/frozen-linear';
