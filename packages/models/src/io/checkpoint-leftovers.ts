// The sibling folders an atomic folder save leaves when it is interrupted: `<dir>.tmp-<tag>` (a
// save being written) and `<dir>.old-<tag>` (the previous checkpoint, moved aside for the swap).
// Tags are `<pid>-<time>-<random>`, so a leftover of a process that is gone is known to be stale.

/** One leftover folder of an interrupted save. */
export interface Leftover {
  /** Absolute path. */
  path: string;
  /** `tmp`: a new save being written; `old`: a previous checkpoint moved aside. */
  kind: 'tmp' | 'old';
  /** Process id of the save that made it. */
  pid: number;
  /** The save's tag (`<pid>-<time>-<random>`). */
  tag: string;
}

/** Tags of the saves this process has in progress (their folders are never stale). */
export const savesInFlight = new Set<string>();

/**
 * A fresh tag for a save by this process.
 *
 * @example
 * ```ts
 * const tag = newSaveTag(); // '4242-lx3k2a-1b9f0c'
 * ```
 */
export function newSaveTag(): string {
  return `${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/**
 * The leftover folders of saves to `abs` (an absolute folder path), in no particular order.
 *
 * @example
 * ```ts
 * const leftovers = await listLeftovers('/data/ckpt'); // [{ path: '/data/ckpt.old-…', kind: 'old', … }]
 * ```
 */
export async function listLeftovers(abs: string): Promise<Leftover[]> {
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  const base = path.basename(abs);
  const names = await fs.readdir(path.dirname(abs)).catch(() => [] as string[]);
  const out: Leftover[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const m = /^\.(tmp|old)-((\d+)-[0-9a-z]+-[0-9a-z]+)$/.exec(name.slice(base.length));
    if (m) out.push({ path: path.join(path.dirname(abs), name), kind: m[1] as Leftover['kind'], pid: Number(m[3]), tag: m[2]! });
  }
  return out;
}

/**
 * True when the save that made `l` is over: this process's save that is no longer in flight,
 * or another process that no longer runs.
 *
 * @example
 * ```ts
 * const stale = (await listLeftovers(abs)).filter(isStale);
 * ```
 */
export function isStale(l: Leftover): boolean {
  if (l.pid === process.pid) return !savesInFlight.has(l.tag);
  try {
    process.kill(l.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

/**
 * Removes the stale leftovers of saves to `abs` (best effort: a folder that cannot be removed
 * stays), except `keep`. Returns the paths removed.
 *
 * @example
 * ```ts
 * await removeStaleLeftovers('/data/ckpt');
 * ```
 */
export async function removeStaleLeftovers(abs: string, keep?: string): Promise<string[]> {
  const fs = await import('node:fs/promises');
  const removed: string[] = [];
  for (const l of await listLeftovers(abs)) {
    if (l.path === keep || !isStale(l)) continue;
    try {
      await fs.rm(l.path, { recursive: true, force: true });
      removed.push(l.path);
    } catch {
      // left for the next save or load
    }
  }
  return removed;
}
