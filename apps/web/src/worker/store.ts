// Fine-tuned models in IndexedDB (tfjs' 'indexeddb://' store, @odl/models' checkpoint format,
// written by the session's `checkpoint`): where to save, list, export as model.json + weights.bin,
// delete.
import { tf } from '@odl/backend';
import { modelFiles } from '@odl/models';
import type { SavedModelInfo } from '../protocol';

/** Prefix of the IndexedDB keys this page writes. */
export const SAVED_PREFIX = 'indexeddb://odl-web-';

/**
 * Where a run of `method` is saved: `indexeddb://odl-web-<method>-<time>` (the session writes the
 * checkpoint there with `session.checkpoint`).
 */
export function savedModelUrl(method: string, now: Date = new Date()): string {
  return `${SAVED_PREFIX}${method}-${now.toISOString().replace(/[:.]/g, '-')}`;
}

async function loadArtifacts(url: string): Promise<tf.io.ModelArtifacts> {
  const handler = tf.io.getLoadHandlers(url)[0];
  if (handler?.load == null) throw new Error(`no IndexedDB handler for ${url}`);
  return handler.load();
}

function odlMetadata(artifacts: tf.io.ModelArtifacts): Record<string, unknown> {
  const odl = (artifacts.userDefinedMetadata as { odl?: { metadata?: Record<string, unknown> } } | undefined)?.odl;
  return odl?.metadata ?? {};
}

/** The models this page saved, newest first. */
export async function listSavedModels(): Promise<SavedModelInfo[]> {
  const all = await tf.io.listModels();
  const out: SavedModelInfo[] = [];
  for (const [url, info] of Object.entries(all)) {
    if (!url.startsWith(SAVED_PREFIX)) continue;
    let metadata: Record<string, unknown> = {};
    try {
      metadata = odlMetadata(await loadArtifacts(url));
    } catch (e) {
      metadata = { error: (e as Error).message };
    }
    out.push({ url, dateSaved: new Date(info.dateSaved).toISOString(), weightBytes: info.weightDataBytes ?? 0, metadata });
  }
  return out.sort((a, b) => (a.dateSaved < b.dateSaved ? 1 : -1));
}

/** Deletes a saved model. */
export async function deleteSavedModel(url: string): Promise<void> {
  await tf.io.removeModel(url);
}

/**
 * A saved model as the two files of tfjs' layout (model.json naming `./weights.bin`), readable
 * by @odl/models' `loadCheckpoint` from a folder.
 */
export async function exportSavedModel(url: string): Promise<{ name: string; modelJson: string; weights: ArrayBuffer }> {
  const { modelJson, weights } = modelFiles(await loadArtifacts(url));
  return { name: url.slice('indexeddb://'.length), modelJson, weights };
}
