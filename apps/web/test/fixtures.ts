// A small folder of class subfolders with PNG images, for the "my images" path of the e2e test:
// two classes (horizontal vs vertical stripes, with seeded noise), as grey 8-bit PNGs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from '@odl/test-utils';

/**
 * Writes `root/<class>/<i>.png` for two classes, `perClass` images each (24×24 stripes with a
 * random phase and noise). Returns the class names.
 */
export function writeStripesFolder(root: string, perClass: number, seed = 1): string[] {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const classes = ['horizontal', 'vertical'];
  const size = 24;
  classes.forEach((name, label) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const phase = Math.floor(rand() * 6);
      const px = new Uint8Array(size * size);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const t = label === 0 ? y : x;
          const on = Math.floor((t + phase) / 3) % 2 === 0;
          px[y * size + x] = Math.max(0, Math.min(255, Math.round((on ? 200 : 40) + (rand() - 0.5) * 60)));
        }
      }
      writeFileSync(join(root, name, `${String(i).padStart(3, '0')}.png`), encodePng(px, size, size, 1));
    }
  });
  return classes;
}

/**
 * Adds files a run cannot use to a class folder tree under `root`: a PNG cut short, bytes that
 * only claim to be a JPEG, and a text file. Returns their paths relative to `root`, sorted.
 */
export function writeBrokenFiles(root: string, classes: readonly string[]): string[] {
  const [first, second] = classes;
  mkdirSync(join(root, first), { recursive: true });
  mkdirSync(join(root, second), { recursive: true });
  const good = encodePng(new Uint8Array(24 * 24).fill(128), 24, 24, 1);
  writeFileSync(join(root, first, 'cut-short.png'), good.subarray(0, 60));
  writeFileSync(join(root, second, 'not-really.jpg'), 'this is not a JPEG');
  writeFileSync(join(root, second, 'notes.txt'), 'labels were checked by hand');
  return [`${first}/cut-short.png`, `${second}/not-really.jpg`, `${second}/notes.txt`];
}
