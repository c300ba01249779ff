import { OdlError, tf } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { CheckpointError } from './checkpoint-error';
import { CHECKPOINT_FORMAT, readCheckpointContents } from './checkpoint-contents';
import { isStale, listLeftovers, newSaveTag, removeStaleLeftovers, savesInFlight } from './checkpoint-leftovers';
import { modelFiles } from './model-files';
import { parseModelJson } from './model-json';

export { CheckpointError } from './checkpoint-error';

/** Hooks for tests: called between the steps of an atomic save. */
export interface FileHandlerHooks {
  /** Called after the temporary folder is fully written, before it replaces the target. */
  beforeCommit?: () => void | Promise<void>;
  /** Called after the previous checkpoint is moved aside, before the new one takes its place. */
  betweenRenames?: () => void | Promise<void>;
}

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Strips a `file://` prefix. */
export function filePath(pathOrUrl: string): string {
  return pathOrUrl.startsWith('file://') ? pathOrUrl.slice('file://'.length) : pathOrUrl;
}

/** Reads `<dir>/model.json` and its weight files into artifacts; every failure is a CheckpointError. */
async function readFolder(dir: string): Promise<tf.io.ModelArtifacts> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const jsonPath = path.join(dir, MODEL_JSON);
  const text = await fs.readFile(jsonPath, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new CheckpointError(`cannot read ${MODEL_JSON} (${e.code ?? e.message}); pass the folder that holds model.json and weights.bin`, dir);
  });
  const { artifacts, paths } = parseModelJson(text, jsonPath);
  const buffers: ArrayBuffer[] = [];
  for (const p of paths) {
    const b = await fs.readFile(path.join(dir, p)).catch((e: NodeJS.ErrnoException) => {
      throw new CheckpointError(`weights file ${p} named by ${MODEL_JSON} cannot be read (${e.code ?? e.message}); the checkpoint is incomplete`, dir);
    });
    buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
  return { ...artifacts, weightData: tf.io.CompositeArrayBuffer.join(buffers) };
}

/** The step an odl checkpoint recorded (-1 without trainer state); throws when it is incomplete or corrupt. */
function recordedStep(artifacts: tf.io.ModelArtifacts, file: string): number {
  if ((artifacts.modelTopology as { format?: unknown } | undefined)?.format !== CHECKPOINT_FORMAT) return -1;
  return readCheckpointContents(artifacts, file).trainer?.step ?? -1;
}

/**
 * When `<dir>` is missing (a save was interrupted between its two renames), the newest complete
 * leftover: every `.old-*` / `.tmp-*` folder that reads and validates, ranked by its recorded
 * trainer step, then by the time its model.json was written. A stale winner is moved back to
 * `<dir>`. Returns null when there is none.
 */
async function recoverLeftover(abs: string): Promise<{ artifacts: tf.io.ModelArtifacts; dir: string } | null> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const complete: { artifacts: tf.io.ModelArtifacts; dir: string; step: number; mtime: number; stale: boolean }[] = [];
  for (const l of await listLeftovers(abs)) {
    try {
      const artifacts = await readFolder(l.path);
      const step = recordedStep(artifacts, l.path);
      const mtime = (await fs.stat(path.join(l.path, MODEL_JSON))).mtimeMs;
      complete.push({ artifacts, dir: l.path, step, mtime, stale: isStale(l) });
    } catch (e) {
      if (!(e instanceof OdlError) && (e as NodeJS.ErrnoException).code == null) throw e;
    }
  }
  complete.sort((a, b) => b.step - a.step || b.mtime - a.mtime);
  const best = complete[0];
  if (!best) return null;
  if (best.stale) {
    try {
      await fs.rename(best.dir, abs);
      return { artifacts: best.artifacts, dir: abs };
    } catch {
      // another process took the folder first; read from where it is
    }
  }
  return best;
}

/**
 * A tfjs IO handler that stores a model as `<dir>/model.json` + `<dir>/weights.bin` (tfjs'
 * layout, one weights file) in Node. Saving is atomic: both files are written to a fresh sibling
 * folder `<dir>.tmp-*` (each through `writeFileAtomic` of `@odl/backend/node`: flushed, then
 * renamed), and the folder is swapped in with renames (the previous one moved to `<dir>.old-*`
 * meanwhile), so an interrupted save leaves the previous checkpoint intact. Loading a `<dir>`
 * that a crash between the two renames left missing picks the newest complete leftover by its
 * recorded trainer step and moves it back. Leftovers of interrupted saves whose process is gone
 * are removed by the next save or load. Every failure is a {@link CheckpointError}.
 *
 * @example
 * ```ts
 * await model.save(fileHandler('/tmp/ckpt'));           // any tfjs IOHandler consumer
 * const artifacts = await fileHandler('/tmp/ckpt').load!();
 * ```
 */
export function fileHandler(pathOrUrl: string, hooks: FileHandlerHooks = {}): tf.io.IOHandler {
  const dir = filePath(pathOrUrl);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const fs = await import('node:fs/promises');
      const path = await import('node:path');
      const abs = path.resolve(dir);
      const tag = newSaveTag();
      const tmp = `${abs}.tmp-${tag}`;
      const old = `${abs}.old-${tag}`;
      const { modelJson, weights: weightData } = modelFiles(artifacts, WEIGHTS_BIN);
      savesInFlight.add(tag);
      try {
        await fs.mkdir(path.dirname(abs), { recursive: true });
        await fs.mkdir(tmp, { recursive: true });
        try {
          await writeFileAtomic(path.join(tmp, WEIGHTS_BIN), new Uint8Array(weightData));
          await writeFileAtomic(path.join(tmp, MODEL_JSON), modelJson);
          await hooks.beforeCommit?.();
          let hadOld = false;
          try {
            await fs.rename(abs, old);
            hadOld = true;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          }
          await hooks.betweenRenames?.();
          await fs.rename(tmp, abs);
          if (hadOld) await fs.rm(old, { recursive: true, force: true });
        } catch (e) {
          await fs.rm(tmp, { recursive: true, force: true });
          throw e;
        }
      } catch (e) {
        if (e instanceof OdlError) throw e;
        throw new CheckpointError(`cannot save the checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that the folder is writable and the disk has room`, abs);
      } finally {
        savesInFlight.delete(tag);
      }
      await removeStaleLeftovers(abs);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weightData.byteLength,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology ?? {}).length,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const fs = await import('node:fs/promises');
      const path = await import('node:path');
      const abs = path.resolve(dir);
      const present = await fs.access(path.join(abs, MODEL_JSON)).then(
        () => true,
        () => false,
      );
      if (present) {
        const artifacts = await readFolder(abs);
        await removeStaleLeftovers(abs);
        return artifacts;
      }
      const recovered = await recoverLeftover(abs);
      if (!recovered) throw new CheckpointError(`no checkpoint here: ${MODEL_JSON} is missing and no complete leftover of an interrupted save was found; pass the folder that holds model.json and weights.bin`, abs);
      await removeStaleLeftovers(abs, recovered.dir);
      return recovered.artifacts;
    },
  };
}
