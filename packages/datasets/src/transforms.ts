import { ArgumentError, SeededRandom, ShapeError } from '@odl/backend';
import type { ImageDataset, ImageView, PixelArray } from './dataset';

/**
 * A per-image transform: takes one HWC image and a random source (used only by random
 * transforms) and returns a new image. Transforms never modify their input.
 */
export type Transform = (image: ImageView, rng: SeededRandom) => ImageView;

/** Per-channel mean and standard deviation of pixel values scaled to [0, 1]. */
export interface ChannelStats {
  /** Mean per channel, in [0, 1] units. */
  mean: readonly number[];
  /** Standard deviation per channel, in [0, 1] units. */
  std: readonly number[];
}

/**
 * Fashion-MNIST training-set statistics (60 000 images, 1 channel), computed from the official
 * files by `scripts/make-embedded-subset.mjs` and checked by the Debian-data test.
 */
export const FASHION_MNIST_STATS: ChannelStats = { mean: [0.286041], std: [0.353024] };
/** CIFAR-10 training-set statistics (RGB), as commonly published. */
export const CIFAR10_STATS: ChannelStats = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
/** CIFAR-100 training-set statistics (RGB), as commonly published. */
export const CIFAR100_STATS: ChannelStats = { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] };
/** ImageNet statistics (RGB), the torchvision constants used by ImageNet-pretrained models. */
export const IMAGENET_STATS: ChannelStats = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

function checkView(img: ImageView, what: string): void {
  if (img.data.length !== img.height * img.width * img.channels) {
    throw new ShapeError(`${what}: image data has ${img.data.length} values, ${img.height}x${img.width}x${img.channels} needs ${img.height * img.width * img.channels}`);
  }
}

/**
 * Bilinear resize with half-pixel centres (the convention of PyTorch `align_corners=False`,
 * TensorFlow 2 `tf.image.resize` and tfjs `resizeBilinear(…, halfPixelCenters=true)`; no
 * antialiasing): output pixel (y, x) samples the input at ((y+0.5)·H/H' − 0.5, (x+0.5)·W/W' − 0.5),
 * clamped to the image. Returns float32 in the input's value range.
 *
 * @example
 * ```ts
 * const big = resizeBilinear(getImage(ds, 0), 32, 32);
 * ```
 */
export function resizeBilinear(img: ImageView, height: number, width: number): ImageView {
  checkView(img, 'resizeBilinear');
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new ArgumentError(`resizeBilinear: size must be positive integers, got ${height}x${width}`);
  }
  const { height: h, width: w, channels: c, data } = img;
  const out = new Float32Array(height * width * c);
  const sy = h / height;
  const sx = w / width;
  // Precompute the horizontal taps once per column.
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const fxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x] + 1, w - 1);
    fxs[x] = fx - x0s[x];
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const dy = fy - y0;
    const r0 = y0 * w * c;
    const r1 = y1 * w * c;
    let o = y * width * c;
    if (c === 1) {
      // Single-channel fast path (MNIST family).
      for (let x = 0; x < width; x++) {
        const a = x0s[x];
        const b = x1s[x];
        const dx = fxs[x];
        const top = data[r0 + a] + (data[r0 + b] - data[r0 + a]) * dx;
        const bottom = data[r1 + a] + (data[r1 + b] - data[r1 + a]) * dx;
        out[o++] = top + (bottom - top) * dy;
      }
      continue;
    }
    for (let x = 0; x < width; x++) {
      const a = x0s[x] * c;
      const b = x1s[x] * c;
      const dx = fxs[x];
      for (let k = 0; k < c; k++) {
        const top = data[r0 + a + k] + (data[r0 + b + k] - data[r0 + a + k]) * dx;
        const bottom = data[r1 + a + k] + (data[r1 + b + k] - data[r1 + a + k]) * dx;
        out[o++] = top + (bottom - top) * dy;
      }
    }
  }
  return { data: out, height, width, channels: c };
}

/**
 * Copies the `height`×`width` window whose top-left corner is (`top`, `left`); the window must
 * lie inside the image. Keeps the pixel type.
 *
 * @example
 * ```ts
 * const patch = cropImage(img, 2, 2, 24, 24);
 * ```
 */
export function cropImage(img: ImageView, top: number, left: number, height: number, width: number): ImageView {
  checkView(img, 'cropImage');
  if (top < 0 || left < 0 || height <= 0 || width <= 0 || top + height > img.height || left + width > img.width) {
    throw new ArgumentError(`cropImage: window ${height}x${width} at (${top}, ${left}) does not fit a ${img.height}x${img.width} image`);
  }
  const c = img.channels;
  const out: PixelArray = img.data instanceof Uint8Array ? new Uint8Array(height * width * c) : new Float32Array(height * width * c);
  for (let y = 0; y < height; y++) {
    const src = ((top + y) * img.width + left) * c;
    out.set(img.data.subarray(src, src + width * c), y * width * c);
  }
  return { data: out, height, width, channels: c };
}

/**
 * Centre crop: the window starts at floor((H − h)/2), floor((W − w)/2).
 *
 * @example
 * ```ts
 * const centre = centerCropImage(img, 24, 24);
 * ```
 */
export function centerCropImage(img: ImageView, height: number, width: number): ImageView {
  return cropImage(img, Math.floor((img.height - height) / 2), Math.floor((img.width - width) / 2), height, width);
}

/**
 * Zero-pads `padding` pixels on every side (0 = unchanged). Keeps the pixel type.
 *
 * @example
 * ```ts
 * const padded = padImage(img, 4); // 32x32 -> 40x40
 * ```
 */
export function padImage(img: ImageView, padding: number): ImageView {
  checkView(img, 'padImage');
  if (!Number.isInteger(padding) || padding < 0) throw new ArgumentError(`padImage: padding must be a non-negative integer, got ${padding}`);
  if (padding === 0) return img;
  const c = img.channels;
  const h = img.height + 2 * padding;
  const w = img.width + 2 * padding;
  const out: PixelArray = img.data instanceof Uint8Array ? new Uint8Array(h * w * c) : new Float32Array(h * w * c);
  for (let y = 0; y < img.height; y++) {
    out.set(img.data.subarray(y * img.width * c, (y + 1) * img.width * c), ((y + padding) * w + padding) * c);
  }
  return { data: out, height: h, width: w, channels: c };
}

/**
 * Mirrors the image left–right. Keeps the pixel type.
 *
 * @example
 * ```ts
 * const mirrored = flipImageHorizontal(img);
 * ```
 */
export function flipImageHorizontal(img: ImageView): ImageView {
  checkView(img, 'flipImageHorizontal');
  const { height: h, width: w, channels: c } = img;
  const out: PixelArray = img.data instanceof Uint8Array ? new Uint8Array(img.data.length) : new Float32Array(img.data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (y * w + x) * c;
      const dst = (y * w + (w - 1 - x)) * c;
      for (let k = 0; k < c; k++) out[dst + k] = img.data[src + k];
    }
  }
  return { data: out, height: h, width: w, channels: c };
}

/**
 * Per-channel normalisation to float32: out = (x · scale − mean[c]) / std[c]. `scale` defaults
 * to 1/255 for uint8 pixels (so `stats` are in [0, 1] units) and 1 for float pixels.
 *
 * @example
 * ```ts
 * const z = normalizeImage(img, FASHION_MNIST_STATS);
 * ```
 */
export function normalizeImage(img: ImageView, stats: ChannelStats, scale?: number): ImageView {
  checkView(img, 'normalizeImage');
  const c = img.channels;
  if (stats.mean.length !== c && stats.mean.length !== 1) throw new ShapeError(`normalizeImage: ${stats.mean.length} means for ${c} channels`);
  if (stats.std.length !== stats.mean.length) throw new ShapeError(`normalizeImage: ${stats.mean.length} means but ${stats.std.length} stds`);
  if (stats.std.some((s) => !(s > 0))) throw new ArgumentError('normalizeImage: every std must be > 0');
  const s = scale ?? (img.data instanceof Uint8Array ? 1 / 255 : 1);
  const mul = new Float64Array(c);
  const add = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const m = stats.mean.length === 1 ? stats.mean[0] : stats.mean[k];
    const sd = stats.std.length === 1 ? stats.std[0] : stats.std[k];
    mul[k] = s / sd;
    add[k] = -m / sd;
  }
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < out.length; i += c) {
    for (let k = 0; k < c; k++) out[i + k] = img.data[i + k] * mul[k] + add[k];
  }
  return { data: out, height: img.height, width: img.width, channels: c };
}

/**
 * Repeats a 1-channel image into 3 identical channels (for RGB models). A 3-channel image is
 * returned unchanged.
 *
 * @example
 * ```ts
 * const rgb = grayscaleToRgbImage(img); // channels 3
 * ```
 */
export function grayscaleToRgbImage(img: ImageView): ImageView {
  checkView(img, 'grayscaleToRgbImage');
  if (img.channels === 3) return img;
  if (img.channels !== 1) throw new ShapeError(`grayscaleToRgbImage: expected 1 channel, got ${img.channels}`);
  const n = img.height * img.width;
  const out: PixelArray = img.data instanceof Uint8Array ? new Uint8Array(n * 3) : new Float32Array(n * 3);
  for (let p = 0; p < n; p++) {
    const v = img.data[p];
    out[3 * p] = v;
    out[3 * p + 1] = v;
    out[3 * p + 2] = v;
  }
  return { data: out, height: img.height, width: img.width, channels: 3 };
}

/**
 * Transform: bilinear resize to `height`×`width` ({@link resizeBilinear}).
 *
 * @example
 * ```ts
 * const t = compose(resize(32, 32), normalize(FASHION_MNIST_STATS));
 * ```
 */
export function resize(height: number, width: number = height): Transform {
  return (img) => (img.height === height && img.width === width ? img : resizeBilinear(img, height, width));
}

/**
 * Transform: centre crop to `height`×`width` ({@link centerCropImage}).
 *
 * @example
 * ```ts
 * const t = centerCrop(24);
 * ```
 */
export function centerCrop(height: number, width: number = height): Transform {
  return (img) => centerCropImage(img, height, width);
}

/**
 * Transform: random crop of `height`×`width` after zero-padding `padding` pixels per side
 * (the CIFAR recipe is `randomCrop(32, 32, 4)`); the offset is uniform over every position,
 * drawn from the transform's seeded random source.
 *
 * @example
 * ```ts
 * const t = randomCrop(32, 32, 4);
 * ```
 */
export function randomCrop(height: number, width: number = height, padding = 0): Transform {
  return (img, rng) => {
    const p = padImage(img, padding);
    if (height > p.height || width > p.width) {
      throw new ArgumentError(`randomCrop: ${height}x${width} does not fit a ${p.height}x${p.width} (padded) image`);
    }
    return cropImage(p, rng.nextInt(p.height - height + 1), rng.nextInt(p.width - width + 1), height, width);
  };
}

/**
 * Transform: mirrors left–right with probability `p` (default 0.5), one draw per image.
 *
 * @example
 * ```ts
 * const t = randomHorizontalFlip();
 * ```
 */
export function randomHorizontalFlip(p = 0.5): Transform {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`randomHorizontalFlip: p must be in [0, 1], got ${p}`);
  return (img, rng) => (rng.nextFloat() < p ? flipImageHorizontal(img) : img);
}

/**
 * Transform: per-channel normalisation ({@link normalizeImage}).
 *
 * @example
 * ```ts
 * const t = normalize(CIFAR10_STATS);
 * ```
 */
export function normalize(stats: ChannelStats, scale?: number): Transform {
  return (img) => normalizeImage(img, stats, scale);
}

/**
 * Transform: scales to float32 in [0, 1] (uint8 / 255; float input × `scale`, default 1/255).
 *
 * @example
 * ```ts
 * const t = toFloat();
 * ```
 */
export function toFloat(scale = 1 / 255): Transform {
  return (img) => {
    const out = new Float32Array(img.data.length);
    for (let i = 0; i < out.length; i++) out[i] = img.data[i] * scale;
    return { data: out, height: img.height, width: img.width, channels: img.channels };
  };
}

/**
 * Transform: grey → RGB ({@link grayscaleToRgbImage}).
 *
 * @example
 * ```ts
 * const t = grayscaleToRgb();
 * ```
 */
export function grayscaleToRgb(): Transform {
  return (img) => grayscaleToRgbImage(img);
}

/**
 * Chains transforms left to right; all share the caller's random source.
 *
 * @example
 * ```ts
 * const t = compose(resize(32), grayscaleToRgb(), normalize(FASHION_MNIST_STATS));
 * ```
 */
export function compose(...transforms: Transform[]): Transform {
  return (img, rng) => transforms.reduce((acc, t) => t(acc, rng), img);
}

/**
 * Applies `transform` to every image and returns a float32 dataset; every output must have the
 * same size. Random transforms draw from a generator seeded by `seed` (default 0), in index order.
 *
 * @example
 * ```ts
 * const ds32 = mapDataset(ds, compose(resize(32), grayscaleToRgb()));
 * ```
 */
export function mapDataset(ds: ImageDataset, transform: Transform, seed = 0): ImageDataset {
  const [n, h, w, c] = ds.shape;
  const rng = new SeededRandom(seed);
  const size = h * w * c;
  let out: Float32Array | null = null;
  let shape: ImageDataset['shape'] = [n, h, w, c];
  for (let i = 0; i < n; i++) {
    const t = transform({ data: ds.images.subarray(i * size, (i + 1) * size), height: h, width: w, channels: c }, rng);
    if (out == null) {
      shape = [n, t.height, t.width, t.channels];
      out = new Float32Array(n * t.data.length);
    } else if (t.height !== shape[1] || t.width !== shape[2] || t.channels !== shape[3]) {
      throw new ShapeError(`mapDataset: image ${i} became ${t.height}x${t.width}x${t.channels}, image 0 ${shape[1]}x${shape[2]}x${shape[3]}; add a resize/crop so all match`);
    }
    out.set(t.data, i * t.data.length);
  }
  return { images: out ?? new Float32Array(0), shape, labels: ds.labels.slice(), classNames: [...ds.classNames], numClasses: ds.numClasses };
}
