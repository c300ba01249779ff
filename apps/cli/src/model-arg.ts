import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { suggest } from '@odl/core';
import { ARCHITECTURES, Trainer, loadPretrainedMcunet, type ArchitectureName, type InputSpec, type ZooModel } from '@odl/models';
import { enumOption, integerOption } from './args';
import { UsageError } from './errors';

/** What `--model` names: the shipped model, a checkpoint folder, or a zoo architecture to train from scratch. */
export type ModelChoice =
  | { kind: 'shipped' }
  | { kind: 'checkpoint'; path: string }
  | { kind: 'zoo'; architecture: ArchitectureName; resolution: number; channels?: 1 | 3 };

/**
 * Checks `--model` (with `--resolution` and `--channels`, which only a zoo architecture takes)
 * without loading anything: an architecture name, or an existing folder.
 */
export function checkModelArg(model: string | undefined, resolution: string | undefined, channels: string | undefined): ModelChoice {
  const zoo = model != null && (ARCHITECTURES as readonly string[]).includes(model);
  if (!zoo) {
    if (resolution != null) throw new UsageError(`--resolution applies to a zoo architecture (--model ${ARCHITECTURES.join('|')}); a checkpoint has its own input size`);
    if (channels != null) throw new UsageError(`--channels applies to a zoo architecture; the data is converted to a checkpoint's channels by itself`);
  }
  if (model == null) return { kind: 'shipped' };
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
  throw new UsageError(`--model ${model}: neither a checkpoint folder nor an architecture (${ARCHITECTURES.join(', ')})${suggest(model, ARCHITECTURES)}`);
}

/**
 * Loads the shipped model or a checkpoint with how its inputs are prepared; a checkpoint's own
 * trainer state is released (a new run starts from the weights). The caller disposes the model.
 */
export async function loadModel(choice: Exclude<ModelChoice, { kind: 'zoo' }>): Promise<{ model: ZooModel; input: InputSpec; source: string }> {
  const loaded = await loadPretrainedMcunet(choice.kind === 'checkpoint' ? choice.path : undefined);
  if (loaded.trainerState != null) Trainer.disposeState(loaded.trainerState);
  return { model: loaded.model, input: loaded.input, source: choice.kind === 'checkpoint' ? choice.path : 'the shipped pretrained checkpoint' };
}
