// Paths of the committed fixture files (packages/test-utils/fixtures), for tests in any package.
import { fileURLToPath } from 'node:url';

/**
 * The committed image folder of mixed sizes (packages/test-utils/fixtures/mixed-size-folder,
 * made by fixtures/make-mixed-size-folder.py): class folders `disc` and `stripes`, twenty images
 * each (80 % of the 40 fill one batch of 32), of many sizes and aspect ratios (16 to 160 pixels a
 * side, 1:2 to 2:1), PNG (RGB, grey, palette, RGBA) and JPEG (baseline, progressive). Node only.
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
export const MIXED_SIZE_FOLDER = { classNames: ['disc', 'stripes'], perClass: 20 } as const;
