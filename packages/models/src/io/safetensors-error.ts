import { OdlError } from '@odl/backend';

/**
 * A safetensors file is malformed or uses an unsupported dtype (code `'safetensors'`). `file`
 * names the file when the caller gave one; the message names the tensor, the header field and
 * the fix.
 *
 * @example
 * ```ts
 * try { parseSafetensors(bytes, { file: 'resnet18.safetensors' }); }
 * catch (e) { if (e instanceof SafetensorsError) console.error(e.file, e.message); }
 * ```
 */
export class SafetensorsError extends OdlError {
  /** The file the problem was found in, when known. */
  readonly file?: string;

  constructor(message: string, file?: string) {
    super('safetensors', file ? `${file}: ${message}` : message);
    this.file = file;
  }
}
