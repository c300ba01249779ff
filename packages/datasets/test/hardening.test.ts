// The corrupt inputs of issue #18, each a few bytes: every one is a typed error naming the file,
// found before anything of the declared size is allocated, and fast.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CorruptFileError, ImageDecodeError, LabelRangeError, TruncatedFileError, UnreadableFileError, adler32, checkImageSize,
  checkLabels, createBrowserImageDecoder, createNodeImageDecoder, decodeJpeg, gunzip, idxToDataset, loadImageFolder, memoryFileSource, parseCifar10,
  readFileBytes,
} from '@odl/datasets';
import { cifarRecord, concatBytes, idxBytes, jpegBytes, lcgBytes, pngBytes, rgbaImage } from './helpers';
import { fixPngCrcs } from './fuzz/targets';

const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const gz = (b: Uint8Array | string) => u8(gzipSync(b));
const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
};

/** A PNG chunk with its CRC (computed by fixPngCrcs). */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const c = new Uint8Array(12 + data.length);
  new DataView(c.buffer).setUint32(0, data.length);
  c.set(new TextEncoder().encode(type), 4);
  c.set(data, 8);
  return c;
}

function ihdr(width: number, height: number, colorType = 6): Uint8Array {
  const d = new Uint8Array(13);
  new DataView(d.buffer).setUint32(0, width);
  new DataView(d.buffer).setUint32(4, height);
  d[8] = 8;
  d[9] = colorType;
  return d;
}

const PNG_SIG = Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]);
const png = (...chunks: Uint8Array[]) => fixPngCrcs(concatBytes([PNG_SIG, ...chunks]));

describe('gzip (judged against Node zlib)', () => {
  const data = lcgBytes(3000, 1);
  it('8 trailing zero bytes are padding: the data, not 0 bytes', () => {
    const padded = concatBytes([gz(data), new Uint8Array(8)]);
    expect(Buffer.from(gunzip(padded)).equals(gunzipSync(padded))).toBe(true);
  });

  it('accepts valid multi-member files, rejects trailing garbage and truncation', () => {
    const two = concatBytes([gz(data), gz('second member')]);
    expect(Buffer.from(gunzip(two)).equals(gunzipSync(two))).toBe(true);
    expect(() => gunzip(concatBytes([gz(data), Uint8Array.from([0x42, 1, 2])]), 'g.gz')).toThrow(/g.gz: 3 bytes after gzip member 1/);
    expect(() => gunzip(concatBytes([gz(data), Uint8Array.from([0, 0, 7])]), 'g.gz')).toThrow(CorruptFileError);
    const whole = gz(data);
    for (const cut of [1, 5, 12, whole.length - 9, whole.length - 1]) expect(() => gunzip(whole.subarray(0, cut), 'cut.gz')).toThrow(TruncatedFileError);
    expect(() => gunzip(concatBytes([whole, Uint8Array.from([0x1f, 0x8b, 8])]), 'cut.gz')).toThrow(TruncatedFileError);
  });

  it('a rewritten trailer fails: size and CRC of every member', () => {
    const z = gz(data);
    const lie = z.slice();
    new DataView(lie.buffer).setUint32(lie.length - 4, 100, true);
    expect(() => gunzip(lie, 'lie.gz')).toThrow(/trailer says 100 bytes but the data inflates to 3000/);
    const two = concatBytes([z, gz('tail')]);
    two[z.length - 6] ^= 1; // CRC of member 1
    expect(() => gunzip(two, 'two.gz')).toThrow(/member 1 .*CRC-32 mismatch/);
    expect(() => gunzip(gz(data), 'big.gz', { maxBytes: 1000 })).toThrow(/more than 1000 bytes/);
  });

  it('a CIFAR batch behind a lying trailer fails instead of losing records', () => {
    const batch = concatBytes([cifarRecord([1], () => 1), cifarRecord([2], () => 2)]);
    const z = gz(batch);
    new DataView(z.buffer).setUint32(z.length - 4, 3073, true);
    expect(() => parseCifar10(z, { file: 'data_batch_1.bin.gz' })).toThrow(/data_batch_1.bin.gz: .*trailer says 3073/);
  });

  it('adler32 is the standard checksum', () => {
    const bytes = lcgBytes(70000, 5);
    const z = deflateSync(bytes);
    expect(adler32(bytes)).toBe(z.readUInt32BE(z.length - 4));
  });
});

describe('IDX labels size the task only when told to', () => {
  const images = idxBytes([3, 2, 2], lcgBytes(12, 2));
  it('a stray label 255 is a typed error with numClasses or requireAllClasses, not a 256-class model', () => {
    const labels = idxBytes([3], [0, 1, 255]);
    const e = thrown(() => idxToDataset(images, labels, { labelsFile: 'train-labels', requireAllClasses: true }));
    expect(e).toBeInstanceOf(LabelRangeError);
    expect(e.message).toMatch(/train-labels: item 2 has label 255, which would make 256 classes, but 253 of them .* pass numClasses/);
    expect(() => idxToDataset(images, labels, { numClasses: 10 })).toThrow(/label 255 but there are 10 classes/);
    expect(() => idxToDataset(images, labels, { maxClasses: 100 })).toThrow(/which would make 256 classes, more than maxClasses=100/);
    expect(idxToDataset(images, labels).numClasses).toBe(256); // within the default limit of 1000: the caller's call
  });

  it('an int32 label of 2^31-1 is a typed error at once, never out of memory', () => {
    const labels = new Uint8Array(8 + 12);
    labels.set([0, 0, 0x0c, 1, 0, 0, 0, 3]);
    new DataView(labels.buffer).setInt32(16, 2 ** 31 - 1);
    const t0 = performance.now();
    expect(() => idxToDataset(images, labels, { labelsFile: 'l.idx' })).toThrow(/more than maxClasses=1000/);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(checkLabels([0, 1, 2], 'x', { maxClasses: 3 })).toBe(3);
    expect(() => checkLabels([0, 3000], 'x', { maxClasses: 2000 })).toThrow(LabelRangeError);
  });

  it('a header claiming more than the file holds fails before allocating', () => {
    const lie = idxBytes([0x7fffffff, 0x7fffffff, 0x7fffffff], []);
    expect(() => idxToDataset(lie, idxBytes([1], [0]), { imagesFile: 'img.idx' })).toThrow(/img.idx: IDX header announces .* cut short/);
    expect(() => idxToDataset(images, idxBytes([2], [0, 1]), { labelsFile: 'l.idx' })).toThrow(/l.idx: 2 labels for 3 images/);
  });
});

describe('images', async () => {
  const decoder = await createNodeImageDecoder();
  it('a 45-byte PNG without image data fails instead of decoding to zeros', () => {
    const noIdat = png(chunk('IHDR', ihdr(16, 16)), chunk('IEND', new Uint8Array(0)));
    expect(noIdat.length).toBe(45);
    expect(() => decoder.decode(noIdat, 'empty.png')).toThrow(/empty.png: no image data \(IDAT chunk\) for the declared 16x16 image/);
  });

  it('the browser decoder checks PNG structure before the browser sees the file', async () => {
    const g = globalThis as Record<string, unknown>;
    let calls = 0;
    g.createImageBitmap = async () => {
      calls++;
      throw new Error('not reached');
    };
    g.OffscreenCanvas = class {};
    try {
      const noIdat = png(chunk('IHDR', ihdr(16, 16)), chunk('IEND', new Uint8Array(0)));
      await expect(createBrowserImageDecoder().decode(noIdat, 'b.png')).rejects.toThrow(/b.png: no image data/);
      expect(calls).toBe(0);
    } finally {
      delete g.createImageBitmap;
      delete g.OffscreenCanvas;
    }
  });

  it('a PNG with too little or too much image data fails', () => {
    const row = (n: number) => deflateSync(new Uint8Array(n));
    const short = png(chunk('IHDR', ihdr(16, 16)), chunk('IDAT', u8(row(16 * 65 - 1))), chunk('IEND', new Uint8Array(0)));
    expect(() => decoder.decode(short, 'short.png')).toThrow(/holds 1039 of the 1040 bytes/);
    const long = png(chunk('IHDR', ihdr(16, 16)), chunk('IDAT', u8(row(16 * 65 + 1))), chunk('IEND', new Uint8Array(0)));
    expect(() => decoder.decode(long, 'long.png')).toThrow(ImageDecodeError);
    const exact = png(chunk('IHDR', ihdr(16, 16)), chunk('IDAT', u8(row(16 * 65))), chunk('IEND', new Uint8Array(0)));
    expect(decoder.decode(exact, 'ok.png').data.length).toBe(16 * 16 * 4);
  });

  it('a 10000x10000 PNG header in a few hundred bytes fails fast, and maxPixels is checked first', async () => {
    const lie = png(chunk('IHDR', ihdr(10000, 10000)), chunk('IDAT', u8(deflateSync(new Uint8Array(100_000)))), chunk('IEND', new Uint8Array(0)));
    expect(lie.length).toBeLessThan(500);
    expect(() => decoder.decode(lie, 'lie.png')).toThrow(/lie.png: image size 10000x10000 \(100000000 pixels\) exceeds maxPixels/);
    const roomy = await createNodeImageDecoder({ maxPixels: 2 ** 27 });
    const t0 = performance.now();
    expect(() => roomy.decode(lie, 'lie.png')).toThrow(/lie.png: the image data holds 100000 of the 400010000 bytes/);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(() => decoder.decode(png(chunk('IHDR', ihdr(9000, 9000)), chunk('IEND', new Uint8Array(0))), 'huge.png')).toThrow(/huge.png: image size 9000x9000 \(81000000 pixels\) exceeds maxPixels=67108864/);
    expect(() => checkImageSize(100, 100, 'x.png', { maxPixels: 9999 })).toThrow(/raise maxPixels/);
  });

  it('JPEG header lies fail fast', async () => {
    const jpg = jpegBytes(16, 16, rgbaImage(16, 16, (y, x, c) => 8 * y + 4 * x + c));
    let sof = 2;
    while (!(jpg[sof] === 0xff && jpg[sof + 1] === 0xc0)) sof++;
    const lie = jpg.slice();
    new DataView(lie.buffer).setUint16(sof + 5, 8000); // height
    new DataView(lie.buffer).setUint16(sof + 7, 8000); // width
    const t0 = performance.now();
    expect(() => decodeJpeg(lie, 'lie.jpg')).toThrow(/lie.jpg: the header declares a 8000x8000 image \(1000000 blocks/);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(() => decodeJpeg(jpg.subarray(0, jpg.length - 40), 'cut.jpg')).toThrow(/cut.jpg: the file ends .* before its EOI marker/);
    expect(decodeJpeg(jpg, 'ok.jpg').width).toBe(16);
  });

  it('an image folder reports a bad file by its path, also when a custom decoder throws anything', async () => {
    const good = pngBytes(4, 4, rgbaImage(4, 4, (y, x) => y + x));
    const source = memoryFileSource({ 'a/1.png': good, 'b/2.png': good.subarray(0, 40) }, 'pets');
    await expect(loadImageFolder(source, { decoder })).rejects.toThrow(/pets\/b\/2.png: /);
    const throwing = { decode: () => { throw new RangeError('boom'); } };
    await expect(loadImageFolder(source, { decoder: throwing })).rejects.toThrow(/pets\/a\/1.png: the decoder failed: boom/);
    const lying = { decode: () => ({ width: 4, height: 4, channels: 4 as const, data: new Uint8Array(3) }) };
    await expect(loadImageFolder(source, { decoder: lying })).rejects.toThrow(ImageDecodeError);
  });
});

describe('readFileBytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'odl-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('refuses folders, devices and files over the limit before reading', async () => {
    mkdirSync(join(dir, 'sub'));
    await expect(readFileBytes(join(dir, 'sub'))).rejects.toThrow(UnreadableFileError);
    await expect(readFileBytes('/dev/zero')).rejects.toThrow(/\/dev\/zero: is not a regular file/);
    await expect(readFileBytes(new URL(import.meta.url), { maxBytes: 10 })).rejects.toThrow(/more than maxBytes=10/);
  });
});
