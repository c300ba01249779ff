import { OdlError } from '@odl/backend';

/**
 * A PyTorch `.pth` file is malformed, truncated, or holds something this reader does not load
 * (code `'torch-file'`). `file` names the file when the caller gave one; the message names the
 * zip entry, pickle opcode or tensor at fault and the fix.
 *
 * @example
 * ```ts
 * try { parsePth(bytes, { file: 'resnet18.pth' }); }
 * catch (e) { if (e instanceof TorchFileError) console.error(e.file, e.message); }
 * ```
 */
export class TorchFileError extends OdlError {
  /** The file the problem was found in, when known. */
  readonly file?: string;

  constructor(message: string, file?: string) {
    super('torch-file', file ? `${file}: ${message}` : message);
    this.file = file;
  }
}
