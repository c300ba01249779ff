import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '@odl/backend';
import {
  ImageDecodeError, ImageSizeError, checkResizeCrop, createNodeImageDecoder, cropImage, defaultResizeTo, loadImageFolder,
  loadImageFolderFromDisk, memoryFileSource, nodeFileSource, readFileBytes, resizeAntialiasImage, resizeCenterCrop,
  resizeCenterCropImage, shorterSideSize, streamImageFolder, type FileSource, type ImageView,
} from '@odl/datasets';
import { MIXED_SIZE_FOLDER, mixedSizeFolderPath } from '@odl/test-utils';
import { lcgBytes, pngBytes, rgbaImage } from './helpers';

interface ReferenceCase {
  name: string;
  height: number;
  width: number;
  channels: 1 | 3;
  size: number;
  resizeTo: number;
  resizedHeight: number;
  resizedWidth: number;
  input: number[];
  output: number[];
}

/** Made by scripts/make-resize-crop-reference.py (torchvision 0.14 / Pillow 9.4, Debian). */
const reference = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'data', 'resize-crop-reference.json'), 'utf8')) as {
  cases: ReferenceCase[];
  files: { path: string; size: number; resizeTo: number; output: number[] }[];
};

const u8 = (h: number, w: number, c: number, f: (y: number, x: number, k: number) => number): ImageView => {
  const data = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = f(y, x, k);
  return { data, height: h, width: w, channels: c };
};

/**
 * Slow, obvious Float64 antialiased bilinear resize, from the definition: output pixel (y, x)
 * is the average of every input pixel weighted by the triangle filter t(u) = max(0, 1 − |u|),
 * u = (input centre − output centre in input units) / max(scale, 1), the weights normalised over
 * the image; no fixed point, no intermediate rounding.
 */
function referenceResize(src: ImageView, oh: number, ow: number): Float64Array {
  const weights = (inSize: number, outSize: number, o: number): Float64Array => {
    const scale = inSize / outSize;
    const fs = Math.max(scale, 1);
    const centre = (o + 0.5) * scale;
    const w = new Float64Array(inSize);
    let sum = 0;
    for (let i = 0; i < inSize; i++) {
      w[i] = Math.max(0, 1 - Math.abs((i + 0.5 - centre) / fs));
      sum += w[i];
    }
    return w.map((v) => v / sum);
  };
  const out = new Float64Array(oh * ow * src.channels);
  for (let y = 0; y < oh; y++) {
    const wy = weights(src.height, oh, y);
    for (let x = 0; x < ow; x++) {
      const wx = weights(src.width, ow, x);
      for (let k = 0; k < src.channels; k++) {
        let s = 0;
        for (let i = 0; i < src.height; i++) for (let j = 0; j < src.width; j++) s += wy[i] * wx[j] * src.data[(i * src.width + j) * src.channels + k];
        out[(y * ow + x) * src.channels + k] = s;
      }
    }
  }
  return out;
}

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('resize + centre crop (torchvision evaluation transform)', () => {
  it('equals torchvision/Pillow bit for bit on the committed reference images (tolerance 0)', () => {
    for (const c of reference.cases) {
      const img: ImageView = { data: Uint8Array.from(c.input), height: c.height, width: c.width, channels: c.channels };
      expect(shorterSideSize(c.height, c.width, c.resizeTo)).toEqual([c.resizedHeight, c.resizedWidth]);
      const out = resizeCenterCropImage(img, { size: c.size, resizeTo: c.resizeTo });
      expect([out.height, out.width, out.channels]).toEqual([c.size, c.size, c.channels]);
      expect(out.data).toBeInstanceOf(Uint8Array);
      expect(maxAbs(out.data, c.output), c.name).toBe(0);
    }
  });

  it('loads committed PNG fixtures (RGB, palette, RGBA) exactly as torchvision ImageFolder + the transform does', async () => {
    const decoder = await createNodeImageDecoder();
    for (const f of reference.files) {
      const bytes = await readFileBytes(join(mixedSizeFolderPath(), f.path));
      const source = memoryFileSource({ [f.path]: bytes, 'other/x.png': bytes });
      expect(defaultResizeTo(f.size)).toBe(f.resizeTo);
      const ds = await loadImageFolder(source, { decoder, resizeCrop: { size: f.size }, include: [f.path, 'other/x.png'] });
      expect(ds.shape).toEqual([2, f.size, f.size, 3]);
      const first = ds.classNames[0] === f.path.split('/')[0] ? 0 : 1;
      const n = f.size * f.size * 3;
      expect(maxAbs(ds.images.subarray(first * n, (first + 1) * n), f.output), f.path).toBe(0);
    }
  });

  it('is within 1 grey level of a Float64 reference (8-bit) and within float32 rounding of it (float)', () => {
    const shapes: [number, number, number, number, number][] = [
      // h, w, c, out h, out w: downscale by non-integer factors, upscale, mixed
      [37, 53, 3, 18, 25], [64, 48, 1, 9, 7], [7, 11, 3, 20, 31], [30, 9, 3, 14, 27], [50, 50, 1, 17, 17],
    ];
    shapes.forEach(([h, w, c, oh, ow], s) => {
      const img: ImageView = { data: lcgBytes(h * w * c, 100 + s), height: h, width: w, channels: c };
      const ref = referenceResize(img, oh, ow);
      const out = resizeAntialiasImage(img, oh, ow);
      expect([out.height, out.width, out.channels]).toEqual([oh, ow, c]);
      // Pillow's 8-bit path: an intermediate rounded to 8 bits (≤ 0.5 off) and a final rounding (≤ 0.5).
      expect(maxAbs(out.data, ref)).toBeLessThanOrEqual(1.01);
      const mean = Array.from(out.data).reduce((acc, v, i) => acc + Math.abs(v - ref[i]), 0) / ref.length;
      expect(mean).toBeLessThan(0.4);
      const f = resizeAntialiasImage({ ...img, data: Float32Array.from(img.data) }, oh, ow);
      expect(f.data).toBeInstanceOf(Float32Array);
      expect(maxAbs(f.data, ref)).toBeLessThan(1e-3);
    });
  });

  it('keeps exact identities: same size, shorter side already at resizeTo, constant and linear images under integer downscale', () => {
    const img = u8(20, 20, 3, (y, x, k) => (y * 31 + x * 7 + k * 50) % 256);
    const same = resizeCenterCropImage(img, { size: 20, resizeTo: 20 });
    expect(Array.from(same.data)).toEqual(Array.from(img.data));
    // Shorter side already 16: no resampling, only torchvision's centre crop (offsets round((31−12)/2) = 10 (9.5 → 10), round((16−12)/2) = 2).
    const tall = u8(31, 16, 1, (y, x) => (y * 13 + x * 3) % 256);
    expect(Array.from(resizeCenterCropImage(tall, { size: 12, resizeTo: 16 }).data)).toEqual(Array.from(cropImage(tall, 10, 2, 12, 12).data));
    // 33 − 12 = 21: 10.5 rounds half to even, to 10.
    const taller = u8(33, 16, 1, (y, x) => (y * 5 + x) % 256);
    expect(Array.from(resizeCenterCropImage(taller, { size: 12, resizeTo: 16 }).data)).toEqual(Array.from(cropImage(taller, 10, 2, 12, 12).data));
    for (const factor of [2, 3, 4]) {
      const constant = resizeAntialiasImage(u8(12 * factor, 8 * factor, 3, (_y, _x, k) => [7, 128, 255][k]), 12, 8);
      for (let i = 0; i < constant.data.length; i++) expect(constant.data[i]).toBe([7, 128, 255][i % 3]);
      // f(y, x) = 2x + 4y (≤ 250): an output pixel whose filter window lies inside the image averages a
      // symmetric window, so it is f at its centre ((o + 0.5)·factor − 0.5 in input pixels), exactly.
      const linear = resizeAntialiasImage(u8(12 * factor, 8 * factor, 1, (y, x) => 2 * x + 4 * y), 12, 8);
      const at = (o: number) => (o + 0.5) * factor - 0.5;
      for (let y = 1; y < 11; y++) for (let x = 1; x < 7; x++) expect(linear.data[y * 8 + x]).toBe(2 * at(x) + 4 * at(y));
    }
  });

  it('sizes like torchvision: shorter side, truncated longer side, default 256/224', () => {
    expect(shorterSideSize(480, 640, 256)).toEqual([256, 341]);
    expect(shorterSideSize(640, 480, 256)).toEqual([341, 256]);
    expect(shorterSideSize(50, 50, 73)).toEqual([73, 73]);
    expect(defaultResizeTo(224)).toBe(256);
    expect(defaultResizeTo(64)).toBe(73);
    expect(checkResizeCrop({ size: 32 })).toEqual({ size: 32, resizeTo: 37 });
    const wide = resizeCenterCrop({ size: 8 })(u8(5, 40, 3, () => 9), undefined as never);
    expect([wide.height, wide.width]).toEqual([8, 8]);
  });

  it('rejects a bad size or resizeTo with an ArgumentError naming it', () => {
    const img = u8(4, 4, 1, () => 0);
    for (const size of [0, -3, 2.5, Number.NaN]) expect(() => resizeCenterCropImage(img, { size })).toThrow(ArgumentError);
    expect(() => resizeCenterCropImage(img, { size: 8, resizeTo: 7 })).toThrow(/resizeTo must be .* ≥ size \(8\), got 7/);
    expect(() => resizeCenterCrop({ size: 1.5 })).toThrow(/size must be a positive whole number/);
    expect(() => resizeAntialiasImage(img, 0, 3)).toThrow(ArgumentError);
  });
});

describe('image folders of mixed sizes', () => {
  it('the committed mixed-size folder needs resizeCrop, and loads with it', async () => {
    const root = mixedSizeFolderPath();
    await expect(loadImageFolderFromDisk(root)).rejects.toThrow(ImageSizeError);
    await expect(loadImageFolderFromDisk(root)).rejects.toThrow(/pass resizeCrop: \{ size \}/);
    const ds = await loadImageFolderFromDisk(root, { resizeCrop: { size: 32 } });
    const n = MIXED_SIZE_FOLDER.classNames.length * MIXED_SIZE_FOLDER.perClass;
    expect(ds.shape).toEqual([n, 32, 32, 3]);
    expect(ds.classNames).toEqual([...MIXED_SIZE_FOLDER.classNames]);
    const grey = await loadImageFolderFromDisk(root, { resizeCrop: { size: 24, resizeTo: 24 }, channels: 1 });
    expect(grey.shape).toEqual([n, 24, 24, 1]);
    // Each image is the transform of its decoded pixels.
    const decoder = await createNodeImageDecoder();
    const raw = decoder.decode(await readFileBytes(join(root, 'disc/04-large.jpg')), 'x');
    const rgb = new Uint8Array(raw.width * raw.height * 3);
    for (let p = 0; p < raw.width * raw.height; p++) for (let k = 0; k < 3; k++) rgb[p * 3 + k] = raw.data[p * 4 + k];
    const expected = resizeCenterCropImage({ data: rgb, height: raw.height, width: raw.width, channels: 3 }, { size: 32 });
    const index = 3; // disc/04-large.jpg, fourth file of class 0
    expect(Array.from(ds.images.subarray(index * 32 * 32 * 3, (index + 1) * 32 * 32 * 3))).toEqual(Array.from(expected.data));
  });

  it('streams the same images, reads one file at a time when loading, and keeps the typed errors', async () => {
    const root = mixedSizeFolderPath();
    const decoder = await createNodeImageDecoder();
    const loaded = await loadImageFolder(nodeFileSource(root), { decoder, resizeCrop: { size: 16 } });
    const streamed: number[] = [];
    for await (const s of streamImageFolder(nodeFileSource(root), { decoder, resizeCrop: { size: 16 }, prefetch: 3 })) {
      expect([s.image.height, s.image.width, s.image.channels]).toEqual([16, 16, 3]);
      streamed.push(...s.image.data);
    }
    expect(streamed).toEqual(Array.from(loaded.images));
    let open = 0;
    let most = 0;
    const inner = nodeFileSource(root);
    const counting: FileSource = {
      root: inner.root,
      list: (dir) => inner.list(dir),
      async read(path) {
        most = Math.max(most, ++open);
        try {
          return await inner.read(path);
        } finally {
          open--;
        }
      },
    };
    await loadImageFolder(counting, { decoder, resizeCrop: { size: 16 } });
    expect(most).toBe(1);
    const png = pngBytes(6, 4, rgbaImage(6, 4, (y, x) => 10 * y + x));
    const broken = memoryFileSource({ 'a/1.png': png, 'b/bad.png': png.subarray(0, 30) }, 'm');
    await expect(loadImageFolder(broken, { decoder, resizeCrop: { size: 4 } })).rejects.toThrow(ImageDecodeError);
    const ok = memoryFileSource({ 'a/1.png': png, 'b/1.png': png }, 'm');
    await expect(loadImageFolder(ok, { decoder, resizeCrop: { size: 4 }, size: [4, 4] })).rejects.toThrow(/either size .* or resizeCrop/);
    await expect(loadImageFolder(ok, { decoder, resizeCrop: { size: 0 } })).rejects.toThrow(ArgumentError);
    const it = streamImageFolder(ok, { decoder, resizeCrop: { size: 4, resizeTo: 3 } });
    await expect(it.next()).rejects.toThrow(/streamImageFolder: resizeCrop: resizeTo/);
  });
});
