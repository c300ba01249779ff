import type { ZooModel } from '../zoo/model';
import { CheckpointError } from './checkpoint-error';
import type { CheckedSpec } from './checkpoint-manifest';
import type { StoredTrainer } from './checkpoint-trainer';

/** Name prefix of optimizer slots among a checkpoint's weights. */
export const OPT_PREFIX = '__optimizer/';
/** Name prefix of compressor tensors among a checkpoint's weights. */
export const COMP_PREFIX = '__compressor/';

const SLOT_KINDS: Record<string, string> = { momentum: 'sgd', m: 'adam', v: 'adam' };

/**
 * Checks a validated weights manifest against the model built from the checkpoint's config,
 * before any weight is decoded: every model weight present as float32 with the model's shape;
 * optimizer slots (`__optimizer/<weight>/<momentum|m|v>`) float32, of a layer of the model, of
 * the weight's shape when it is a plain model weight, one optimizer kind throughout and Adam's
 * `m` and `v` in pairs; compressor tensors (`__compressor/<layer>/<key>`) of a layer whose
 * stored compressor state is not null; `__` entries only with a trainer state; nothing else.
 * Throws a {@link CheckpointError} naming the tensor.
 *
 * @example
 * ```ts
 * matchSpecsToModel(contents.specs, model, contents.trainer, './ckpt/model.json');
 * ```
 */
export function matchSpecsToModel(specs: CheckedSpec[], model: ZooModel, trainer: StoredTrainer | null, file?: string): void {
  const fail = (message: string): never => {
    throw new CheckpointError(message, file);
  };
  const arch = model.config.architecture;
  const own = model.namedWeights();
  const layers = new Set(model.layers().map((l) => l.name));
  const byName = new Map(specs.map((s) => [s.name, s]));
  const missing = [...own.keys()].filter((k) => !byName.has(k));
  if (missing.length > 0) fail(`weights missing for ${arch}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? `, … (${missing.length} in all)` : ''}; the checkpoint is corrupt or its config was edited`);
  const slotsByWeight = new Map<string, Set<string>>();
  for (const s of specs) {
    const where = `weight '${s.name}'`;
    const v = own.get(s.name);
    if (v) {
      if (s.dtype !== 'float32') fail(`${where} is stored as ${s.dtype}; model weights are float32, the weights manifest is corrupt`);
      if (s.shape.length !== v.shape.length || s.shape.some((d, i) => d !== v.shape[i])) fail(`${where} has shape [${s.shape.join(', ')}], ${arch} (from the checkpoint's config) expects [${v.shape.join(', ')}]; the checkpoint is corrupt`);
      continue;
    }
    if (!s.name.startsWith('__')) fail(`${where} is not a weight of ${arch} (from the checkpoint's config); the checkpoint is corrupt or its config was edited`);
    if (trainer == null) fail(`${where} is trainer state, but the checkpoint holds none; the checkpoint is corrupt`);
    if (s.name.startsWith(OPT_PREFIX)) {
      const rest = s.name.slice(OPT_PREFIX.length);
      const cut = rest.lastIndexOf('/');
      const weight = rest.slice(0, cut);
      const slot = rest.slice(cut + 1);
      const ofLayer = [...layers].some((l) => weight.startsWith(`${l}.`) && weight.length > l.length + 1);
      if (cut < 0 || !Object.hasOwn(SLOT_KINDS, slot) || !ofLayer) fail(`${where} is not an optimizer slot '<weight>/<momentum|m|v>' of a layer of ${arch}; the checkpoint is corrupt`);
      if (s.dtype !== 'float32') fail(`${where} is stored as ${s.dtype}; optimizer slots are float32`);
      const w = own.get(weight);
      if (w && (s.shape.length !== w.shape.length || s.shape.some((d, i) => d !== w.shape[i]))) fail(`${where} has shape [${s.shape.join(', ')}], its weight has [${w.shape.join(', ')}]; the checkpoint is corrupt`);
      const set = slotsByWeight.get(weight) ?? new Set<string>();
      set.add(slot);
      slotsByWeight.set(weight, set);
      continue;
    }
    if (s.name.startsWith(COMP_PREFIX)) {
      const rest = s.name.slice(COMP_PREFIX.length);
      const cut = rest.lastIndexOf('/');
      const layer = rest.slice(0, cut);
      if (cut <= 0 || cut === rest.length - 1 || !layers.has(layer)) fail(`${where} is not a compressor tensor '<layer>/<name>' of a layer of ${arch}; the checkpoint is corrupt`);
      if (trainer!.compressorValues[layer] == null) fail(`${where} belongs to layer '${layer}', which has no compressor state in the trainer state; the checkpoint is corrupt`);
      continue;
    }
    fail(`${where} is neither a weight of ${arch} nor trainer state; the checkpoint is corrupt`);
  }
  if (trainer?.stateTensors) {
    const listed = new Set(trainer.stateTensors);
    const stored = specs.filter((s) => s.name.startsWith('__')).map((s) => s.name);
    const unlisted = stored.filter((n) => !listed.has(n));
    const absent = trainer.stateTensors.filter((n) => !byName.has(n));
    if (unlisted.length || absent.length) {
      fail(`the trainer state lists other tensors than the weights manifest holds (${[...unlisted.map((n) => `unlisted '${n}'`), ...absent.map((n) => `missing '${n}'`)].slice(0, 4).join(', ')}); the checkpoint is corrupt`);
    }
  }
  const kinds = new Set<string>();
  for (const [weight, slots] of slotsByWeight) {
    for (const s of slots) kinds.add(SLOT_KINDS[s]!);
    if (slots.has('m') !== slots.has('v')) fail(`optimizer slots of '${weight}' hold ${[...slots].join(' and ')}; Adam stores m and v together, the checkpoint is corrupt`);
  }
  if (kinds.size > 1) fail('optimizer slots mix SGD momentum and Adam moments; the checkpoint is corrupt');
  for (const layer of Object.keys(trainer?.compressorValues ?? {})) {
    if (!layers.has(layer)) fail(`the trainer state has compressor state for '${layer}', not a layer of ${arch}; the checkpoint is corrupt`);
  }
}
