import { OdlError, ShapeError, tf } from '@odl/backend';
import type { EpochRecord, TrainerState } from '../train/trainer';
import { createModel } from '../zoo/index';
import type { ZooModel } from '../zoo/model';
import { CheckpointError } from './checkpoint-error';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, readCheckpointContents, storedConfig } from './checkpoint-contents';
import { checkpointIntegrity } from './checkpoint-integrity';
import { COMP_PREFIX, matchSpecsToModel, OPT_PREFIX } from './checkpoint-match';
import type { StoredTrainer } from './checkpoint-trainer';
import { fileHandler } from './file-handler';

export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION } from './checkpoint-contents';

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /** Trainer state to store for resuming (weights + optimizer + RNG + compressor states). */
  trainerState?: TrainerState;
  /** Free-form JSON metadata (accuracy, input spec, command line, ...). */
  metadata?: Record<string, unknown>;
}

/** What {@link loadCheckpoint} returns. */
export interface LoadedCheckpoint {
  /** The model, rebuilt from the stored config with the stored weights. */
  model: ZooModel;
  /** The trainer state, when one was saved (tensors owned by the caller). */
  trainerState?: TrainerState;
  /** The free-form metadata saved with the checkpoint. */
  metadata: Record<string, unknown>;
}


/**
 * Serialises a model (and optionally a trainer state) into tfjs `ModelArtifacts`: every weight
 * by its torchvision-style name, optimizer slots under `__optimizer/…`, compressor tensors under
 * `__compressor/<layer>/…`; the rest goes to `userDefinedMetadata.odl` as JSON.
 *
 * @example
 * ```ts
 * const artifacts = await encodeCheckpoint(model, { metadata: { top1: 0.93 } });
 * ```
 */
export async function encodeCheckpoint(model: ZooModel, options: SaveCheckpointOptions = {}): Promise<tf.io.ModelArtifacts> {
  const tensors: tf.NamedTensorMap = {};
  for (const [name, v] of model.namedWeights()) tensors[name] = v;
  let trainer: StoredTrainer | undefined;
  const s = options.trainerState;
  if (s) {
    for (const [k, t] of Object.entries(s.optimizer.slots)) tensors[OPT_PREFIX + k] = t;
    const compressorValues: StoredTrainer['compressorValues'] = {};
    for (const [layer, cs] of Object.entries(s.compressors)) {
      compressorValues[layer] = cs ? cs.values : null;
      if (cs) for (const [k, t] of Object.entries(cs.tensors)) tensors[`${COMP_PREFIX}${layer}/${k}`] = t;
    }
    const { optimizer, compressors: _c, ...rest } = s;
    const stateTensors = Object.keys(tensors).filter((k) => k.startsWith('__'));
    trainer = { ...rest, optimizerIterations: optimizer.iterations, compressorValues, stateTensors };
  }
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const modelTopology = { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, config: storedConfig(model.config) };
  const metadata = options.metadata ?? {};
  const integrity = checkpointIntegrity({ modelTopology, weightSpecs: specs, trainer: trainer ?? null, metadata, weights: new Uint8Array(data) });
  return {
    modelTopology,
    format: CHECKPOINT_FORMAT,
    generatedBy: '@odl/models',
    weightSpecs: specs,
    weightData: data,
    userDefinedMetadata: { odl: { trainer: trainer ?? null, metadata, integrity } as unknown as object },
  };
}

/**
 * Copies named tensors into a model's weights. With `strict` (default) every model weight must
 * be present and nothing else (names starting with `__` are ignored); shapes must match.
 *
 * @example
 * ```ts
 * assignWeights(model, new Map([['classifier.weight', w]]), { strict: false });
 * ```
 */
export function assignWeights(model: ZooModel, weights: Map<string, tf.Tensor>, options: { strict?: boolean } = {}): void {
  const strict = options.strict ?? true;
  const own = model.namedWeights();
  const missing = [...own.keys()].filter((k) => !weights.has(k));
  const unexpected = [...weights.keys()].filter((k) => !k.startsWith('__') && !own.has(k));
  if (strict && (missing.length > 0 || unexpected.length > 0)) {
    throw new CheckpointError(
      `weights do not match ${model.config.architecture}: ` +
        (missing.length ? `missing ${missing.length} (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})` : '') +
        (missing.length && unexpected.length ? '; ' : '') +
        (unexpected.length ? `unexpected ${unexpected.length} (${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', …' : ''})` : '') +
        '; check the architecture, width multiplier, input channels and classes',
    );
  }
  for (const [name, v] of own) {
    const t = weights.get(name);
    if (!t) continue;
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      throw new ShapeError(`weight '${name}' has shape [${t.shape.join(', ')}], the model expects [${v.shape.join(', ')}]`);
    }
  }
  for (const [name, v] of own) {
    const t = weights.get(name);
    if (!t) continue;
    if (t.dtype === 'float32') v.assign(t);
    else tf.tidy(() => v.assign(tf.cast(t, 'float32')));
  }
}

/** Options of {@link decodeCheckpoint}. */
export interface DecodeCheckpointOptions {
  /** The file or folder the artifacts were read from, for error messages. */
  file?: string;
}

/**
 * Rebuilds a model (and trainer state) from `ModelArtifacts` written by {@link encodeCheckpoint}.
 * Everything is checked before it is used: topology, manifest, trainer state and CRC-32s
 * (`readCheckpointContents`), then every tensor's name, dtype and shape against the model the
 * stored config describes (`matchSpecsToModel`). A failure is a {@link CheckpointError} and
 * releases every tensor the call made.
 *
 * @example
 * ```ts
 * const { model, trainerState } = decodeCheckpoint(artifacts, { file: './ckpt' });
 * ```
 */
export function decodeCheckpoint(artifacts: tf.io.ModelArtifacts, options: DecodeCheckpointOptions = {}): LoadedCheckpoint {
  const file = options.file;
  const c = readCheckpointContents(artifacts, file);
  let model: ZooModel | undefined;
  let named: tf.NamedTensorMap = {};
  try {
    try {
      model = createModel(c.config.architecture, { ...c.config, init: 'zeros' });
    } catch (e) {
      if (e instanceof OdlError) throw new CheckpointError(`the stored config cannot build a model (${e.message}); the checkpoint is corrupt`, file);
      throw e;
    }
    matchSpecsToModel(c.specs, model, c.trainer, file);
    const buffer = c.weights.buffer.slice(c.weights.byteOffset, c.weights.byteOffset + c.weights.byteLength) as ArrayBuffer;
    named = tf.io.decodeWeights(buffer, c.specs.map(({ name, shape, dtype }) => ({ name, shape, dtype })));
    for (const [name, v] of model.namedWeights()) v.assign(named[name]!);
    const trainerState = c.trainer ? rebuildTrainerState(c.trainer, named) : undefined;
    const keep = new Set(trainerState ? Object.keys(named).filter((k) => k.startsWith('__')) : []);
    tf.dispose(Object.entries(named).filter(([k]) => !keep.has(k)).map(([, t]) => t));
    return { model, trainerState, metadata: c.metadata };
  } catch (e) {
    model?.dispose();
    tf.dispose(Object.values(named));
    throw e;
  }
}

/** The trainer state of a checkpoint: stored values plus its `__optimizer/` and `__compressor/` tensors. */
function rebuildTrainerState(stored: StoredTrainer, named: tf.NamedTensorMap): TrainerState {
  const { optimizerIterations, compressorValues, stateTensors: _names, ...rest } = stored;
  const slots: Record<string, tf.Tensor> = {};
  const compressors: TrainerState['compressors'] = {};
  for (const [layer, values] of Object.entries(compressorValues)) compressors[layer] = values ? { tensors: {}, values } : null;
  for (const [k, t] of Object.entries(named)) {
    if (k.startsWith(OPT_PREFIX)) slots[k.slice(OPT_PREFIX.length)] = t;
    else if (k.startsWith(COMP_PREFIX)) {
      const path = k.slice(COMP_PREFIX.length);
      const cut = path.lastIndexOf('/');
      compressors[path.slice(0, cut)]!.tensors[path.slice(cut + 1)] = t;
    }
  }
  return { ...rest, history: rest.history as EpochRecord[], optimizer: { iterations: optimizerIterations, slots }, compressors };
}

/**
 * Resolves a destination to a tfjs IO handler: a `file://` URL or a plain path in Node uses the
 * atomic {@link fileHandler}; other URLs (`indexeddb://name`, `localstorage://name`, `http(s)://`
 * for loading) go through tfjs' routers; an `IOHandler` is used as is.
 *
 * @example
 * ```ts
 * const handler = resolveHandler('indexeddb://my-model', 'save');
 * ```
 */
export function resolveHandler(dest: string | tf.io.IOHandler, purpose: 'save' | 'load'): tf.io.IOHandler {
  if (typeof dest !== 'string') return dest;
  const isNode = typeof process !== 'undefined' && process.versions?.node != null;
  if (dest.startsWith('file://') || (isNode && !/^[a-z][a-z0-9+.-]*:\/\//i.test(dest))) return fileHandler(dest);
  const handlers = purpose === 'save' ? tf.io.getSaveHandlers(dest) : tf.io.getLoadHandlers(dest);
  if (handlers.length === 0) {
    throw new CheckpointError(`no tfjs IO handler for '${dest}' (${purpose}); in browsers use 'indexeddb://<name>', in Node a folder path or file:// URL`);
  }
  return handlers[0];
}

/**
 * Saves a model (and optionally a trainer state for resuming) as model.json + weights.bin.
 *
 * @example
 * ```ts
 * await saveCheckpoint(model, './ckpt', { trainerState: trainer.getState() });
 * ```
 */
export async function saveCheckpoint(model: ZooModel, dest: string | tf.io.IOHandler, options: SaveCheckpointOptions = {}): Promise<tf.io.SaveResult> {
  const handler = resolveHandler(dest, 'save');
  if (!handler.save) throw new CheckpointError('the IO handler cannot save');
  return handler.save(await encodeCheckpoint(model, options));
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}: the model and, when saved, the trainer state.
 *
 * @example
 * ```ts
 * const { model, trainerState, metadata } = await loadCheckpoint('./ckpt');
 * ```
 */
export async function loadCheckpoint(src: string | tf.io.IOHandler): Promise<LoadedCheckpoint> {
  const handler = resolveHandler(src, 'load');
  if (!handler.load) throw new CheckpointError('the IO handler cannot load');
  const file = typeof src === 'string' ? src : undefined;
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (e) {
    if (e instanceof OdlError) throw e;
    throw new CheckpointError(`cannot load the checkpoint (${(e as Error)?.message ?? String(e)}); check the path or URL`, file);
  }
  return decodeCheckpoint(artifacts, { file });
}
