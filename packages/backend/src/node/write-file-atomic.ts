import { ArgumentError } from '../errors';

let counter = 0;

/**
 * Writes a whole file atomically (Node only): the data goes to a temporary file in the target's
 * folder (`.<name>.<pid>.<time>.<n>.tmp`), which is flushed to disk (fsync) and then renamed over
 * the target, so a reader sees the old file or the new one, never half of one. Creates the folder
 * if needed. On any failure the temporary file is removed and the target is left as it was.
 * Strings are written as UTF-8. Node's modules are loaded when it is called, so importing
 * `@odl/backend/node` in a browser bundle is harmless.
 *
 * @param path - the file to write (relative to the working folder, or absolute)
 * @param data - the whole content: a string (UTF-8) or bytes
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from '@odl/backend/node';
 * await writeFileAtomic('out/report.json', JSON.stringify(report, null, 2));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new ArgumentError(`writeFileAtomic: path must be a non-empty string, got ${JSON.stringify(path)}`);
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw new ArgumentError(`writeFileAtomic: data must be a string or a Uint8Array, got ${Object.prototype.toString.call(data)}`);
  }
  const { mkdir, open, rename, rm } = await import('node:fs/promises');
  const { basename, dirname, join } = await import('node:path');
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.${counter++}.tmp`);
  try {
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
