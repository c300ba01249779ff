/**
 * @odl/lowrank: vanilla's baselines as method plugins of `@odl/core` (contract version 2):
 * HOSVD_ε, SVD_ε, the gradient filter and LoRA (a weight-side method), each with its options, its compressor and its cost
 * model (docs/architecture.md §2).
 *
 * @packageDocumentation
 */
export { LowrankOptionError } from './errors';
export { hosvdPlugin, HosvdCompressor, HOSVD_OPTIONS } from './hosvd';
export type { HosvdOptions } from './hosvd';
export { paperHosvd, exactHosvd, hosvdCost } from './hosvd-cost';
export { svdPlugin, SvdCompressor, SVD_OPTIONS, svdRank } from './svd';
export type { SvdOptions } from './svd';
export { paperSvd, exactSvd, svdCost, svdShape } from './svd-cost';
export type { SvdStorage } from './svd-cost';
export { gradientFilterPlugin, GradientFilterCompressor, gradientFilterPlan, gradientFilterUnsupportedReason, GRADIENT_FILTER_OPTIONS } from './gradient-filter';
export type { GradientFilterOptions, GradientFilterPlan } from './gradient-filter';
export { paperGradientFilter, exactGradientFilter, gradientFilterCost, gradientFilterPooled } from './gradient-filter-cost';
export type { GradientFilterPooled } from './gradient-filter-cost';
export { loraPlugin, LoraWeights, loraWeightAdapter, loraUnsupportedReason, LORA_OPTIONS } from './lora';
export type { LoraOptions } from './lora';
export { paperLora, exactLora, loraCost, loraRank } from './lora-cost';
export type { AxisBlocks } from './internal/blocks';
export { registerLowrank, lowrankPlugins, LowrankRegistrationError } from './register';
