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
export { vit, vitB32, VIT_B_32, VIT_SMALL, vitParameterCount } from './zoo/vit';
export { swinT, swinTransformer, swinConfigFromShapes, swinParameterCount, SWIN_T, SWIN_SMALL } from './zoo/swin';
export { createModel, describeModel, ARCHITECTURES } from './zoo/index';
export { DEFAULT_BATCH_NORM_EPSILON } from './zoo/init';
export { layerParamName } from './zoo/names';
export type { DescribeOptions } from './zoo/index';
export { Trainer, TrainingRun } from './train/trainer';
export type { TrainerConfig, TrainerState, StepProgress, StepResult, EpochRecord, FitOptions, StepOutcome } from './train/trainer';
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
export { modelFiles } from './io/model-files';
export type { ModelFiles } from './io/model-files';
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
export type { SaveCheckpointOptions, LoadedCheckpoint, DecodeCheckpointOptions } from './io/checkpoint';
export { readCheckpointContents } from './io/checkpoint-contents';
export { checkpointIntegrity, verifyCheckpointIntegrity } from './io/checkpoint-integrity';
export type { CheckpointIntegrity, CheckpointParts } from './io/checkpoint-integrity';
export { parseModelJson } from './io/model-json';
export type { ParsedModelJson } from './io/model-json';
export type { CheckpointContents } from './io/checkpoint-contents';
export type { CheckedSpec } from './io/checkpoint-manifest';
export type { StoredTrainer } from './io/checkpoint-trainer';
export { prepareFineTune, resetFineTune, mergeWeights } from './finetune/prepare';
export type { PrepareFineTuneOptions, FineTuneSetup, TrainedLayer } from './finetune/prepare';
export { describeLastN, selectFineTunedLayers } from './finetune/layers';
export type { FineTunedLayers, ClassifierTraining, LastNDescription } from './finetune/layers';
export { resolveProtocol, protocolSources } from './finetune/protocol';
export type { ProtocolName, ProtocolSettings, ProtocolSource, ProtocolSchedule } from './finetune/protocol';
export { FineTuneSession } from './finetune/session';
export type { FinetuneConfig, FinetuneResult, SessionSettings, SessionCost, SessionEvents, LayerCostSummary, SessionEvaluation, SessionCheckpoint } from './finetune/session';
export { registerBuiltinMethods } from './finetune/methods';
export { parseSafetensors, SafetensorsError } from './io/safetensors';
export type { SafetensorsDtype, SafetensorsTensor, SafetensorsFile, ParseSafetensorsOptions } from './io/safetensors';
export { readSafetensorsHeader, SAFETENSORS_DTYPE_BYTES, SAFETENSORS_MAX_HEADER_BYTES } from './io/safetensors-header';
export type { SafetensorsEntry, SafetensorsHeader } from './io/safetensors-header';
export { importTorchWeights, loadSafetensorsWeights } from './io/torchvision';
export type { ImportTorchOptions, ImportTorchReport } from './io/torchvision';
export { parsePth, TorchFileError } from './io/torch-pth';
export type { ParsePthOptions, PthFile } from './io/torch-pth';
export { isZip } from './io/torch-zip';
export { torchNameMap, torchBatchNormEpsilon, MCUNET_BATCH_NORM_EPSILON } from './io/torch-names';
export type { TorchNaming } from './io/torch-names';
export { readTorchStateDict, inferTorchOptions, createModelFromTorch, loadTorchWeights, MOBILENETV2_WIDTHS } from './io/torch-weights';
export type { ReadTorchOptions, TorchStateDict, CreateFromTorchOptions, ModelFromTorch, InferredTorchOptions } from './io/torch-weights';
export { exportTorchWeights, encodeSafetensors, saveTorchWeights, torchStateDict } from './io/torch-export';
export type { ExportTorchOptions, TorchFloatTensor, TorchInt64Tensor, TorchStateTensor } from './io/torch-export';
export { loadPretrainedMcunet, loadPretrainedVit, resolvePretrainedDir, PRETRAINED_MCUNET_NAME, PRETRAINED_VIT_NAME } from './pretrained';
export type { PretrainedModel, PretrainedName } from './pretrained';
export { captureLayerTensors } from './finetune/capture';
export type { CaptureOptions } from './finetune/capture';
export { finetune } from './finetune/job';
