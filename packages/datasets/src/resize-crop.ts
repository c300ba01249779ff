// The evaluation transform of torchvision's ImageNet models: resize the shorter side, then take the
// centre square. Resampling is Pillow's antialiased bilinear filter (what torchvision's `Resize`
// does to a PIL image), reproduced bit for bit for 8-bit images: separable triangle filter whose
// support widens with the downscale factor, 22-bit fixed-point weights, horizontal pass first with
// an 8-bit intermediate. The committed reference values in test/data/resize-crop-reference.json
// (made by scripts/make-resize-crop-reference.py with Debian's python3-torchvision) hold it to that.
import { ArgumentError, ShapeError } from '@odl/backend';
import type { ImageView } from './dataset';
import { cropImage, type Transform } from './transforms';

/** Fixed-point precision of Pillow's 8-bit resampling (32 − 8 − 2 bits). */
const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;

/** One output position's taps: first input index, count and weights. */
interface Taps {
  first: Int32Array;
  count: Int32Array;
  /** `ksize` weights per output position (normalised to sum 1). */
  weights: Float64Array;
  ksize: number;
}

/**
 * Pillow's `precompute_coeffs` for the bilinear (triangle) filter: output position `o` has centre
 * `(o + 0.5)·scale` in input coordinates; the filter is stretched by `max(scale, 1)` (the
 * antialiasing) and its weights over the image are normalised to sum 1.
 */
function bilinearTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter's support is 1
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  const ss = 1 / filterScale; // multiplied, not divided, as Pillow does (the last bit matters)
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const hi = Math.min(Math.trunc(center + support + 0.5), inSize);
    let sum = 0;
    for (let i = lo; i < hi; i++) {
      const t = Math.abs((i - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      weights[o * ksize + i - lo] = w;
      sum += w;
    }
    if (sum !== 0) for (let i = 0; i < hi - lo; i++) weights[o * ksize + i] /= sum;
    first[o] = lo;
    count[o] = hi - lo;
  }
  return { first, count, weights, ksize };
}

/** Pillow's `normalize_coeffs_8bpc`: weights as 22-bit fixed point, rounded half away from zero. */
function fixedPoint(weights: Float64Array): Float64Array {
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = weights[i] < 0 ? Math.trunc(-0.5 + weights[i] * ONE) : Math.trunc(0.5 + weights[i] * ONE);
  return out;
}

/**
 * One separable pass of an HWC image along its rows (`alongRows`: `lines` rows of `inSize`
 * columns) or its columns (`lines` columns of `inSize` rows), `c` channels. uint8: fixed-point
 * sums rounded and clipped to 0..255 (Pillow's `clip8`); float: float64 sums.
 */
function resamplePass(
  src: Uint8Array | Float32Array, inSize: number, outSize: number, lines: number, c: number, alongRows: boolean,
): Uint8Array | Float32Array {
  const taps = bilinearTaps(inSize, outSize);
  const u8 = src instanceof Uint8Array;
  const k = u8 ? fixedPoint(taps.weights) : taps.weights;
  const out = u8 ? new Uint8Array(lines * outSize * c) : new Float32Array(lines * outSize * c);
  // Horizontal pass (alongRows): a line is an image row, positions are columns. Vertical: a line is a column.
  const inPos = alongRows ? c : lines * c;
  const outPos = alongRows ? c : lines * c;
  const inLine = alongRows ? inSize * c : c;
  const outLine = alongRows ? outSize * c : c;
  for (let l = 0; l < lines; l++) {
    for (let o = 0; o < outSize; o++) {
      const lo = taps.first[o];
      const n = taps.count[o];
      const kw = o * taps.ksize;
      for (let ch = 0; ch < c; ch++) {
        let s = u8 ? ONE / 2 : 0;
        let p = l * inLine + lo * inPos + ch;
        for (let i = 0; i < n; i++, p += inPos) s += src[p] * k[kw + i];
        const q = l * outLine + o * outPos + ch;
        if (u8) {
          const v = Math.floor(s / ONE);
          out[q] = v < 0 ? 0 : v > 255 ? 255 : v;
        } else out[q] = s;
      }
    }
  }
  return out;
}

/**
 * Resizes with Pillow's antialiased bilinear filter (`Image.resize(…, Image.BILINEAR)`, which
 * torchvision's `Resize` applies to PIL images): a triangle filter on half-pixel centres whose
 * support widens by the downscale factor, so a large photo is averaged rather than sampled
 * (upscaling is plain bilinear with edge clamping). Separable, horizontal pass first. A uint8
 * image is resampled exactly as Pillow does (22-bit fixed-point weights, an 8-bit intermediate),
 * so results equal Pillow's bit for bit; a float image is resampled in float64 without rounding.
 * Keeps the pixel type; an image already of that size is returned as is.
 *
 * @example
 * ```ts
 * const small = resizeAntialiasImage(photo, 256, 341); // uint8 in, uint8 out
 * ```
 */
export function resizeAntialiasImage(img: ImageView, height: number, width: number): ImageView {
  const { height: h, width: w, channels: c, data } = img;
  if (data.length !== h * w * c) throw new ShapeError(`resizeAntialiasImage: image data has ${data.length} values, ${h}x${w}x${c} needs ${h * w * c}`);
  if (!Number.isInteger(height) || !Number.isInteger(width) || height <= 0 || width <= 0) {
    throw new ArgumentError(`resizeAntialiasImage: size must be positive integers, got ${height}x${width}`);
  }
  let pixels: Uint8Array | Float32Array = data;
  if (width !== w) pixels = resamplePass(pixels, w, width, h, c, true);
  if (height !== h) pixels = resamplePass(pixels, h, height, width, c, false);
  return { data: pixels, height, width, channels: c };
}

/**
 * torchvision's size rule for `Resize(resizeTo)`: the shorter side becomes `resizeTo`, the longer
 * `trunc(resizeTo · long / short)` (a square stays square). Returns `[height, width]`.
 *
 * @example
 * ```ts
 * shorterSideSize(480, 640, 256); // [256, 341]
 * ```
 */
export function shorterSideSize(height: number, width: number, resizeTo: number): [number, number] {
  if (width <= height) return [Math.trunc((resizeTo * height) / width), resizeTo];
  return [resizeTo, Math.trunc((resizeTo * width) / height)];
}

/**
 * The shorter side an evaluation crop of `size` pixels is resized to by default: the ImageNet
 * ratio 256/224, rounded (224 → 256, 64 → 73).
 *
 * @example
 * ```ts
 * defaultResizeTo(224); // 256
 * ```
 */
export function defaultResizeTo(size: number): number {
  return Math.round((size * 256) / 224);
}

/** How {@link resizeCenterCropImage} sizes an image. */
export interface ResizeCropOptions {
  /** Side of the square result, in pixels (a positive integer). */
  size: number;
  /** The shorter side is first resized to this many pixels (≥ `size`; default {@link defaultResizeTo}(size)). */
  resizeTo?: number;
}

/**
 * Checks `options` and fills in `resizeTo` ({@link defaultResizeTo} when absent); an
 * ArgumentError (prefixed by `where`) names the bad value.
 *
 * @example
 * ```ts
 * checkResizeCrop({ size: 64 }); // { size: 64, resizeTo: 73 }
 * ```
 */
export function checkResizeCrop(options: ResizeCropOptions, where = 'resizeCrop'): Required<ResizeCropOptions> {
  const { size } = options;
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`${where}: size must be a positive whole number of pixels, got ${size}`);
  const resizeTo = options.resizeTo ?? defaultResizeTo(size);
  if (!Number.isInteger(resizeTo) || resizeTo < size) {
    throw new ArgumentError(`${where}: resizeTo must be a whole number of pixels ≥ size (${size}), got ${resizeTo}; the crop must fit inside the resized image`);
  }
  return { size, resizeTo };
}

/** Python's `round` (half to even) of d / 2 for an integer d ≥ 0: torchvision's crop offset. */
function halfToEven(d: number): number {
  const f = Math.floor(d / 2);
  return d % 2 === 1 && f % 2 === 1 ? f + 1 : f;
}

/**
 * torchvision's evaluation transform, `Resize(resizeTo)` then `CenterCrop(size)`: the shorter side
 * is resized to `resizeTo` ({@link shorterSideSize}, {@link resizeAntialiasImage}) and the centred
 * `size`×`size` square is kept, its offset `round((H − size) / 2)` with Python's half-to-even
 * rounding as torchvision computes it. A uint8 image gives exactly what torchvision gives for the
 * same pixels as a PIL image. Keeps the pixel type and the channels.
 *
 * @example
 * ```ts
 * const x = resizeCenterCropImage(photo, { size: 224 }); // shorter side → 256, centre 224×224
 * ```
 */
export function resizeCenterCropImage(img: ImageView, options: ResizeCropOptions): ImageView {
  const { size, resizeTo } = checkResizeCrop(options, 'resizeCenterCropImage');
  if (!(img.height >= 1 && img.width >= 1)) throw new ShapeError(`resizeCenterCropImage: the image is ${img.height}x${img.width}; it needs at least one pixel`);
  const [h, w] = shorterSideSize(img.height, img.width, resizeTo);
  const resized = resizeAntialiasImage(img, h, w);
  return cropImage(resized, halfToEven(h - size), halfToEven(w - size), size, size);
}

/**
 * Transform: {@link resizeCenterCropImage} (torchvision's `Resize(resizeTo)` + `CenterCrop(size)`).
 *
 * @example
 * ```ts
 * const t = compose(resizeCenterCrop({ size: 224 }), normalize(IMAGENET_STATS));
 * ```
 */
export function resizeCenterCrop(options: ResizeCropOptions): Transform {
  checkResizeCrop(options, 'resizeCenterCrop');
  return (img) => resizeCenterCropImage(img, options);
}
