import { tf } from '@odl/backend';
import { findPackageAsset } from '@odl/backend/node';
import { CheckpointError } from './io/file-handler';
import { loadCheckpoint, type LoadedCheckpoint } from './io/checkpoint';
import type { InputSpec } from './train/data';

/** Folder name of the default pretrained checkpoint inside the package's `pretrained/`. */
export const PRETRAINED_MCUNET_NAME = 'mcunet-in1-fmnist04';

/** Folder name of the pretrained ViT inside the package's `pretrained/` (`loadPretrainedVit`). */
export const PRETRAINED_VIT_NAME = 'vit-fmnist04';

/** The checkpoints that ship in the package's `pretrained/` folder. */
export type PretrainedName = typeof PRETRAINED_MCUNET_NAME | typeof PRETRAINED_VIT_NAME;

/** Each shipped checkpoint's title (for messages) and the environment variable that overrides its folder. */
const PRETRAINED: Readonly<Record<PretrainedName, { title: string; envVar: string }>> = {
  [PRETRAINED_MCUNET_NAME]: { title: 'MCUNet-in1', envVar: 'ODL_MODELS_PRETRAINED_DIR' },
  [PRETRAINED_VIT_NAME]: { title: 'ViT', envVar: 'ODL_MODELS_PRETRAINED_VIT_DIR' },
};

/**
 * Finds a pretrained checkpoint folder that ships with the package, in Node: its environment
 * variable first (`ODL_MODELS_PRETRAINED_DIR` for the MCUNet-in1, `ODL_MODELS_PRETRAINED_VIT_DIR`
 * for the ViT); then `../pretrained/<name>/` next to this module
 * (from `src/` or `dist/`), then the installed `@odl/models` package resolved from this module and
 * from the working directory.
 *
 * @param name - which checkpoint (default the MCUNet-in1 of the main job)
 * @example
 * ```ts
 * const dir = await resolvePretrainedDir();               // '/…/@odl/models/pretrained/mcunet-in1-fmnist04'
 * const vitDir = await resolvePretrainedDir('vit-fmnist04'); // the pretrained ViT
 * ```
 */
export async function resolvePretrainedDir(name: PretrainedName = PRETRAINED_MCUNET_NAME): Promise<string> {
  const entry = PRETRAINED[name];
  if (entry == null) throw new CheckpointError(`unknown pretrained checkpoint '${String(name)}'; the package ships ${Object.keys(PRETRAINED).join(', ')}`);
  // In a variable so that bundlers do not turn `new URL(<literal>, import.meta.url)` into an asset.
  const relativeUrl = `../pretrained/${name}/`;
  return findPackageAsset({
    envVar: entry.envVar,
    relativeUrl,
    baseUrl: import.meta.url,
    packageName: '@odl/models',
    subpath: `pretrained/${name}`,
    marker: 'model.json',
    notFound: (tried) =>
      new CheckpointError(`pretrained ${entry.title} not found (tried ${tried.join(', ')}); set ${entry.envVar} or pass a path`),
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

/**
 * Loads the pretrained ViT that ships with the package (torchvision's `VisionTransformer` layout,
 * Fashion-MNIST classes 0–4, 32×32×1 inputs; the transformer demo's starting point), or a
 * checkpoint from `source` as {@link loadPretrainedMcunet} does.
 *
 * @example
 * ```ts
 * const { model, input, metadata } = await loadPretrainedVit();
 * console.log(model.config.architecture, input.height, metadata.testTop1); // 'vit' 32 0.8…
 * ```
 */
export async function loadPretrainedVit(source?: string | tf.io.IOHandler): Promise<PretrainedModel> {
  const loaded = await loadCheckpoint(source ?? (await resolvePretrainedDir(PRETRAINED_VIT_NAME)));
  const input = (loaded.metadata.input as InputSpec | undefined) ?? { height: 32, width: 32, channels: loaded.model.config.inputChannels };
  return { ...loaded, input };
}
