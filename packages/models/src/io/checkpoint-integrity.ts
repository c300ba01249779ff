import { crc32 } from '@odl/datasets';
import { CheckpointError } from './checkpoint-error';

/** CRC-32s a checkpoint (version 2 and later) records of itself, in `userDefinedMetadata.odl.integrity`. */
export interface CheckpointIntegrity {
  /** CRC-32 of the JSON text of `[modelTopology, weightSpecs, trainer, metadata]`. */
  contentCrc32: number;
  /** CRC-32 of the joined weight data. */
  weightsCrc32: number;
}

/** What the integrity CRCs cover: everything of a checkpoint but the CRCs themselves. */
export interface CheckpointParts {
  /** The topology (format, version, model config). */
  modelTopology: unknown;
  /** The weights manifest entries. */
  weightSpecs: unknown;
  /** The stored trainer state (or null). */
  trainer: unknown;
  /** The free-form metadata. */
  metadata: unknown;
  /** The joined weight data. */
  weights: Uint8Array;
}

/**
 * The CRC-32s of a checkpoint's content and weights. The content is hashed as the JSON text of
 * its plain parts, which a JSON (or structured-clone) round trip leaves unchanged.
 *
 * @example
 * ```ts
 * const integrity = checkpointIntegrity({ modelTopology, weightSpecs, trainer, metadata, weights });
 * ```
 */
export function checkpointIntegrity(parts: CheckpointParts): CheckpointIntegrity {
  const content = new TextEncoder().encode(JSON.stringify([parts.modelTopology, parts.weightSpecs, parts.trainer, parts.metadata]));
  return { contentCrc32: crc32(content), weightsCrc32: crc32(parts.weights) };
}

/**
 * Checks a checkpoint against the CRC-32s it recorded: throws a {@link CheckpointError} when
 * `recorded` is not a pair of uint32s or either CRC differs (a damaged file, or an edit made
 * without re-saving).
 *
 * @example
 * ```ts
 * verifyCheckpointIntegrity(odl.integrity, parts, './ckpt/model.json');
 * ```
 */
export function verifyCheckpointIntegrity(recorded: unknown, parts: CheckpointParts, file?: string): void {
  const r = recorded as Partial<CheckpointIntegrity> | null;
  const uint32 = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;
  if (r == null || typeof r !== 'object' || !uint32(r.contentCrc32) || !uint32(r.weightsCrc32)) {
    throw new CheckpointError(`the checkpoint's integrity record is ${JSON.stringify(recorded) ?? 'missing'}, not two CRC-32s; the checkpoint is corrupt`, file);
  }
  const content = checkpointIntegrity({ ...parts, weights: new Uint8Array(0) }).contentCrc32;
  if (content !== r.contentCrc32) {
    throw new CheckpointError(`the config, weights manifest, trainer state or metadata fail their CRC-32 check (recorded ${r.contentCrc32}, read ${content}); model.json is damaged or was edited by hand, re-save the checkpoint`, file);
  }
  const weights = crc32(parts.weights);
  if (weights !== r.weightsCrc32) {
    throw new CheckpointError(`the weight data fails its CRC-32 check (recorded ${r.weightsCrc32}, read ${weights}); the weights file is damaged, restore it from a backup or re-save`, file);
  }
}
