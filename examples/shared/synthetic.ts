// Synthetic labelled images for the examples' tests: class k has a bright k-th horizontal band.
import type { LabeledImages } from '@odl/models';

/** `n` grayscale `size`×`size` images of `classes` classes, seeded. */
export function bands(n: number, size: number, classes: number, seed = 1): LabeledImages {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 4294967296);
  const images = new Uint8Array(n * size * size);
  const labels = new Int32Array(n);
  const band = Math.max(1, Math.floor(size / classes));
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    labels[i] = k;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) images[(i * size + y) * size + x] = Math.min(255, Math.floor((y >= k * band && y < (k + 1) * band ? 180 : 20) + 60 * rnd()));
    }
  }
  return { images, shape: [n, size, size, 1], labels, numClasses: classes };
}
