// The user's files, checked when they are given rather than when a run starts: every image is
// decoded once with @odl/datasets' decoder (its PNG and JPEG structure checks first), and a file
// that fails is listed with the reason and left out, so a run uses the good ones. What remains is
// judged the way a run uses it (two classes at least, some images held out for evaluation).
import { DatasetError, indexImageFolder, memoryFileSource, ratioSplit, type FolderIndex, type ImageDecoder } from '@odl/datasets';
import { NO_USER_IMAGES, USER_IMAGE_EXTENSIONS, type SkippedFile, type UserDataSummary } from '../protocol';

/** Root named in the datasets' messages about the user's files. */
export const USER_ROOT = 'your images';

/** Share of each class a run trains on; the rest is held out for evaluation. */
export const USER_TRAIN_RATIO = 0.8;

/** The good files (by path) and the skipped ones. */
export interface CheckedFiles {
  /** Files that decoded, by path `class/…/name.ext`. */
  good: Record<string, Uint8Array>;
  /** Files left out, with the reason, in the order given. */
  skipped: SkippedFile[];
}

function reasonOf(e: unknown): string {
  if (e instanceof DatasetError) return e.detail;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Decodes every file with `decoder` and sorts them into good and skipped. A file outside a class
 * folder (no `class/` in its path) is skipped without decoding; nothing throws for a bad file.
 */
export async function checkUserFiles(files: readonly { path: string; bytes: Uint8Array }[], decoder: ImageDecoder): Promise<CheckedFiles> {
  const good: Record<string, Uint8Array> = {};
  const skipped: SkippedFile[] = [];
  for (const { path, bytes } of files) {
    if (!path.includes('/')) {
      skipped.push({ path, reason: 'not inside a class folder; put each image in a subfolder named after its class' });
      continue;
    }
    try {
      await decoder.decode(bytes, `${USER_ROOT}/${path}`);
      good[path] = bytes;
    } catch (e) {
      skipped.push({ path, reason: reasonOf(e) });
    }
  }
  return { good, skipped };
}

/** The classes of the good files, as a run reads them (null when there is none). */
export async function indexUserFiles(good: Record<string, Uint8Array>): Promise<FolderIndex | null> {
  if (Object.keys(good).length === 0) return null;
  return indexImageFolder(memoryFileSource(good, USER_ROOT), { maxImbalance: Infinity, extensions: [...USER_IMAGE_EXTENSIONS] });
}

/** Why a run cannot train on these images (null when it can); `given` is how many files were given. */
export function userDataProblem(index: FolderIndex | null, given: number, seed = 0): string | null {
  if (index == null || index.files.length === 0) {
    return given === 0 ? NO_USER_IMAGES : `none of the ${given} files is a usable image; see the skipped files`;
  }
  if (index.classNames.length < 2) {
    return `your usable images are all in one class ('${index.classNames[0]}'); training needs at least two class folders (labels)`;
  }
  const { val } = ratioSplit(index.files.map((f) => f.label), { ratio: USER_TRAIN_RATIO, seed });
  if (val.length === 0) return 'too few usable images to hold any out for evaluation; add a few more per class';
  return null;
}

/** The summary the page shows: usable images per class, skipped files (sorted by path) and the problem. */
export function userDataSummary(index: FolderIndex | null, skipped: readonly SkippedFile[], given: number): UserDataSummary {
  return {
    classNames: index?.classNames ?? [],
    counts: index?.counts ?? [],
    total: index?.files.length ?? 0,
    skipped: [...skipped].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    problem: userDataProblem(index, given),
  };
}
