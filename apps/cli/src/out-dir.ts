// The output folder of a command, checked before any work: it must be a folder (or creatable),
// writable, and every file the command will write must be absent or one odl wrote before.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors';

/** A file (or folder) a command writes into its output folder. */
export interface OutputFile {
  /** Path inside the output folder. */
  name: string;
  /**
   * True when what exists at `path` was written by odl (so it may be replaced). Absent: the file
   * goes with the folder's first recognisable file (e.g. `report.md` with `report.json`).
   */
  isOdl?: (path: string) => boolean;
}

function fail(flag: string, dir: string, problem: string): never {
  throw new UsageError(`--${flag} ${dir}: ${problem}`);
}

/**
 * Creates `dir` and its missing parents one by one. (Node's `mkdir(…, { recursive: true })`
 * never returns for a path under /proc, where the parent exists but refuses new entries.)
 */
function makeFolder(flag: string, dir: string): void {
  const missing: string[] = [];
  for (let p = dir; ; ) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR') fail(flag, dir, 'a part of the path is a file, not a folder; choose a folder');
      if (code !== 'ENOENT') fail(flag, dir, `cannot be used (${(e as Error).message}); choose another folder`);
      missing.push(p);
      const up = dirname(p);
      if (up === p) break;
      p = up;
      continue;
    }
    if (!isDir) fail(flag, dir, p === dir ? 'is a file, not a folder; choose a folder (odl writes several files there)' : `${p} is a file, not a folder; choose a folder`);
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      fail(flag, dir, `cannot create ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a folder you can write to`);
    }
  }
}

/** Writes and removes a probe file: the folder must take new files. */
function checkWritable(flag: string, dir: string, abs: string): void {
  const probe = join(abs, `.odl-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
  } catch (e) {
    fail(flag, dir, `is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); choose a folder you can write to`);
  }
  rmSync(probe, { force: true });
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks the output folder of a command before it does any work, and creates it: `dir` must be
 * a folder or creatable, writable, and each of `files` that exists there must be one odl wrote
 * (recognised by its content), so that nothing else is overwritten. Problems are usage errors
 * (exit 2) naming the folder and the fix. Returns the absolute folder.
 *
 * @param flag - the option that named the folder, for messages (`'out'`)
 * @param dir - the folder as given
 * @param files - what the command will write there
 *
 * @example
 * ```ts
 * const out = prepareOutputFolder('out', o.out, [{ name: 'plan.json', isOdl: jsonMatching((j) => 'layerOptions' in j) }]);
 * ```
 */
export function prepareOutputFolder(flag: string, dir: string, files: readonly OutputFile[] = []): string {
  if (dir.trim() === '') fail(flag, dir, 'is empty; name a folder');
  const abs = resolve(dir);
  makeFolder(flag, abs);
  checkWritable(flag, dir, abs);
  const owner = files.find((f) => f.isOdl != null && exists(join(abs, f.name)));
  const ownerIsOdl = owner != null && owner.isOdl!(join(abs, owner.name));
  for (const f of files) {
    const path = join(abs, f.name);
    if (!exists(path)) continue;
    const ours = f.isOdl ? f.isOdl(path) : ownerIsOdl;
    if (!ours) fail(flag, dir, `${path} exists and was not written by odl; refusing to overwrite it. Choose another --${flag} or move that file away`);
  }
  return abs;
}

/**
 * A recogniser for {@link OutputFile.isOdl}: the file is JSON and `test` accepts the parsed object.
 *
 * @example
 * ```ts
 * const isReport = jsonMatching((j) => j.kind === 'odl-demo');
 * ```
 */
export function jsonMatching(test: (json: Record<string, unknown>) => boolean): (path: string) => boolean {
  return (path) => {
    try {
      const json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      return json != null && typeof json === 'object' && !Array.isArray(json) && test(json as Record<string, unknown>);
    } catch {
      return false;
    }
  };
}

/** The files `writePlot` of @odl/profiler writes for the plot `base`. */
export function plotFiles(base: string): OutputFile[] {
  return ['svg', 'csv', 'json'].map((ext) => ({ name: `${base}.${ext}` }));
}
