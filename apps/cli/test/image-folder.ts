// Writes small RGB PNG class folders for the CLI tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '@odl/test-utils';

/** A folder with one subfolder of `perClass` 16×16 RGB PNGs per class; class k is bright in channel k. */
export function writeClassFolders(root: string, classes: string[], perClass = 8): void {
  classes.forEach((name, k) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = new Uint8Array(16 * 16 * 3);
      for (let p = 0; p < px.length; p++) px[p] = (p % 3 === k % 3 ? 200 : 30) + 3 * i;
      writeFileSync(join(root, name, `${i}.png`), encodePng(px, 16, 16, 3));
    }
  });
}
