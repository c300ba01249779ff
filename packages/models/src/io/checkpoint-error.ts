import { OdlError } from '@odl/backend';

/**
 * A checkpoint could not be written or read: missing, corrupt, or not matching the model its
 * config describes (code `'checkpoint'`). `file` names the file or folder when known; the
 * message names the tensor or field and the fix.
 *
 * @example
 * ```ts
 * try { await loadCheckpoint('./ckpt'); }
 * catch (e) { if (e instanceof CheckpointError) console.error(e.file, e.message); }
 * ```
 */
export class CheckpointError extends OdlError {
  /** The file or folder the problem was found in, when known. */
  readonly file?: string;

  constructor(message: string, file?: string) {
    super('checkpoint', file ? `${file}: ${message}` : message);
    this.file = file;
  }
}
