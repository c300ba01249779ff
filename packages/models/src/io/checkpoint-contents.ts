import { OdlError, tf } from '@odl/backend';
import { ARCHITECTURES } from '../zoo/index';
import { DEFAULT_BATCH_NORM_EPSILON } from '../zoo/init';
import type { ModelConfig } from '../zoo/model';
import { checkSwinConfig, swinParameterCount } from '../zoo/swin';
import type { SwinConfig, VitConfig } from '../zoo/types';
import { checkVitConfig, vitParameterCount } from '../zoo/vit';
import { CheckpointError } from './checkpoint-error';
import { verifyCheckpointIntegrity } from './checkpoint-integrity';
import { checkWeightSpecs, type CheckedSpec } from './checkpoint-manifest';
import { checkStoredTrainer, type StoredTrainer } from './checkpoint-trainer';

/** Format tag written into `modelTopology.format` of odl checkpoints. */
export const CHECKPOINT_FORMAT = 'odl-checkpoint';
/** Version of the checkpoint layout written: 2 records CRC-32s of its content and weights (version 1, without them, is still read). */
export const CHECKPOINT_VERSION = 2;

/** Largest width multiplier a checkpoint may claim (bounds what a lying config can allocate). */
export const MAX_WIDTH_MULTIPLIER = 4;

/** A checkpoint's parts, validated, before any tensor is made. */
export interface CheckpointContents {
  /** Layout version (1 or 2). */
  version: number;
  /** The model config the weights belong to. */
  config: ModelConfig;
  /** The weights manifest, each entry with its byte range. */
  specs: CheckedSpec[];
  /** The joined weight data. */
  weights: Uint8Array;
  /** The stored trainer state, or null. */
  trainer: StoredTrainer | null;
  /** The free-form metadata. */
  metadata: Record<string, unknown>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

function checkConfig(raw: unknown, fail: (m: string) => never): ModelConfig {
  if (!isRecord(raw)) return fail(`modelTopology.config is ${show(raw)}, not a model config`);
  const { architecture, inputChannels, numClasses, widthMultiplier, seed, batchNormEpsilon, vit, swin } = raw;
  if (typeof architecture !== 'string' || !(ARCHITECTURES as readonly string[]).includes(architecture)) fail(`config.architecture ${show(architecture)} is not one of ${ARCHITECTURES.join(', ')}`);
  if (!Number.isSafeInteger(inputChannels) || (inputChannels as number) < 1) fail(`config.inputChannels ${show(inputChannels)} must be a positive integer`);
  if (!Number.isSafeInteger(numClasses) || (numClasses as number) < 1) fail(`config.numClasses ${show(numClasses)} must be a positive integer`);
  const widthOk = architecture === 'mobilenetv2' ? typeof widthMultiplier === 'number' && widthMultiplier > 0 && widthMultiplier <= MAX_WIDTH_MULTIPLIER : widthMultiplier === 1;
  if (!widthOk) fail(`config.widthMultiplier ${show(widthMultiplier)} must be ${architecture === 'mobilenetv2' ? `in (0, ${MAX_WIDTH_MULTIPLIER}]` : `1 for ${architecture}`}`);
  if (typeof seed !== 'number' || !Number.isFinite(seed)) fail(`config.seed ${show(seed)} must be a finite number`);
  // Written only when not the default (see storedConfig), so older checkpoints have none: 1e-5.
  if (batchNormEpsilon !== undefined && !(typeof batchNormEpsilon === 'number' && Number.isFinite(batchNormEpsilon) && batchNormEpsilon > 0)) {
    fail(`config.batchNormEpsilon ${show(batchNormEpsilon)} must be a finite number > 0`);
  }
  const config = { architecture, inputChannels, numClasses, widthMultiplier, seed, batchNormEpsilon: batchNormEpsilon ?? DEFAULT_BATCH_NORM_EPSILON } as ModelConfig;
  const transformer = architecture === 'vit' || architecture === 'vit-b-32';
  const isSwin = architecture === 'swin' || architecture === 'swin-t';
  if (!transformer && vit !== undefined) fail(`config.vit is set, but ${architecture as string} is not a vision transformer`);
  if (!isSwin && swin !== undefined) fail(`config.swin is set, but ${architecture as string} is not a Swin Transformer`);
  if (!transformer && !isSwin) return config;
  const sizes = transformer ? vit : swin;
  if (!isRecord(sizes)) return fail(`config.${transformer ? 'vit' : 'swin'} ${show(sizes)} must hold the ${transformer ? 'ViT' : 'Swin Transformer'}'s sizes`);
  try {
    if (isSwin) return { ...config, swin: checkSwinConfig('config', sizes as unknown as SwinConfig) };
    return { ...config, vit: checkVitConfig('config', sizes as unknown as VitConfig) };
  } catch (e) {
    return fail(e instanceof OdlError ? e.message : String(e));
  }
}

/**
 * The config a checkpoint stores for a model: `model.config` without `batchNormEpsilon` when it
 * is the default 1e-5, so a default model's checkpoint has the same bytes as before the field
 * existed (and a checkpoint without it reads as 1e-5).
 *
 * @example
 * ```ts
 * storedConfig(mcunetIn1({ batchNormEpsilon: 1e-3 }).config).batchNormEpsilon; // 0.001
 * ```
 */
export function storedConfig(config: ModelConfig): Partial<ModelConfig> {
  const { batchNormEpsilon, ...rest } = config;
  return batchNormEpsilon === DEFAULT_BATCH_NORM_EPSILON ? rest : { ...rest, batchNormEpsilon };
}

/**
 * Reads and validates everything of a checkpoint that is not a tensor: the topology (format,
 * version, model config), the weights manifest against the weight data's size, the trainer
 * state, the metadata, and (version 2, or whenever recorded) the CRC-32s of content and
 * weights. The config's class and input-channel counts must also match the manifest's
 * classifier (its last rank-2 weight) and stem (its first rank-4 weight), so a lying config
 * cannot make the loader build a model far larger than the file. Throws a
 * {@link CheckpointError} naming `file` and the field; allocates no tensor.
 *
 * @example
 * ```ts
 * const { config, specs, trainer } = readCheckpointContents(artifacts, './ckpt/model.json');
 * ```
 */
export function readCheckpointContents(artifacts: unknown, file?: string): CheckpointContents {
  const fail = (message: string): never => {
    throw new CheckpointError(message, file);
  };
  if (!isRecord(artifacts)) return fail(`the model artifacts are ${show(artifacts)}, not an object; the checkpoint is corrupt`);
  const topo = artifacts.modelTopology;
  if (!isRecord(topo) || topo.format !== CHECKPOINT_FORMAT) {
    return fail(`not an odl checkpoint (modelTopology.format is ${show(isRecord(topo) ? topo.format : topo)}, expected '${CHECKPOINT_FORMAT}'); pass a folder written by saveCheckpoint`);
  }
  const version = topo.version;
  if (version !== 1 && version !== 2) return fail(`checkpoint version ${show(version)} is not supported (this build reads versions 1 and ${CHECKPOINT_VERSION}); upgrade @odl/models`);
  const config = checkConfig(topo.config, (m) => fail(`${m}; the checkpoint is corrupt`));
  const data = artifacts.weightData as tf.io.WeightData | null | undefined;
  if (data == null) return fail('the checkpoint has no weight data; weights.bin is missing or empty');
  let weights: Uint8Array;
  try {
    weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
  } catch {
    return fail('the weight data is not an ArrayBuffer or a list of them; the checkpoint is corrupt');
  }
  const specs = checkWeightSpecs(artifacts.weightSpecs, weights.byteLength, file);
  const udm = artifacts.userDefinedMetadata;
  if (udm != null && !isRecord(udm)) fail(`userDefinedMetadata is ${show(udm)}, not an object; the checkpoint is corrupt`);
  const odl = (udm as Record<string, unknown> | undefined)?.odl;
  if (odl == null && version >= 2) fail('userDefinedMetadata.odl is missing; the checkpoint is corrupt');
  if (odl != null && !isRecord(odl)) fail(`userDefinedMetadata.odl is ${show(odl)}, not an object; the checkpoint is corrupt`);
  const o = (odl ?? {}) as Record<string, unknown>;
  if (o.metadata != null && !isRecord(o.metadata)) fail(`userDefinedMetadata.odl.metadata is ${show(o.metadata)}, not an object; the checkpoint is corrupt`);
  if (version >= 2 || o.integrity !== undefined) {
    verifyCheckpointIntegrity(o.integrity, { modelTopology: topo, weightSpecs: artifacts.weightSpecs, trainer: o.trainer ?? null, metadata: o.metadata ?? {}, weights }, file);
  }
  const trainer = o.trainer == null ? null : checkStoredTrainer(o.trainer, file);
  if (trainer && version >= 2 && trainer.stateTensors === undefined) fail('trainer state: stateTensors is missing; the checkpoint is corrupt');
  const model = specs.filter((s) => !s.name.startsWith('__'));
  // The classifier's weight is the model's last rank-2 weight (a CNN's only one; namedWeights() lists it last).
  const classifier = model.filter((s) => s.shape.length === 2).at(-1);
  if (classifier == null || classifier.shape[1] !== config.numClasses) {
    fail(`config.numClasses is ${config.numClasses}, the weights manifest's classifier is ${classifier ? `[${classifier.shape.join(', ')}]` : 'missing (no rank-2 weight)'}; the checkpoint is corrupt`);
  }
  if (config.vit != null) {
    // Every ViT size is a free number, so the stored weights must hold exactly what the config builds.
    const stored = model.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    const expected = vitParameterCount(config.vit, config.inputChannels, config.numClasses);
    if (stored !== expected) fail(`config.vit describes ${expected} parameters, the weights manifest holds ${stored}; the checkpoint is corrupt`);
  }
  if (config.swin != null) {
    // Every Swin size is a free number too: the stored weights must hold exactly what the config builds.
    const stored = model.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    const expected = swinParameterCount(config.swin, config.inputChannels, config.numClasses);
    if (stored !== expected) fail(`config.swin describes ${expected} parameters, the weights manifest holds ${stored}; the checkpoint is corrupt`);
  }
  const stem = model.find((s) => s.shape.length === 4);
  if (stem == null || stem.shape[2] !== config.inputChannels) {
    fail(`config.inputChannels is ${config.inputChannels}, the weights manifest's first convolution is ${stem ? `[${stem.shape.join(', ')}]` : 'missing'}; the checkpoint is corrupt`);
  }
  return { version, config, specs, weights, trainer, metadata: { ...((o.metadata as Record<string, unknown> | undefined) ?? {}) } };
}
