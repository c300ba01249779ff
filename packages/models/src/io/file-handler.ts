import { OdlError, tf } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { modelFiles } from './model-files';

/** A checkpoint file could not be written or read (missing, corrupt, wrong format). */
export class CheckpointError extends OdlError {
  constructor(message: string) {
    super('checkpoint', message);
  }
}

/** Hooks for tests: called between the steps of an atomic save. */
export interface FileHandlerHooks {
  /** Called after the temporary folder is fully written, before it replaces the target. */
  beforeCommit?: () => void | Promise<void>;
}

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';

/** Strips a `file://` prefix. */
export function filePath(pathOrUrl: string): string {
  return pathOrUrl.startsWith('file://') ? pathOrUrl.slice('file://'.length) : pathOrUrl;
}

/**
 * A tfjs IO handler that stores a model as `<dir>/model.json` + `<dir>/weights.bin` (tfjs'
 * layout, one weights file) in Node. Saving is atomic: both files are written to a fresh sibling
 * folder (each through `writeFileAtomic` of `@odl/backend/node`: flushed, then renamed), and the
 * folder is swapped in with renames, so an interrupted save leaves the previous checkpoint intact. A crash between the two renames leaves `<dir>.old-*`, which `load` uses.
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
      const tag = `${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
      const tmp = `${abs}.tmp-${tag}`;
      const old = `${abs}.old-${tag}`;
      const { modelJson, weights: weightData } = modelFiles(artifacts, WEIGHTS_BIN);
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
        await fs.rename(tmp, abs);
        if (hadOld) await fs.rm(old, { recursive: true, force: true });
      } catch (e) {
        await fs.rm(tmp, { recursive: true, force: true });
        throw e;
      }
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
      let abs = path.resolve(dir);
      try {
        await fs.access(path.join(abs, MODEL_JSON));
      } catch {
        const parent = path.dirname(abs);
        const leftovers = (await fs.readdir(parent).catch(() => [] as string[])).filter((f) => f.startsWith(`${path.basename(abs)}.old-`));
        if (leftovers.length === 0) throw new CheckpointError(`no checkpoint at ${abs}: ${MODEL_JSON} is missing; pass the folder that holds model.json and weights.bin`);
        abs = path.join(parent, leftovers.sort().at(-1)!);
      }
      let json: {
        modelTopology?: object;
        format?: string;
        generatedBy?: string;
        convertedBy?: string | null;
        weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
        userDefinedMetadata?: Record<string, unknown>;
      };
      try {
        json = JSON.parse(await fs.readFile(path.join(abs, MODEL_JSON), 'utf8'));
      } catch (e) {
        throw new CheckpointError(`${path.join(abs, MODEL_JSON)} is not valid JSON (${(e as Error).message}); the checkpoint is corrupt`);
      }
      if (!Array.isArray(json.weightsManifest)) throw new CheckpointError(`${path.join(abs, MODEL_JSON)} has no weightsManifest; it is not a tfjs model.json`);
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const b = await fs.readFile(path.join(abs, p)).catch(() => {
            throw new CheckpointError(`weights file ${path.join(abs, p)} named by model.json is missing`);
          });
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? undefined,
        weightSpecs: specs,
        weightData: tf.io.CompositeArrayBuffer.join(buffers),
        userDefinedMetadata: json.userDefinedMetadata as Record<string, object> | undefined,
      };
    },
  };
}
