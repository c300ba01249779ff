// The models the page can fine-tune: the pretrained MCUNet-in1 shipped by @odl/models, small zoo
// models with a fresh initialisation, or a model saved earlier in IndexedDB.
import { tf } from '@odl/backend';
import { FASHION_MNIST_STATS } from '@odl/datasets';
import { createModel, loadCheckpoint, Trainer, type InputSpec, type ZooModel } from '@odl/models';
import type { ModelChoice } from '../protocol';
import { absolute, pretrainedUrls } from './assets';

/** A model ready to fine-tune, with how its inputs are prepared. */
export interface BaseModel {
  /** The model (owned by the caller). */
  model: ZooModel;
  /** Input preparation (resolution, channels, normalisation). */
  input: InputSpec;
  /** Short description for the log. */
  label: string;
}

/** Input of models trained from scratch here: 32×32 like the pretrained checkpoint. */
function scratchInput(channels: number): InputSpec {
  const mean = FASHION_MNIST_STATS.mean[0];
  const std = FASHION_MNIST_STATS.std[0];
  return { height: 32, width: 32, channels, resize: 'bilinear', mean: new Array(channels).fill(mean), std: new Array(channels).fill(std) };
}

/** A tfjs IO handler that reads the pretrained checkpoint from the page's origin. */
function pretrainedHandler(): tf.io.IOHandler | null {
  const urls = pretrainedUrls();
  if (urls == null) return null;
  return tf.io.http(absolute(urls.modelJson), {
    weightUrlConverter: async (name: string) => {
      const base = name.slice(name.lastIndexOf('/') + 1);
      const url = urls.weights[base];
      if (url == null) throw new Error(`pretrained checkpoint: weights file '${name}' is not part of the build`);
      return absolute(url);
    },
  });
}

/** True when this build ships the pretrained checkpoint. */
export function hasPretrained(): boolean {
  return pretrainedUrls() != null;
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
  const source = choice.kind === 'pretrained' ? pretrainedHandler() : choice.url;
  if (source == null) throw new Error('this build has no pretrained MCUNet-in1 checkpoint; pick a zoo model');
  const { model, metadata, trainerState } = await loadCheckpoint(source);
  // A saved run carries its trainer state (for resuming); a new run starts afresh.
  if (trainerState != null) Trainer.disposeState(trainerState);
  const input = (metadata.input as InputSpec | undefined) ?? scratchInput(model.config.inputChannels);
  const label = choice.kind === 'pretrained' ? 'MCUNet-in1 pretrained on Fashion-MNIST classes 0–4' : `saved model ${choice.url}`;
  return { model, input, label };
}
