import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, setupBackend, tf } from '@odl/backend';
import {
  centerCrop, centerCropImage, compose, cropImage, flipImageHorizontal, grayscaleToRgb, grayscaleToRgbImage,
  mapDataset, normalize, normalizeImage, padImage, randomCrop, randomHorizontalFlip, resize, resizeBilinear, toFloat,
  createImageDataset, FASHION_MNIST_STATS, IMAGENET_STATS, type ImageView,
} from '@odl/datasets';

const img = (h: number, w: number, c: number, values: number[] | Float32Array): ImageView => ({ data: Float32Array.from(values), height: h, width: w, channels: c });
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Slow, obvious Float64 bilinear (half-pixel centres) used as a second reference. */
function referenceResize(src: ImageView, oh: number, ow: number): number[] {
  const out: number[] = [];
  const at = (y: number, x: number, k: number) => src.data[(y * src.width + x) * src.channels + k];
  for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let k = 0; k < src.channels; k++) {
    const sy = Math.min(Math.max(((y + 0.5) * src.height) / oh - 0.5, 0), src.height - 1);
    const sx = Math.min(Math.max(((x + 0.5) * src.width) / ow - 0.5, 0), src.width - 1);
    const y0 = Math.floor(sy);
    const x0 = Math.floor(sx);
    const y1 = Math.min(y0 + 1, src.height - 1);
    const x1 = Math.min(x0 + 1, src.width - 1);
    const a = sy - y0;
    const b = sx - x0;
    out.push((1 - a) * ((1 - b) * at(y0, x0, k) + b * at(y0, x1, k)) + a * ((1 - b) * at(y1, x0, k) + b * at(y1, x1, k)));
  }
  return out;
}

describe('transforms', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });

  it('bilinear upscale of a 2x2 image matches hand-computed values', () => {
    const out = resizeBilinear(img(2, 2, 1, [0, 4, 8, 12]), 4, 4);
    expect(Array.from(out.data)).toEqual([0, 1, 3, 4, 2, 3, 5, 6, 6, 7, 9, 10, 8, 9, 11, 12]);
  });

  it('bilinear downscale of a 4x4 image averages 2x2 blocks', () => {
    const out = resizeBilinear(img(4, 4, 1, range(16)), 2, 2);
    expect(Array.from(out.data)).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('bilinear resize agrees with tfjs (halfPixelCenters) and a Float64 reference', () => {
    const rng = new SeededRandom(5);
    const src = img(5, 7, 3, Float32Array.from({ length: 105 }, () => Math.round(rng.nextFloat() * 255)));
    for (const [oh, ow] of [[9, 4], [3, 11], [28, 28], [1, 1]]) {
      const ours = Array.from(resizeBilinear(src, oh, ow).data);
      const ref = referenceResize(src, oh, ow);
      const tfOut = tf.tidy(() => Array.from(tf.image.resizeBilinear(tf.tensor3d(src.data, [5, 7, 3]), [oh, ow], false, true).dataSync()));
      ours.forEach((v, i) => {
        expect(v).toBeCloseTo(ref[i], 3);
        expect(v).toBeCloseTo(tfOut[i], 3);
      });
    }
  });

  it('crops: explicit window, centre (floor offset) and zero padding', () => {
    const im = img(4, 4, 1, range(16));
    expect(Array.from(cropImage(im, 1, 2, 2, 2).data)).toEqual([6, 7, 10, 11]);
    expect(Array.from(centerCropImage(im, 2, 2).data)).toEqual([5, 6, 9, 10]);
    expect(Array.from(centerCropImage(im, 3, 3).data)).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10]);
    expect(Array.from(centerCrop(2)(im, new SeededRandom(0)).data)).toEqual([5, 6, 9, 10]);
    expect(Array.from(padImage(img(1, 2, 1, [7, 8]), 1).data)).toEqual([0, 0, 0, 0, 0, 7, 8, 0, 0, 0, 0, 0]);
    expect(() => cropImage(im, 3, 3, 2, 2)).toThrow(/does not fit/);
  });

  it('random crop is seeded and reaches every offset', () => {
    const im = img(2, 2, 1, [1, 2, 3, 4]);
    const t = randomCrop(2, 2, 1); // padded 4x4 -> 9 possible windows
    const seen = new Set<string>();
    const rng = new SeededRandom(3);
    for (let i = 0; i < 400; i++) seen.add(Array.from(t(im, rng).data).join(','));
    expect(seen.size).toBe(9);
    expect(seen.has('0,0,0,1')).toBe(true); // top-left window of the padded image
    expect(seen.has('4,0,0,0')).toBe(true); // bottom-right window
    const draws = (seed: number) => {
      const r = new SeededRandom(seed);
      return Array.from({ length: 20 }, () => Array.from(t(im, r).data).join(','));
    };
    expect(draws(9)).toEqual(draws(9));
    expect(draws(9)).not.toEqual(draws(10));
  });

  it('horizontal flip mirrors columns per channel; the random flip follows p and the seed', () => {
    const im = img(2, 3, 2, range(12));
    expect(Array.from(flipImageHorizontal(im).data)).toEqual([4, 5, 2, 3, 0, 1, 10, 11, 8, 9, 6, 7]);
    const u8: ImageView = { data: new Uint8Array([1, 2, 3]), height: 1, width: 3, channels: 1 };
    expect(flipImageHorizontal(u8).data).toBeInstanceOf(Uint8Array);
    const rng = new SeededRandom(1);
    expect(randomHorizontalFlip(0)(im, rng)).toBe(im);
    expect(Array.from(randomHorizontalFlip(1)(im, rng).data)).toEqual(Array.from(flipImageHorizontal(im).data));
    let flips = 0;
    const half = randomHorizontalFlip(0.5);
    for (let i = 0; i < 2000; i++) if (half(im, rng) !== im) flips++;
    expect(flips).toBeGreaterThan(900);
    expect(flips).toBeLessThan(1100);
  });

  it('normalisation uses per-channel mean/std on [0,1]-scaled pixels', () => {
    const u8: ImageView = { data: new Uint8Array([0, 255, 51]), height: 1, width: 3, channels: 1 };
    const out = normalizeImage(u8, { mean: [0.5], std: [0.25] });
    [-2, 2, -1.2].forEach((v, i) => expect(out.data[i]).toBeCloseTo(v, 5));
    const rgb: ImageView = { data: new Uint8Array([255, 0, 128]), height: 1, width: 1, channels: 3 };
    const z = normalize(IMAGENET_STATS)(rgb, new SeededRandom(0));
    expect(z.data[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(z.data[1]).toBeCloseTo((0 - 0.456) / 0.224, 5);
    expect(z.data[2]).toBeCloseTo((128 / 255 - 0.406) / 0.225, 5);
    expect(normalizeImage(img(1, 1, 1, [0.5]), { mean: [0.5], std: [2] }).data[0]).toBe(0); // float input: scale 1
    expect(() => normalizeImage(rgb, { mean: [0, 0], std: [1, 1] })).toThrow(/2 means for 3 channels/);
  });

  it('grayscale to RGB repeats the channel; compose chains left to right', () => {
    const g: ImageView = { data: new Uint8Array([3, 200]), height: 1, width: 2, channels: 1 };
    expect(Array.from(grayscaleToRgbImage(g).data)).toEqual([3, 3, 3, 200, 200, 200]);
    const t = compose(resize(2, 4), grayscaleToRgb(), toFloat());
    const out = t(g, new SeededRandom(0));
    expect([out.height, out.width, out.channels]).toEqual([2, 4, 3]);
    const expected = referenceResize({ ...g, data: Float32Array.from([3, 200]) }, 2, 4);
    for (let p = 0; p < 8; p++) for (let k = 0; k < 3; k++) expect(out.data[p * 3 + k]).toBeCloseTo(expected[p] / 255, 6);
  });

  it('mapDataset applies a transform to every image', () => {
    const ds = createImageDataset({ images: new Uint8Array(range(2 * 4 * 4)), shape: [2, 4, 4, 1], labels: [1, 0] });
    const out = mapDataset(ds, compose(centerCrop(2), grayscaleToRgb(), normalize(FASHION_MNIST_STATS)));
    expect(out.shape).toEqual([2, 2, 2, 3]);
    expect(out.images[0]).toBeCloseTo((5 / 255 - 0.286041) / 0.353024, 5);
    expect(out.images[12]).toBeCloseTo((21 / 255 - 0.286041) / 0.353024, 5);
    expect(Array.from(out.labels)).toEqual([1, 0]);
  });
});
