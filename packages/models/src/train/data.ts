import { ArgumentError, ShapeError, tf, type SeededRandom } from '@odl/backend';

/**
 * Labelled images in memory, NHWC (structurally compatible with @odl/datasets' `ImageDataset`).
 * Byte pixels are scaled by 1/255; float pixels are taken as already in [0, 1].
 */
export interface LabeledImages {
  /** Pixels NHWC, row-major. */
  images: Uint8Array | Float32Array;
  /** `[N, H, W, C]`. */
  shape: [number, number, number, number];
  /** One label per image in 0..numClasses-1. */
  labels: ArrayLike<number>;
  /** Number of classes. */
  numClasses: number;
}

/** How images become model inputs. */
export interface InputSpec {
  /** Model input height in pixels. */
  height: number;
  /** Model input width in pixels. */
  width: number;
  /** Model input channels; a 1-channel image is replicated to 3 when 3 are asked. */
  channels: number;
  /**
   * `'pad'` centres the image on a zero canvas (cropping when larger), `'bilinear'` resizes
   * (half-pixel centres, like torchvision's Resize). Default `'pad'`.
   */
  resize?: 'pad' | 'bilinear';
  /** Per-channel (or one shared) mean subtracted after scaling to [0, 1]. Default 0. */
  mean?: number | number[];
  /** Per-channel (or one shared) standard deviation divided by. Default 1. */
  std?: number | number[];
}

/** Training-time augmentation (seeded). */
export interface AugmentSpec {
  /** Random translation by up to this many pixels each way, zero fill (RandomCrop with padding). Default 0. */
  maxShift?: number;
  /** Random horizontal flip with probability 1/2. Default false. */
  horizontalFlip?: boolean;
}

function perChannel(v: number | number[] | undefined, c: number, dflt: number, what: string): number[] {
  if (v == null) return new Array(c).fill(dflt);
  if (typeof v === 'number') return new Array(c).fill(v);
  if (v.length !== c) throw new ArgumentError(`InputSpec: ${what} has ${v.length} values for ${c} channels`);
  return v;
}

/** Checks that `data` is consistent and convertible to `spec`. */
export function checkData(data: LabeledImages, spec: InputSpec, where: string): void {
  const [n, h, w, c] = data.shape;
  if (data.images.length !== n * h * w * c) throw new ShapeError(`${where}: images hold ${data.images.length} values, shape [${data.shape.join(', ')}] needs ${n * h * w * c}`);
  if (data.labels.length !== n) throw new ShapeError(`${where}: ${data.labels.length} labels for ${n} images`);
  if (c !== spec.channels && !(c === 1 && spec.channels === 3)) {
    throw new ShapeError(`${where}: images have ${c} channels, the model takes ${spec.channels}; only 1 -> 3 replication is automatic`);
  }
}

/** One input batch. */
export interface Batch {
  /** Images `[B, H, W, C]`, float32, normalised. */
  x: tf.Tensor4D;
  /** Labels `[B]`, int32. */
  y: tf.Tensor1D;
}

/**
 * Builds one input batch `[B, H, W, C]` (float32) and its labels `[B]` (int32) from the images at
 * `indices`, resized, normalised and (when `augment` and `rng` are given) augmented.
 *
 * @example
 * ```ts
 * const { x, y } = makeBatch(data, [0, 1, 2], { height: 32, width: 32, channels: 1 });
 * ```
 */
export function makeBatch(
  data: LabeledImages,
  indices: ArrayLike<number>,
  spec: InputSpec,
  augment?: AugmentSpec,
  rng?: SeededRandom,
): Batch {
  const [, h, w, c] = data.shape;
  const H = spec.height;
  const W = spec.width;
  const C = spec.channels;
  const mean = perChannel(spec.mean, C, 0, 'mean');
  const std = perChannel(spec.std, C, 1, 'std');
  const scale = data.images instanceof Uint8Array ? 1 / 255 : 1;
  const b = indices.length;
  const out = new Float32Array(b * H * W * C);
  const labels = new Int32Array(b);
  const canvas = new Float32Array(H * W * c);
  const bilinear = (spec.resize ?? 'pad') === 'bilinear';
  for (let k = 0; k < b; k++) {
    const i = indices[k];
    labels[k] = data.labels[i];
    const base = i * h * w * c;
    canvas.fill(0);
    if (bilinear) {
      const sy = h / H;
      const sx = w / W;
      for (let y = 0; y < H; y++) {
        const fy = Math.min(h - 1, Math.max(0, (y + 0.5) * sy - 0.5));
        const y0 = Math.floor(fy);
        const y1 = Math.min(h - 1, y0 + 1);
        const ay = fy - y0;
        for (let x = 0; x < W; x++) {
          const fx = Math.min(w - 1, Math.max(0, (x + 0.5) * sx - 0.5));
          const x0 = Math.floor(fx);
          const x1 = Math.min(w - 1, x0 + 1);
          const ax = fx - x0;
          for (let ch = 0; ch < c; ch++) {
            const p = (yy: number, xx: number) => data.images[base + (yy * w + xx) * c + ch];
            const v = (1 - ay) * ((1 - ax) * p(y0, x0) + ax * p(y0, x1)) + ay * ((1 - ax) * p(y1, x0) + ax * p(y1, x1));
            canvas[(y * W + x) * c + ch] = v * scale;
          }
        }
      }
    } else {
      const oy = Math.floor((H - h) / 2);
      const ox = Math.floor((W - w) / 2);
      for (let y = 0; y < H; y++) {
        const sy = y - oy;
        if (sy < 0 || sy >= h) continue;
        for (let x = 0; x < W; x++) {
          const sx = x - ox;
          if (sx < 0 || sx >= w) continue;
          for (let ch = 0; ch < c; ch++) canvas[(y * W + x) * c + ch] = data.images[base + (sy * w + sx) * c + ch] * scale;
        }
      }
    }
    let dy = 0;
    let dx = 0;
    let flip = false;
    if (augment && rng) {
      const s = augment.maxShift ?? 0;
      if (s > 0) {
        dy = rng.nextInt(2 * s + 1) - s;
        dx = rng.nextInt(2 * s + 1) - s;
      }
      if (augment.horizontalFlip) flip = rng.nextFloat() < 0.5;
    }
    const o = k * H * W * C;
    for (let y = 0; y < H; y++) {
      const sy = y - dy;
      for (let x = 0; x < W; x++) {
        const sxr = x - dx;
        const sx = flip ? W - 1 - sxr : sxr;
        const inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
        for (let ch = 0; ch < C; ch++) {
          const v = inside ? canvas[(sy * W + sx) * c + (c === 1 ? 0 : ch)] : 0;
          out[o + (y * W + x) * C + ch] = (v - mean[ch]) / std[ch];
        }
      }
    }
  }
  return { x: tf.tensor4d(out, [b, H, W, C]), y: tf.tensor1d(labels, 'int32') };
}
