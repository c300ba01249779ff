export { relFro, maxRelError, maxAbsDiff } from './metrics';
export type { Values } from './metrics';
export {
  refGeom,
  refConvWeightGrad,
  refConvInputGrad,
  refDepthwiseWeightGrad,
  refDepthwiseInputGrad,
  refDenseWeightGrad,
  refWeightGradient,
} from './conv-reference';
export type { RefPad, RefGeom, GeometryLike } from './conv-reference';
export { unfoldF64, modeProductF64, modeDotsF64, tuckerComposeF64 } from './tensor-f64';
export type { F64Tensor } from './tensor-f64';
export { gramSchmidtF64, projectorF64 } from './orthonormal';
export { bandImages } from './images';
export type { BandImages } from './images';
export { median, timeRuns, medianMs, meanMs } from './bench';
export type { BenchRow, EvenMedian, TimedRun, MedianMsOptions } from './bench';
export { decayingActivation, heNormal } from './synthetic-tensors';
export type { DecayingActivationOptions } from './synthetic-tensors';
export { mutateBytes, MUTATION_KINDS } from './fuzz';
export type { Mutation, MutationKind, MutateOptions } from './fuzz';
export { judgeFuzzCase, emptyFuzzCounts, formatFuzzTable } from './fuzz-outcome';
export type { FuzzOutcome, FuzzCounts, FuzzVerdict, JudgeOptions } from './fuzz-outcome';
export { referenceSafetensors } from './safetensors-reference';
export type { ReferenceSafetensors, ReferenceTensor } from './safetensors-reference';
export { runFuzzTarget } from './fuzz-judge';
export type { FuzzTarget, FuzzTargetResult, FuzzRunOptions, ReferenceVerdict } from './fuzz-judge';
export { encodePng } from './png';
export { mixedSizeFolderPath, MIXED_SIZE_FOLDER } from './fixtures';
export { erfF64, layerNormF64, layerNormGradF64, geluF64, geluGradF64, attentionF64, attentionGradF64, linearF64, linearInputGradF64 } from './transformer-reference';
export type { LayerNormGradF64, AttentionF64Input, AttentionGradF64 } from './transformer-reference';
