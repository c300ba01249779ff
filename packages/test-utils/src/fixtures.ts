// Paths of the committed fixture files (packages/test-utils/fixtures), for tests in any package.
import { fileURLToPath } from 'node:url';

/**
 * The committed image folder of mixed sizes (packages/test-utils/fixtures/mixed-size-folder,
 * made by fixtures/make-mixed-size-folder.py): class folders `disc` and `stripes`, six images
 * each, every one of a different size and aspect ratio (23×17 up to 120×90), PNG (RGB, grey,
 * palette, RGBA) and JPEG (baseline, progressive). Node only.
 *
 * @example
 * ```ts
 * const ds = await loadImageFolderFromDisk(mixedSizeFolderPath(), { resizeCrop: { size: 64 } });
 * ```
 */
export function mixedSizeFolderPath(): string {
  return fileURLToPath(new URL('../fixtures/mixed-size-folder', import.meta.url));
}

/** What {@link mixedSizeFolderPath} holds: class names in label order, images per class. */
export const MIXED_SIZE_FOLDER = { classNames: ['disc', 'stripes'], perClass: 6 } as const;
