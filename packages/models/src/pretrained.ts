import { tf } from '@odl/backend';
import { findPackageAsset } from '@odl/backend/node';
import { CheckpointError } from './io/file-handler';
import { loadCheckpoint, type LoadedCheckpoint } from './io/checkpoint';
import type { InputSpec } from './train/data';

/** Folder name of the default pretrained checkpoint inside the package's `pretrained/`. */
export const PRETRAINED_MCUNET_NAME = 'mcunet-in1-fmnist04';

// In a variable so that bundlers do not turn `new URL(<literal>, import.meta.url)` into an asset.
const RELATIVE_DIR = `../pretrained/${PRETRAINED_MCUNET_NAME}/`;

/**
 * Finds the default pretrained checkpoint folder in Node: `ODL_MODELS_PRETRAINED_DIR`, then
 * `../pretrained/mcunet-in1-fmnist04/` next to this module (from `src/` or `dist/`), then the
 * installed `@odl/models` package resolved from this module and from the working directory.
 *
 * @example
 * ```ts
 * const dir = await resolvePretrainedDir(); // '/…/@odl/models/pretrained/mcunet-in1-fmnist04'
 * ```
 */
export async function resolvePretrainedDir(): Promise<string> {
  return findPackageAsset({
    envVar: 'ODL_MODELS_PRETRAINED_DIR',
    relativeUrl: RELATIVE_DIR,
    baseUrl: import.meta.url,
    packageName: '@odl/models',
    subpath: `pretrained/${PRETRAINED_MCUNET_NAME}`,
    marker: 'model.json',
    notFound: (tried) => new CheckpointError(`pretrained MCUNet-in1 not found (tried ${tried.join(', ')}); set ODL_MODELS_PRETRAINED_DIR or pass a path`),
  });
}

/** The pretrained model with how its inputs must be prepared. */
export interface PretrainedModel extends LoadedCheckpoint {
  /** Input preparation the model was trained with (resolution, channels, normalisation). */
  input: InputSpec;
}

/**
 * Loads the default pretrained MCUNet-in1 (Fashion-MNIST classes 0–4, 32×32×1 inputs) that
 * ships with the package, or a checkpoint from `source` (a folder path, `file://`,
 * `indexeddb://` or `http(s)://…/model.json` URL, or a tfjs IO handler).
 *
 * @example
 * ```ts
 * const { model, input, metadata } = await loadPretrainedMcunet();
 * console.log(input.height, metadata.testTop1); // 32 0.9…
 * ```
 */
export async function loadPretrainedMcunet(source?: string | tf.io.IOHandler): Promise<PretrainedModel> {
  const src = source ?? (await resolvePretrainedDir());
  const loaded = await loadCheckpoint(src);
  const input = (loaded.metadata.input as InputSpec | undefined) ?? { height: 32, width: 32, channels: loaded.model.config.inputChannels };
  return { ...loaded, input };
}
