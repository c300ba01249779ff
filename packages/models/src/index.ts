/**
 * @odl/models: model zoo (MCUNet-in1, MobileNetV2, ResNet-18/34), fine-tuning of the last N
 * layers through compressed ops, a seeded resumable trainer, checkpoints (tfjs layout,
 * safetensors import), the pretrained MCUNet-in1 and the `finetune` job.
 *
 * @packageDocumentation
 */
export * from './zoo/types';
export { ZooModel } from './zoo/model';
export type { ModelConfig } from './zoo/model';
export { mcunetIn1, mobileNetV2, makeDivisible, MCUNET_IN1_BLOCKS } from './zoo/mobile';
export type { InvertedResidualSetting } from './zoo/mobile';
export { resnet18, resnet34 } from './zoo/resnet';
export { createModel, ARCHITECTURES } from './zoo/index';
export { Trainer } from './train/trainer';
export type { TrainerConfig, TrainerState, StepProgress, StepResult, EpochRecord, FitOptions } from './train/trainer';
export { Optimizer } from './train/optimizers';
export type { OptimizerConfig, SgdConfig, AdamConfig, OptimizerState } from './train/optimizers';
export { learningRateAt } from './train/schedule';
export type { ScheduleConfig } from './train/schedule';
export { clipByGlobalNorm } from './train/clip';
export type { ClipResult } from './train/clip';
export { crossEntropy } from './train/loss';
export { evaluate } from './train/evaluate';
export { FrozenFeatureCache, type CachedBatch } from './train/feature-cache';
export type { EvalResult } from './train/evaluate';
export { makeBatch, checkData } from './train/data';
export type { LabeledImages, InputSpec, AugmentSpec, Batch } from './train/data';
export { fileHandler, CheckpointError, filePath } from './io/file-handler';
export type { FileHandlerHooks } from './io/file-handler';
export {
  saveCheckpoint,
  loadCheckpoint,
  encodeCheckpoint,
  decodeCheckpoint,
  assignWeights,
  resolveHandler,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
} from './io/checkpoint';
export type { SaveCheckpointOptions, LoadedCheckpoint } from './io/checkpoint';
export { prepareFineTune, resetFineTune } from './finetune/prepare';
export type { PrepareFineTuneOptions, FineTuneSetup, TrainedLayer } from './finetune/prepare';
export { registerBuiltinMethods } from './finetune/methods';
export { parseSafetensors, SafetensorsError } from './io/safetensors';
export type { SafetensorsDtype, SafetensorsTensor, SafetensorsFile } from './io/safetensors';
export { importTorchWeights, loadSafetensorsWeights } from './io/torchvision';
export type { ImportTorchOptions, ImportTorchReport } from './io/torchvision';
export { loadPretrainedMcunet, resolvePretrainedDir, PRETRAINED_MCUNET_NAME } from './pretrained';
export type { PretrainedModel } from './pretrained';
export { selectRanks, captureLayerTensors, RANK_SELECTION_EPSILONS } from './finetune/calibrate';
export type { SelectRanksOptions, RankSelection, CapturedLayer, CaptureOptions } from './finetune/calibrate';
export { finetune } from './finetune/job';
export type { FinetuneConfig, FinetuneResult } from './finetune/job';
