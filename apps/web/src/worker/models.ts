// The models the page can fine-tune: the pretrained checkpoints shipped by @odl/models (the
// MCUNet-in1 and the ViT), small zoo models with a fresh initialisation, or a model saved earlier
// in IndexedDB.
import { tf } from '@odl/backend';
import { FASHION_MNIST_STATS } from '@odl/datasets';
import {
  createModel,
  describeLastN,
  describeModel,
  loadCheckpoint,
  PRETRAINED_MCUNET_NAME,
  PRETRAINED_VIT_NAME,
  Trainer,
  type InputSpec,
  type PretrainedName,
  type ZooModel,
} from '@odl/models';
import type { LastNInfo, ModelChoice, PretrainedInfo } from '../protocol';
import { absolute, pretrainedUrls } from './assets';
import { RunRequestError } from './errors';

/** A model ready to fine-tune, with how its inputs are prepared. */
export interface BaseModel {
  /** The model (owned by the caller). */
  model: ZooModel;
  /** Input preparation (resolution, channels, normalisation). */
  input: InputSpec;
  /** Short description for the log. */
  label: string;
}

/** The shipped checkpoints the page offers, in this order, with what each is. */
const PRETRAINED_LABELS: Readonly<Record<PretrainedName, string>> = {
  [PRETRAINED_MCUNET_NAME]: 'MCUNet-in1 pretrained on Fashion-MNIST classes 0–4',
  [PRETRAINED_VIT_NAME]: 'ViT (torchvision layout) pretrained on Fashion-MNIST classes 0–4',
};

/** Input of models trained from scratch here: 32×32 like the pretrained checkpoints. */
function scratchInput(channels: number): InputSpec {
  const mean = FASHION_MNIST_STATS.mean[0];
  const std = FASHION_MNIST_STATS.std[0];
  return { height: 32, width: 32, channels, resize: 'bilinear', mean: new Array(channels).fill(mean), std: new Array(channels).fill(std) };
}

/** A tfjs IO handler that reads the shipped checkpoint `name` from the page's origin, or null when the build has none. */
function pretrainedHandler(name: string): tf.io.IOHandler | null {
  const urls = pretrainedUrls(name);
  if (urls == null) return null;
  return tf.io.http(absolute(urls.modelJson), {
    weightUrlConverter: async (file: string) => {
      const base = file.slice(file.lastIndexOf('/') + 1);
      const url = urls.weights[base];
      if (url == null) throw new Error(`pretrained checkpoint ${name}: weights file '${file}' is not part of the build`);
      return absolute(url);
    },
  });
}

/** The shipped checkpoints this build has, for the page's model select. */
export function offeredPretrained(): PretrainedInfo[] {
  return Object.entries(PRETRAINED_LABELS)
    .filter(([name]) => pretrainedUrls(name) != null)
    .map(([name, label]) => ({ name, label }));
}

/** The label of a shipped checkpoint, or a typed error naming the ones the build has. */
function pretrainedLabel(name: string): string {
  const label = (PRETRAINED_LABELS as Record<string, string>)[name];
  if (label == null || pretrainedUrls(name) == null) {
    const have = offeredPretrained().map((p) => p.name);
    throw new RunRequestError(`this build has no pretrained checkpoint '${name}' (it has ${have.length > 0 ? have.join(', ') : 'none'}); pick another model`);
  }
  return label;
}

/**
 * Loads (or creates) the model to start from. `channels` is the channel count of fresh zoo
 * models: 3 (RGB) for the user's images, 1 for the embedded grey data.
 */
export async function loadBaseModel(choice: ModelChoice, channels: number, seed: number): Promise<BaseModel> {
  if (choice.kind === 'zoo') {
    const model = createModel(choice.architecture, { inputChannels: channels, numClasses: 5, seed, widthMultiplier: choice.widthMultiplier });
    const w = choice.widthMultiplier != null ? ` ×${choice.widthMultiplier}` : '';
    return { model, input: scratchInput(channels), label: `${choice.architecture}${w} (fresh initialisation)` };
  }
  const label = choice.kind === 'pretrained' ? pretrainedLabel(choice.name) : `saved model ${choice.url}`;
  const source = choice.kind === 'pretrained' ? pretrainedHandler(choice.name)! : choice.url;
  const { model, metadata, trainerState } = await loadCheckpoint(source);
  // A saved run carries its trainer state (for resuming); a new run starts afresh.
  if (trainerState != null) Trainer.disposeState(trainerState);
  const input = (metadata.input as InputSpec | undefined) ?? scratchInput(model.config.inputChannels);
  return { model, input, label };
}

/** Descriptions already made, by model choice (a checkpoint is read once). */
const described = new Map<string, Promise<LastNInfo>>();

/**
 * What "the last N" counts in a model choice (from its layer specs, @odl/models' describeLastN):
 * a zoo model is described without weights; a checkpoint is loaded and released (once).
 */
export function describeChoice(choice: ModelChoice): Promise<LastNInfo> {
  const key = JSON.stringify(choice);
  let p = described.get(key);
  if (p == null) {
    p = describeOnce(choice);
    p.catch(() => described.delete(key));
    described.set(key, p);
  }
  return p;
}

async function describeOnce(choice: ModelChoice): Promise<LastNInfo> {
  if (choice.kind === 'zoo') {
    const specs = describeModel(choice.architecture, { inputShape: [1, 32, 32, 1], numClasses: 5, widthMultiplier: choice.widthMultiplier });
    return { model: choice, ...describeLastN(specs) };
  }
  const base = await loadBaseModel(choice, 1, 0);
  try {
    const { height, width, channels } = base.input;
    return { model: choice, ...describeLastN(base.model.layerSpecs([1, height, width, channels])) };
  } finally {
    base.model.dispose();
  }
}
