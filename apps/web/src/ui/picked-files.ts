// What the page does with a picked or dropped folder before reading any file: hidden files
// (`.DS_Store`, `.git/…`) are dropped silently, files that are not images by their extension are
// listed as skipped (so their bytes are never read), and the picked folder's own name is taken
// off every path. Pure functions of the paths.
import { USER_IMAGE_EXTENSIONS, type SkippedFile } from '../protocol';

/**
 * Paths as `class/file`: a picked or dropped folder `pets/` gives `pets/cat/1.jpg`; its shared
 * top folder is dropped. Paths that already are `class/file` stay.
 */
export function withoutSharedRoot(paths: string[]): string[] {
  const parts = paths.map((p) => p.split('/').filter(Boolean));
  const top = parts[0]?.[0];
  const shared = parts.length > 0 && parts.every((p) => p.length >= 3 && p[0] === top);
  return parts.map((p) => (shared ? p.slice(1) : p).join('/'));
}

/** The picked files sorted: which to read as images (by index into the input) and which to skip. */
export interface PickedFiles {
  /** Files to read: index into the given paths, and the path without the picked folder. */
  images: { index: number; path: string }[];
  /** Files left out by their name, with the reason. */
  ignored: SkippedFile[];
}

function extension(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** Sorts the relative paths of a picked or dropped folder (see the file's comment). */
export function sortPickedFiles(paths: readonly string[]): PickedFiles {
  const visible = paths.map((p, index) => ({ p, index })).filter(({ p }) => !p.split('/').some((s) => s.startsWith('.')));
  const stripped = withoutSharedRoot(visible.map((v) => v.p));
  const out: PickedFiles = { images: [], ignored: [] };
  visible.forEach(({ index }, k) => {
    const path = stripped[k];
    const ext = extension(path);
    if (USER_IMAGE_EXTENSIONS.includes(ext)) out.images.push({ index, path });
    else out.ignored.push({ path, reason: `not an image file (${ext === '' ? 'no extension' : ext}); images are ${USER_IMAGE_EXTENSIONS.join(' ')}` });
  });
  return out;
}
