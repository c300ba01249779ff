// Synthetic labelled images for tests: each class a bright horizontal band at its own height,
// plus seeded noise, so that a few steps of training can tell the classes apart.

/** Labelled grayscale images, NHWC (structurally the `LabeledImages` of @odl/models). */
export interface BandImages {
  /** Pixels `[N, size, size, 1]`, bytes. */
  images: Uint8Array;
  /** `[N, size, size, 1]`. */
  shape: [number, number, number, number];
  /** One label per image, `i mod classes`. */
  labels: Int32Array;
  /** Number of classes. */
  numClasses: number;
}

/**
 * `n` grayscale `size`×`size` images of `classes` classes: class k has a bright k-th horizontal
 * band (values 180–240) on a dark ground (20–80), the noise drawn from a seeded generator.
 *
 * @example
 * ```ts
 * const train = bandImages(64, 28, 4, 1); // 64 images of 4 classes
 * ```
 */
export function bandImages(n: number, size: number, classes: number, seed = 1): BandImages {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
  const images = new Uint8Array(n * size * size);
  const labels = new Int32Array(n);
  const band = Math.max(1, Math.floor(size / classes));
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    labels[i] = k;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const on = y >= k * band && y < (k + 1) * band;
        images[(i * size + y) * size + x] = Math.min(255, Math.floor((on ? 180 : 20) + 60 * rnd()));
      }
    }
  }
  return { images, shape: [n, size, size, 1], labels, numClasses: classes };
}
