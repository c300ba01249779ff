import { SeededRandom, type SeededRandomState } from '@odl/backend';
import type { CompressorState } from '@odl/core';
import type { EpochRecord, TrainerState } from '../train/trainer';
import { CheckpointError } from './checkpoint-error';

/** The trainer state as stored in `userDefinedMetadata.odl.trainer` (tensors stored as weights). */
export interface StoredTrainer extends Omit<TrainerState, 'optimizer' | 'compressors'> {
  /** Optimizer updates applied. */
  optimizerIterations: number;
  /** Each compressed layer's plain values (`null` when stateless); its tensors are weights. */
  compressorValues: Record<string, CompressorState['values'] | null>;
  /**
   * Names of the trainer's tensors among the weights (`__optimizer/…`, `__compressor/…`), so the
   * manifest can be checked against them; absent in checkpoints of format version 1.
   */
  stateTensors?: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * Validates the stored trainer state of a checkpoint before it is returned: counters
 * (`step`, `epoch`, `stepInEpoch`, `optimizerIterations`) non-negative integers with
 * `stepInEpoch ≤ step`, `epochSeed` a uint32, loss and time sums numbers (`null`, JSON's NaN,
 * read back as NaN), both RNG states as `SeededRandom.setState` accepts them (4 uint32 words),
 * `history` one record per finished epoch (`history[i].epoch === i`, `history.length === epoch`),
 * compressor values plain JSON and `stateTensors` (when present) distinct trainer tensor names. Throws a {@link CheckpointError} naming the field.
 *
 * @example
 * ```ts
 * const trainer = checkStoredTrainer(JSON.parse(text).userDefinedMetadata.odl.trainer, 'ckpt/model.json');
 * trainer.step; // 7
 * ```
 */
export function checkStoredTrainer(raw: unknown, file?: string): StoredTrainer {
  const fail = (field: string, message: string): never => {
    throw new CheckpointError(`trainer state: ${field} ${message}; the checkpoint is corrupt, resume from another one or start afresh`, file);
  };
  if (!isRecord(raw)) return fail('', `is ${show(raw)}, not an object`);
  const count = (field: string): number => {
    const v = raw[field];
    if (!Number.isSafeInteger(v) || (v as number) < 0) fail(field, `is ${show(v)}; it must be a non-negative integer`);
    return v as number;
  };
  const real = (field: string, v: unknown): number => {
    if (v === null) return NaN;
    if (typeof v !== 'number') fail(field, `is ${show(v)}; it must be a number`);
    return v as number;
  };
  const rng = (field: string): SeededRandomState => {
    const v = raw[field];
    try {
      SeededRandom.fromState(v as SeededRandomState);
    } catch {
      fail(field, `is ${show(v)}; it must be a SeededRandom state (algorithm 'xoshiro128**', a key, 4 uint32 words not all zero, spareNormal null or finite)`);
    }
    const s = v as SeededRandomState;
    return { algorithm: s.algorithm, key: s.key, words: [...s.words] as SeededRandomState['words'], spareNormal: s.spareNormal };
  };
  const step = count('step');
  const epoch = count('epoch');
  const stepInEpoch = count('stepInEpoch');
  if (stepInEpoch > step) fail('stepInEpoch', `(${stepInEpoch}) exceeds step (${step})`);
  const epochSeed = count('epochSeed');
  if (epochSeed >= 2 ** 32) fail('epochSeed', `is ${epochSeed}; it must be a uint32`);
  const optimizerIterations = count('optimizerIterations');
  const epochLossSum = real('epochLossSum', raw.epochLossSum);
  const epochMsSum = real('epochMsSum', raw.epochMsSum);
  const orderRng = rng('orderRng');
  const augmentRng = rng('augmentRng');
  if (!Array.isArray(raw.history)) return fail('history', `is ${show(raw.history)}; it must be a list of epoch records`);
  if (raw.history.length !== epoch) fail('history', `holds ${raw.history.length} epochs, epoch is ${epoch}`);
  const history: EpochRecord[] = raw.history.map((h: unknown, i: number) => {
    const at = `history[${i}]`;
    if (!isRecord(h)) return fail(at, `is ${show(h)}, not an epoch record`);
    if (h.epoch !== i) fail(`${at}.epoch`, `is ${show(h.epoch)}, expected ${i}`);
    const record: EpochRecord = { epoch: i, loss: real(`${at}.loss`, h.loss), msPerStep: real(`${at}.msPerStep`, h.msPerStep), learningRate: real(`${at}.learningRate`, h.learningRate) };
    if (h.eval !== undefined) {
      const e = h.eval;
      if (!isRecord(e) || !Number.isSafeInteger(e.count) || (e.count as number) < 0) return fail(`${at}.eval`, `is ${show(e)}, not { top1, loss, count }`);
      const top1 = real(`${at}.eval.top1`, e.top1);
      if (!(top1 >= 0 && top1 <= 1)) fail(`${at}.eval.top1`, `is ${top1}; it must lie in [0, 1]`);
      record.eval = { top1, loss: real(`${at}.eval.loss`, e.loss), count: e.count as number };
      if (e.ms !== undefined) record.eval.ms = real(`${at}.eval.ms`, e.ms);
    }
    return record;
  });
  if (!isRecord(raw.compressorValues)) return fail('compressorValues', `is ${show(raw.compressorValues)}; it must be an object by layer`);
  const compressorValues: StoredTrainer['compressorValues'] = {};
  for (const [layer, values] of Object.entries(raw.compressorValues)) {
    if (values === null) {
      compressorValues[layer] = null;
      continue;
    }
    if (!isRecord(values)) return fail(`compressorValues['${layer}']`, `is ${show(values)}; it must be an object or null`);
    for (const [k, v] of Object.entries(values)) {
      const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
      if (!ok) fail(`compressorValues['${layer}'].${k}`, `is ${show(v)}; it must be a number, a list of numbers, a string, a boolean or null`);
    }
    compressorValues[layer] = structuredClone(values) as CompressorState['values'];
  }
  let stateTensors: string[] | undefined;
  if (raw.stateTensors !== undefined) {
    const names = raw.stateTensors;
    const ok = Array.isArray(names) && names.every((n) => typeof n === 'string' && (n.startsWith('__optimizer/') || n.startsWith('__compressor/'))) && new Set(names).size === names.length;
    if (!ok) fail('stateTensors', `is ${show(names)}; it must list distinct '__optimizer/…' and '__compressor/…' names`);
    stateTensors = [...(names as string[])];
  }
  return { step, epoch, stepInEpoch, epochSeed, epochLossSum, epochMsSum, orderRng, augmentRng, history, optimizerIterations, compressorValues, stateTensors };
}
