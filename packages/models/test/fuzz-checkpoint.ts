// Seeded corrupt checkpoints and their judging against the weights that were saved: shared by
// the fuzz test and scripts/fuzz.ts (long mode). Inputs are the two files of a checkpoint folder
// (model.json, weights.bin), damaged byte-wise (mutateBytes) or edited as JSON; edited files get
// their CRC-32s re-stamped, so the structural checks behind the CRCs are what is judged.
import { OdlError, SeededRandom, tf } from '@odl/backend';
import {
  checkpointIntegrity, CheckpointError, decodeCheckpoint, encodeCheckpoint, mcunetIn1, modelFiles, parseModelJson, prepareFineTune, Trainer,
  type LoadedCheckpoint, type TrainerConfig,
} from '@odl/models';
import { bandImages, emptyFuzzCounts, judgeFuzzCase, mutateBytes, type FuzzCounts, type FuzzVerdict } from '@odl/test-utils';

/** A saved checkpoint as its two files, with what it holds (the reference). */
export interface CheckpointFixture {
  modelJson: Uint8Array;
  weights: Uint8Array;
  /** Every saved tensor's dtype and bytes by name (model weights, `__optimizer/…`, `__compressor/…`). */
  tensors: Map<string, { dtype: string; bytes: Uint8Array }>;
  /** The JSON text of the stored trainer state and metadata. */
  trainerJson: string;
  metadataJson: string;
}

const bytesOf = (t: tf.Tensor): Uint8Array => {
  const d = t.dataSync();
  return new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
};
const entryOf = (t: tf.Tensor) => ({ dtype: t.dtype as string, bytes: bytesOf(t) });

/**
 * A small MCUNet-in1 (1 channel, 3 classes), fine-tuned 3 steps with ASI (int8 codes) and SGD
 * momentum, saved with its trainer state: the valid checkpoint every input is derived from.
 * Needs a backend (`setupBackend`).
 */
export async function checkpointFixture(): Promise<CheckpointFixture> {
  const model = mcunetIn1({ inputChannels: 1, numClasses: 3, seed: 3 });
  const layer = { ranks: [3, 1, 1, 6], storage: 'int8' as const };
  prepareFineTune(model, {
    lastN: 2, classifier: 'method', inputShape: [8, 32, 32, 1], method: 'asi', freshHead: true, numClasses: 3, seed: 4,
    perLayerOptions: { 'features.14.conv.2': layer, classifier: { ranks: [3, 6], storage: 'int8' } },
  });
  const config: TrainerConfig = {
    optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 }, epochs: 1, batchSize: 8, seed: 11,
    input: { height: 32, width: 32, channels: 1 },
  };
  const trainer = new Trainer(model, config);
  await trainer.fit(bandImages(40, 28, 3, 7), { stopAtStep: 3 });
  const state = trainer.getState();
  const artifacts = await encodeCheckpoint(model, { trainerState: state, metadata: { note: 'fuzz', top1: 0.5 } });
  const tensors: CheckpointFixture['tensors'] = new Map();
  for (const [k, v] of model.namedWeights()) tensors.set(k, entryOf(v));
  for (const [k, v] of Object.entries(state.optimizer.slots)) tensors.set(`__optimizer/${k}`, entryOf(v));
  for (const [layerName, cs] of Object.entries(state.compressors)) if (cs) for (const [k, v] of Object.entries(cs.tensors)) tensors.set(`__compressor/${layerName}/${k}`, entryOf(v));
  Trainer.disposeState(state);
  trainer.dispose();
  model.dispose();
  const odl = (artifacts.userDefinedMetadata as { odl: { trainer: unknown; metadata: unknown } }).odl;
  const files = modelFiles(artifacts);
  return {
    modelJson: new TextEncoder().encode(files.modelJson),
    weights: new Uint8Array(files.weights),
    tensors,
    trainerJson: JSON.stringify(odl.trainer),
    metadataJson: JSON.stringify(odl.metadata),
  };
}

/** One corrupt checkpoint input. */
export interface CheckpointCase {
  modelJson: Uint8Array;
  weights: Uint8Array;
  description: string;
  /** True when the CRC-32s were re-stamped after the edit (only weights are then judged). */
  restamped: boolean;
}

type Json = Record<string, any>;  

const weightCrcs = new WeakMap<Uint8Array, number>();

/**
 * Recomputes the integrity record of an edited model.json object (when its structure allows);
 * with `legacy`, makes it a version-1 checkpoint instead, which has none.
 */
function restamp(json: Json, weights: Uint8Array, legacy = false): void {
  const odl = json?.userDefinedMetadata?.odl;
  if (odl == null || typeof odl !== 'object') return;
  if (legacy && json.modelTopology && typeof json.modelTopology === 'object') {
    json.modelTopology.version = 1;
    delete odl.integrity;
    if (odl.trainer && typeof odl.trainer === 'object') delete odl.trainer.stateTensors;
    return;
  }
  const groups = Array.isArray(json.weightsManifest) ? json.weightsManifest : [];
  const specs = groups.flatMap((g: Json) => (g && Array.isArray(g.weights) ? g.weights : []));
  const parts = { modelTopology: json.modelTopology, weightSpecs: specs, trainer: odl.trainer ?? null, metadata: odl.metadata ?? {} };
  let weightsCrc32 = weightCrcs.get(weights);
  if (weightsCrc32 === undefined) weightCrcs.set(weights, (weightsCrc32 = checkpointIntegrity({ ...parts, weights }).weightsCrc32));
  odl.integrity = { contentCrc32: checkpointIntegrity({ ...parts, weights: new Uint8Array(0) }).contentCrc32, weightsCrc32 };
}

/**
 * Applies `edit` to a model.json text and re-stamps its CRC-32s (or, with `legacy`, makes it a
 * version-1 checkpoint without them): a consistent checkpoint whose only fault is the edit.
 */
export function editModelJson(modelJson: Uint8Array, weights: Uint8Array, edit: (json: Json) => void, legacy = false): Uint8Array {
  const json = JSON.parse(new TextDecoder().decode(modelJson)) as Json;
  edit(json);
  restamp(json, weights, legacy);
  return new TextEncoder().encode(JSON.stringify(json));
}

const pick = <T>(rng: SeededRandom, items: readonly T[]): T => items[rng.nextInt(items.length)]!;

/** Semantic edits: null structures, config and manifest lies, corrupt trainer states. */
function semanticEdit(json: Json, rng: SeededRandom, weights: Uint8Array): { weights: Uint8Array; description: string } {
  const group = json.weightsManifest[0];
  const specs: Json[] = group.weights;
  const spec = pick(rng, specs.filter((s) => !s.name.startsWith('__')));
  const anySpec = pick(rng, specs);
  const tr = json.userDefinedMetadata.odl.trainer;
  const rngField = pick(rng, ['orderRng', 'augmentRng']);
  const cfg = json.modelTopology.config;
  const counter = pick(rng, ['step', 'epoch', 'stepInEpoch', 'epochSeed', 'optimizerIterations']);
  const compLayer = pick(rng, Object.keys(tr.compressorValues));
  let w = weights;
  const edits: [string, () => void][] = [
    ['modelTopology null', () => (json.modelTopology = null)],
    ['modelTopology []', () => (json.modelTopology = [])],
    ['config null', () => (cfg && (json.modelTopology.config = null))],
    ['config numClasses 1e9', () => (cfg.numClasses = 1e9)],
    ['config numClasses 4', () => (cfg.numClasses = 4)],
    ['config numClasses -3', () => (cfg.numClasses = -3)],
    ['config inputChannels 3', () => (cfg.inputChannels = 3)],
    ['config inputChannels 0.5', () => (cfg.inputChannels = 0.5)],
    ['config architecture resnet18', () => (cfg.architecture = 'resnet18')],
    ['config architecture mobilenetv2', () => (cfg.architecture = 'mobilenetv2')],
    ['config architecture toString', () => (cfg.architecture = 'toString')],
    ['config widthMultiplier 1e6', () => (cfg.widthMultiplier = 1e6)],
    ['config seed "x"', () => (cfg.seed = 'x')],
    ['config seed 5 (harmless)', () => (cfg.seed = 5)],
    ['config batchNormEpsilon -1', () => (cfg.batchNormEpsilon = -1)],
    ['config batchNormEpsilon "1e-3"', () => (cfg.batchNormEpsilon = '1e-3')],
    ['config batchNormEpsilon 1e-3 (harmless)', () => (cfg.batchNormEpsilon = 1e-3)],
    ['version 1 without integrity (legacy, valid)', () => ((json.modelTopology.version = 1), delete json.userDefinedMetadata.odl.integrity)],
    ['version 3', () => (json.modelTopology.version = 3)],
    ['weightsManifest null', () => (json.weightsManifest = null)],
    ['weightsManifest [null]', () => (json.weightsManifest = [null])],
    ['paths null', () => (group.paths = null)],
    ['weights null', () => (group.weights = null)],
    ['spec null', () => ((specs as unknown[])[specs.indexOf(anySpec)] = null)],
    ['spec dtype int32 (float data)', () => (spec.dtype = 'int32')],
    ['spec dtype bool', () => (spec.dtype = 'bool')],
    ['spec dtype string', () => (spec.dtype = 'string')],
    ['spec dtype float16', () => (spec.dtype = 'float16')],
    ['spec shape reversed', () => spec.shape.reverse()],
    ['spec shape +1', () => (spec.shape[0] += 1)],
    ['spec shape negative', () => (spec.shape[0] = -spec.shape[0])],
    ['spec shape fractional', () => (spec.shape = [spec.shape.reduce((a: number, b: number) => a * b, 1) / 2, 2])],
    ['spec shape strings', () => (spec.shape = spec.shape.map(String))],
    ['spec shape null', () => (spec.shape = null)],
    ['spec name duplicate', () => (spec.name = specs[0]!.name)],
    ['spec renamed', () => (spec.name = `${spec.name}x`)],
    ['spec removed', () => specs.splice(specs.indexOf(anySpec), 1)],
    ['spec quantized', () => (spec.quantization = { dtype: 'uint8', scale: 1, min: 0 })],
    ['weights appended', () => (w = new Uint8Array([...weights, 0, 0, 0, 0]))],
    ['weights truncated', () => (w = weights.slice(0, weights.length - 4))],
    ['trainer null', () => (json.userDefinedMetadata.odl.trainer = null)],
    ['trainer []', () => (json.userDefinedMetadata.odl.trainer = [])],
    [`trainer ${counter} -5`, () => (tr[counter] = -5)],
    [`trainer ${counter} 2.5`, () => (tr[counter] = 2.5)],
    [`trainer ${counter} "7"`, () => (tr[counter] = '7')],
    ['trainer stepInEpoch > step', () => (tr.stepInEpoch = tr.step + 1)],
    ['trainer epochLossSum "x"', () => (tr.epochLossSum = 'x')],
    [`trainer ${rngField} null`, () => (tr[rngField] = null)],
    [`trainer ${rngField}.words 5`, () => (tr[rngField].words = 5)],
    [`trainer ${rngField}.words length 3`, () => tr[rngField].words.pop()],
    [`trainer ${rngField}.words negative`, () => (tr[rngField].words[1] = -1)],
    [`trainer ${rngField}.words 2^32`, () => (tr[rngField].words[2] = 2 ** 32)],
    [`trainer ${rngField}.words zeros`, () => (tr[rngField].words = [0, 0, 0, 0])],
    [`trainer ${rngField}.words strings`, () => (tr[rngField].words = tr[rngField].words.map(String))],
    [`trainer ${rngField}.algorithm`, () => (tr[rngField].algorithm = 'mt19937')],
    [`trainer ${rngField}.spareNormal "x"`, () => (tr[rngField].spareNormal = 'x')],
    ['trainer history null', () => (tr.history = null)],
    ['trainer history extra epoch', () => (tr.history = [{ epoch: 0, loss: 1, msPerStep: 1, learningRate: 0.1 }])],
    ['trainer compressorValues null', () => (tr.compressorValues = null)],
    [`trainer compressorValues['${compLayer}'] null (tensors orphaned)`, () => (tr.compressorValues[compLayer] = null)],
    [`trainer compressorValues['${compLayer}'] removed`, () => delete tr.compressorValues[compLayer]],
    ['trainer compressor for a missing layer', () => (tr.compressorValues['features.99'] = {})],
    ['trainer compressor value object', () => (tr.compressorValues[compLayer] = { x: { y: 1 } })],
    ['optimizer slot renamed to adam m', () => { const s = specs.find((x) => x.name.endsWith('/momentum')); if (s) s.name = s.name.replace(/momentum$/, 'm'); }],
    ['optimizer slot of an unknown layer', () => { const s = specs.find((x) => x.name.startsWith('__optimizer/')); if (s) s.name = '__optimizer/features.99.weight/momentum'; }],
    ['compressor tensor of an unknown layer', () => { const s = specs.find((x) => x.name.startsWith('__compressor/')); if (s) s.name = '__compressor/features.99/U1'; }],
    ['stateTensors entry renamed', () => (tr.stateTensors[rng.nextInt(tr.stateTensors.length)] += 'x')],
    ['stateTensors null', () => (tr.stateTensors = null)],
    ['stateTensors removed', () => delete tr.stateTensors],
    ['optimizer slot weight renamed', () => { const s = specs.find((x) => x.name.startsWith('__optimizer/')); if (s) s.name = s.name.replace('.weight/', '.weighu/'); }],
    ['metadata null (harmless)', () => (json.userDefinedMetadata.odl.metadata = null)],
    ['metadata []', () => (json.userDefinedMetadata.odl.metadata = [])],
    ['odl null', () => (json.userDefinedMetadata.odl = null)],
    ['userDefinedMetadata 5', () => (json.userDefinedMetadata = 5)],
  ];
  const [description, edit] = pick(rng, edits);
  edit();
  return { weights: w, description };
}

/**
 * The `count` seeded inputs derived from `fixture`: byte damage to model.json or weights.bin
 * (caught by the CRC-32s or the structure), the same damage to model.json with the CRC-32s
 * re-stamped, and JSON edits (re-stamped, or as version-1 checkpoints without CRC-32s).
 * `editsOnly` draws only JSON edits; `legacy` fixes their form (version 1 or re-stamped).
 */
export function* checkpointCases(
  fixture: CheckpointFixture,
  count: number,
  seed: string | number = 'checkpoint-fuzz',
  options: { editsOnly?: boolean; legacy?: boolean } = {},
): Generator<CheckpointCase> {
  const rng = new SeededRandom(seed);
  const text = new TextDecoder().decode(fixture.modelJson);
  for (let i = 0; i < count; i++) {
    const r = options.editsOnly ? 1 : rng.nextFloat();
    if (r < 0.3) {
      const m = mutateBytes(fixture.modelJson, rng, { headerBytes: fixture.modelJson.length });
      yield { modelJson: m.bytes, weights: fixture.weights, description: `model.json: ${m.description}`, restamped: false };
    } else if (r < 0.4) {
      const m = mutateBytes(fixture.weights, rng);
      yield { modelJson: fixture.modelJson, weights: m.bytes, description: `weights.bin: ${m.description}`, restamped: false };
    } else if (r < 0.6) {
      const m = mutateBytes(fixture.modelJson, rng, { headerBytes: fixture.modelJson.length });
      let json: Json | undefined;
      try {
        json = JSON.parse(new TextDecoder().decode(m.bytes));
      } catch {
        json = undefined;
      }
      const out = json !== undefined && json !== null && typeof json === 'object' ? (restamp(json, fixture.weights), new TextEncoder().encode(JSON.stringify(json))) : m.bytes;
      yield { modelJson: out, weights: fixture.weights, description: `model.json, re-stamped: ${m.description}`, restamped: true };
    } else {
      const json = JSON.parse(text) as Json;
      const e = semanticEdit(json, rng, fixture.weights);
      // version 1 records no list of trainer tensors: a renamed one is undetectable there, by design
      const legacy = (options.legacy ?? rng.nextFloat() < 0.5) && !/stateTensors|slot weight renamed/.test(e.description);
      restamp(json, e.weights, legacy);
      yield { modelJson: new TextEncoder().encode(JSON.stringify(json)), weights: e.weights, description: `edit${legacy ? ' (as version 1)' : ''}: ${e.description}`, restamped: true };
    }
  }
}

/** Loads a case the way `fileHandler` + `loadCheckpoint` do, from memory. */
export function loadCase(c: { modelJson: Uint8Array; weights: Uint8Array }): LoadedCheckpoint {
  const { artifacts, paths } = parseModelJson(new TextDecoder().decode(c.modelJson), 'fuzz/model.json');
  if (paths.length !== 1 || paths[0] !== './weights.bin') throw new CheckpointError(`weights files ${JSON.stringify(paths)} are not the one weights.bin`, 'fuzz/model.json');
  const w = c.weights;
  const buffer = w.byteOffset === 0 && w.byteLength === w.buffer.byteLength ? (w.buffer as ArrayBuffer) : (w.slice().buffer as ArrayBuffer);
  return decodeCheckpoint({ ...artifacts, weightData: buffer }, { file: 'fuzz' });
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** What differs between a loaded checkpoint and the fixture (null when nothing). */
export function compareWithFixture(got: LoadedCheckpoint, fixture: CheckpointFixture, full: boolean): string | null {
  const loaded = new Map<string, tf.Tensor>(got.model.namedWeights());
  const s = got.trainerState;
  if (!s) return 'the trainer state is gone';
  for (const [k, v] of Object.entries(s.optimizer.slots)) loaded.set(`__optimizer/${k}`, v);
  for (const [layer, cs] of Object.entries(s.compressors)) for (const [k, v] of Object.entries(cs?.tensors ?? {})) loaded.set(`__compressor/${layer}/${k}`, v);
  if (loaded.size !== fixture.tensors.size) return `${loaded.size} tensors loaded, ${fixture.tensors.size} saved`;
  for (const [k, v] of loaded) {
    const ref = fixture.tensors.get(k);
    if (!ref) return `tensor '${k}' was not saved`;
    if (v.dtype !== ref.dtype || !sameBytes(bytesOf(v), ref.bytes)) return `tensor '${k}' differs from the one saved`;
  }
  if (full) {
    const { optimizer, compressors, ...rest } = s;
    const values = Object.fromEntries(Object.entries(compressors).map(([k, v]) => [k, v ? v.values : null]));
    const stored = JSON.stringify({ ...rest, optimizerIterations: optimizer.iterations, compressorValues: values });
    const norm = (t: string) => JSON.stringify(sortKeys(JSON.parse(t)));
    const { stateTensors: _names, ...saved } = JSON.parse(fixture.trainerJson) as Record<string, unknown>;
    if (norm(stored) !== norm(JSON.stringify(saved))) return 'the trainer state differs from the one saved';
    if (JSON.stringify(sortKeys(got.metadata)) !== JSON.stringify(sortKeys(JSON.parse(fixture.metadataJson)))) return 'the metadata differs from what was saved';
  }
  return null;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** Releases a loaded checkpoint's model and trainer state. */
export function releaseLoaded(got: LoadedCheckpoint | undefined): void {
  if (!got) return;
  got.model.dispose();
  if (got.trainerState) Trainer.disposeState(got.trainerState);
}

/**
 * Judges one case: a `CheckpointError` (typed), or a load that gives exactly the saved
 * tensors (and, for inputs whose CRC-32s were not re-stamped, the saved trainer values and
 * metadata too). A case that leaves tensors behind is judged `'accepted-wrong'`.
 */
export async function judgeCheckpoint(c: CheckpointCase, fixture: CheckpointFixture): Promise<FuzzVerdict> {
  const before = tf.memory().numTensors;
  const v = await judgeFuzzCase({
    run: () => loadCase(c),
    isTyped: (e) => e instanceof CheckpointError && e instanceof OdlError,
    check: (got) => compareWithFixture(got, fixture, !c.restamped),
    release: releaseLoaded,
  });
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0 && v.outcome !== 'untyped-error') return { outcome: 'accepted-wrong', detail: `${leaked} tensors left behind (${v.outcome})`, ms: v.ms };
  return v;
}

/** Runs `count` cases; returns the counts and the first failures (up to 10). */
export async function fuzzCheckpoints(fixture: CheckpointFixture, count: number, seed?: string | number): Promise<{ counts: FuzzCounts; failures: string[] }> {
  const counts = emptyFuzzCounts();
  const failures: string[] = [];
  for (const c of checkpointCases(fixture, count, seed)) {
    const v = await judgeCheckpoint(c, fixture);
    counts.inputs++;
    counts[v.outcome]++;
    if (v.outcome !== 'typed-error' && v.outcome !== 'accepted-correct' && failures.length < 10) failures.push(`${v.outcome}: ${c.description}: ${v.detail}`);
  }
  return { counts, failures };
}
