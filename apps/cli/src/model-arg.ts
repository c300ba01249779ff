import { statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { suggest } from '@odl/core';
import { IMAGENET_STATS } from '@odl/datasets';
import {
  ARCHITECTURES,
  PRETRAINED_MCUNET_NAME,
  PRETRAINED_VIT_NAME,
  Trainer,
  createModelFromTorch,
  loadPretrainedMcunet,
  resolvePretrainedDir,
  type ArchitectureName,
  type InputSpec,
  type PretrainedName,
  type ZooModel,
} from '@odl/models';
import { enumOption, integerOption } from './args';
import { UsageError } from './errors';

/** The pretrained checkpoints `--model` names (they ship with @odl/models). */
export const SHIPPED_MODELS: readonly PretrainedName[] = [PRETRAINED_MCUNET_NAME, PRETRAINED_VIT_NAME];

/** What `--model` names: a shipped model (default the MCUNet-in1), a checkpoint folder, or a zoo architecture to train from scratch. */
export type ModelChoice =
  | { kind: 'shipped'; name?: PretrainedName }
  | { kind: 'checkpoint'; path: string }
  | { kind: 'zoo'; architecture: ArchitectureName; resolution: number; channels?: 1 | 3; weights?: string; batchNormEpsilon?: number; numHeads?: number };

/**
 * Checks `--model` (with `--resolution` and `--channels`, which only a zoo architecture takes)
 * without loading anything: an architecture name, or an existing folder.
 */
export function checkModelArg(model: string | undefined, resolution: string | undefined, channels: string | undefined): ModelChoice {
  const zoo = model != null && (ARCHITECTURES as readonly string[]).includes(model);
  const shipped = model != null && (SHIPPED_MODELS as readonly string[]).includes(model);
  if (!zoo) {
    if (resolution != null) throw new UsageError(`--resolution applies to a zoo architecture (--model ${ARCHITECTURES.join('|')}); a checkpoint has its own input size`);
    if (channels != null) throw new UsageError(`--channels applies to a zoo architecture; the data is converted to a checkpoint's channels by itself`);
  }
  if (model == null) return { kind: 'shipped' };
  if (shipped) return { kind: 'shipped', name: model as PretrainedName };
  if (zoo) {
    return {
      kind: 'zoo',
      architecture: model as ArchitectureName,
      resolution: integerOption('resolution', resolution, 32, 8, 1024),
      channels: channels == null ? undefined : Number(enumOption('channels', channels, ['1', '3'] as const, '3')) as 1 | 3,
    };
  }
  let isFolder: boolean | undefined;
  try {
    isFolder = statSync(model).isDirectory();
  } catch {
    isFolder = undefined;
  }
  if (isFolder === true) return { kind: 'checkpoint', path: model };
  if (isFolder === false) {
    throw new UsageError(`--model ${model}: is a file; pass the checkpoint folder${basename(model) === 'model.json' ? ' that holds it' : ' (the one with model.json and weights.bin)'}`);
  }
  const names = [...SHIPPED_MODELS, ...ARCHITECTURES];
  throw new UsageError(`--model ${model}: neither a checkpoint folder, a shipped model (${SHIPPED_MODELS.join(', ')}) nor an architecture (${ARCHITECTURES.join(', ')})${suggest(model, names)}`);
}

/**
 * Loads the shipped model or a checkpoint with how its inputs are prepared; a checkpoint's own
 * trainer state is released (a new run starts from the weights). The caller disposes the model.
 */
export async function loadModel(choice: Exclude<ModelChoice, { kind: 'zoo' }>): Promise<{ model: ZooModel; input: InputSpec; source: string }> {
  const path = choice.kind === 'checkpoint' ? choice.path : await resolvePretrainedDir(choice.name);
  const loaded = await loadPretrainedMcunet(path);
  if (loaded.trainerState != null) Trainer.disposeState(loaded.trainerState);
  return { model: loaded.model, input: loaded.input, source: choice.kind === 'checkpoint' ? choice.path : `the shipped pretrained checkpoint ${choice.name ?? PRETRAINED_MCUNET_NAME}` };
}

/**
 * Checks `--weights` (a PyTorch state dict, `.pth` or `.safetensors`) against `--model`: it needs
 * a zoo architecture and an existing file, whose first convolution decides the input channels.
 */
export function checkWeightsArg(choice: ModelChoice, weights: string | undefined, channels: string | undefined): ModelChoice {
  if (weights == null) return choice;
  if (choice.kind !== 'zoo') throw new UsageError(`--weights applies to a zoo architecture (--model ${ARCHITECTURES.join('|')}); a checkpoint folder has its own weights`);
  if (channels != null) throw new UsageError("--channels does not go with --weights: the file's first convolution decides the input channels");
  return { ...choice, weights: checkWeightsFile(weights) };
}

/**
 * Checks `--bn-eps` (the BatchNorm ε of imported weights, which a state dict does not store): it
 * goes with `--weights` and is a finite number > 0. Without it @odl/models picks the naming's.
 */
export function checkBnEpsArg(choice: ModelChoice, raw: string | undefined): ModelChoice {
  if (raw == null) return choice;
  if (choice.kind !== 'zoo' || choice.weights == null) throw new UsageError('--bn-eps goes with --weights (the BatchNorm ε of imported PyTorch weights); a checkpoint keeps its own');
  const value = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--bn-eps must be a number > 0 (1e-3 for MCUNet zoo weights, 1e-5 for torchvision's), got '${raw}'`);
  return { ...choice, batchNormEpsilon: value };
}

/**
 * Checks `--heads` (the attention heads of an imported `vit` state dict, which the file does not
 * store): `--model vit --weights` needs it, nothing else takes it (`vit-b-32` fixes 12; a
 * checkpoint keeps its config), and it is a positive integer. That it divides the width is checked
 * by @odl/models when the file is read.
 */
export function checkHeadsArg(choice: ModelChoice, raw: string | undefined): ModelChoice {
  const importsVit = choice.kind === 'zoo' && choice.architecture === 'vit' && choice.weights != null;
  if (raw == null) {
    if (importsVit) throw new UsageError("--model vit --weights needs --heads <n>: a state dict does not store the number of attention heads (torchvision's vit_b_32 has 12: --model vit-b-32 knows it)");
    return choice;
  }
  if (!importsVit) throw new UsageError('--heads goes with --model vit --weights (the attention heads of an imported ViT); other models fix or keep their own');
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--heads must be a positive integer, got '${raw}'`);
  return { ...choice, numHeads: n };
}

/** Input resolution of a model imported from PyTorch weights when neither `--resolution` nor `--size` says: the paper's 224. */
export const IMPORTED_RESOLUTION = 224;

/**
 * The input resolution of a zoo architecture when `--resolution` is not given: the folder's
 * `--size` if given, else {@link IMPORTED_RESOLUTION} for imported weights, else the zoo default.
 */
export function withDefaultResolution(choice: ModelChoice, resolutionFlag: string | undefined, size: number | undefined): ModelChoice {
  if (choice.kind !== 'zoo' || resolutionFlag != null) return choice;
  const resolution = size ?? (choice.weights != null ? IMPORTED_RESOLUTION : undefined);
  return resolution == null ? choice : { ...choice, resolution };
}

/** Checks that `--weights` names a file (its contents are read later, by @odl/models). */
export function checkWeightsFile(weights: string): string {
  let isFile: boolean | undefined;
  try {
    isFile = statSync(weights).isFile();
  } catch {
    throw new UsageError(`--weights ${weights}: no such file; pass a PyTorch state dict (.pth saved by torch.save, or .safetensors)`);
  }
  if (!isFile) throw new UsageError(`--weights ${weights}: is a folder; pass the .pth or .safetensors file`);
  return weights;
}

/**
 * Builds a zoo model from its `--weights` file (classes, input channels and MobileNetV2's width
 * read from the file by @odl/models; the BatchNorm ε from `--bn-eps`, else the file's naming's)
 * and the input it expects: the `--resolution`, bilinear resizing and, for RGB, torchvision's
 * ImageNet normalisation. The caller disposes the model.
 */
export async function loadZooWeights(choice: Extract<ModelChoice, { kind: 'zoo' }> & { weights: string }): Promise<{ model: ZooModel; input: InputSpec; source: string }> {
  const zoo = choice.numHeads != null ? { zoo: { vit: { numHeads: choice.numHeads } } } : {};
  const { model, format, report } = await createModelFromTorch(choice.architecture, choice.weights, { batchNormEpsilon: choice.batchNormEpsilon, ...zoo });
  const c = model.config.inputChannels;
  const stats = c === 3 ? { mean: [...IMAGENET_STATS.mean], std: [...IMAGENET_STATS.std] } : { mean: 0.5, std: 0.5 };
  const input: InputSpec = { height: choice.resolution, width: choice.resolution, channels: c, resize: 'bilinear', ...stats };
  const width = model.config.architecture === 'mobilenetv2' ? `, width ${model.config.widthMultiplier}` : choice.numHeads != null ? `, ${choice.numHeads} heads` : '';
  const eps = `BatchNorm ε ${report.batchNormEpsilon} (${report.batchNormEpsilonFrom === 'option' ? '--bn-eps' : `the ${report.naming} names' default`})`;
  return { model, input, source: `${choice.weights} (${format}, ${report.naming} names${width}, ${model.config.numClasses} classes, ${eps})` };
}

/** Checks `--export`: a `.safetensors` path in an existing folder (written after training). */
export function checkExportArg(path: string | undefined): string | undefined {
  if (path == null) return undefined;
  if (!path.endsWith('.safetensors')) throw new UsageError(`--export ${path}: the file must end in .safetensors (PyTorch names and layouts)`);
  let folder = false;
  try {
    folder = statSync(dirname(path)).isDirectory();
  } catch {
    folder = false;
  }
  if (!folder) throw new UsageError(`--export ${path}: the folder ${dirname(path)} does not exist; create it first`);
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    isDir = false;
  }
  if (isDir) throw new UsageError(`--export ${path}: is a folder; pass a file name ending in .safetensors`);
  return path;
}
