import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  BadMagicError, CorruptFileError, CountMismatchError, DatasetError, LabelRangeError, TruncatedFileError,
  encodeIdx, gunzip, idxToDataset, parseIdx, crc32, FASHION_MNIST_CLASSES,
} from '@odl/datasets';
import { idxBytes, lcgBytes } from './helpers';

const N = 7;
const H = 5;
const W = 3;
const pixels = lcgBytes(N * H * W, 11);
const labelValues = [3, 0, 9, 9, 1, 5, 2];
const imagesRaw = idxBytes([N, H, W], pixels);
const labelsRaw = idxBytes([N], labelValues);
const gz = (b: Uint8Array) => new Uint8Array(gzipSync(b));

describe('IDX', () => {
  for (const variant of ['raw', 'gz'] as const) {
    it(`reads ${variant} images and labels pixel by pixel`, () => {
      const enc = variant === 'gz' ? gz : (b: Uint8Array) => b;
      const ds = idxToDataset(enc(imagesRaw), enc(labelsRaw), { classNames: [...FASHION_MNIST_CLASSES] });
      expect(ds.shape).toEqual([N, H, W, 1]);
      expect(ds.numClasses).toBe(10);
      expect(ds.images).toBeInstanceOf(Uint8Array);
      for (let i = 0; i < N; i++) {
        expect(ds.labels[i]).toBe(labelValues[i]);
        for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(ds.images[(i * H + y) * W + x]).toBe(pixels[(i * H + y) * W + x]);
      }
    });
  }

  it('reads every element type big-endian', () => {
    const view = (n: number) => new DataView(new ArrayBuffer(n));
    const cases: Array<[number, number, (d: DataView, i: number, v: number) => void, number[]]> = [
      [0x09, 1, (d, i, v) => d.setInt8(i, v), [-128, -1, 0, 127]],
      [0x0b, 2, (d, i, v) => d.setInt16(i * 2, v, false), [-32768, -2, 7, 32767]],
      [0x0c, 4, (d, i, v) => d.setInt32(i * 4, v, false), [-2147483648, -3, 65536, 2147483647]],
      [0x0d, 4, (d, i, v) => d.setFloat32(i * 4, v, false), [-1.5, 0.25, 3.125, 1e10]],
      [0x0e, 8, (d, i, v) => d.setFloat64(i * 8, v, false), [-1e-300, Math.PI, 2 ** 60, -0.5]],
    ];
    for (const [code, size, set, values] of cases) {
      const body = view(values.length * size);
      values.forEach((v, i) => set(body, i, v));
      const header = idxBytes([2, 2], [], code);
      const file = new Uint8Array(header.length + body.byteLength);
      file.set(header);
      file.set(new Uint8Array(body.buffer), header.length);
      const parsed = parseIdx(file);
      expect(parsed.dims).toEqual([2, 2]);
      expect(Array.from(parsed.data)).toEqual(values);
      expect(Array.from(encodeIdx(parsed))).toEqual(Array.from(file));
    }
  });

  it('transposes EMNIST-style images', () => {
    const ds = idxToDataset(imagesRaw, labelsRaw, { transpose: true, numClasses: 10 });
    expect(ds.shape).toEqual([N, W, H, 1]);
    for (let i = 0; i < N; i++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      expect(ds.images[(i * W + x) * H + y]).toBe(pixels[(i * H + y) * W + x]);
    }
  });

  it('rejects a wrong magic number', () => {
    const bad = imagesRaw.slice();
    bad[2] = 0x07;
    expect(() => parseIdx(bad, 'x.idx')).toThrow(BadMagicError);
    expect(() => parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 1, 0]), 'zip.idx')).toThrow(/zip.idx: magic number 0x504b0304/);
  });

  it('rejects truncated files, raw and gzipped, naming the file', () => {
    for (const cut of [0, 3, 6, 12, imagesRaw.length - 1]) {
      const err = (() => { try { parseIdx(imagesRaw.subarray(0, cut), 'cut.idx'); } catch (e) { return e; } })();
      expect(err).toBeInstanceOf(TruncatedFileError);
      expect((err as DatasetError).code).toBe('truncated-file');
      expect((err as DatasetError).file).toBe('cut.idx');
    }
    const z = gz(imagesRaw);
    expect(() => parseIdx(z.subarray(0, z.length - 20), 'cut.gz')).toThrow(DatasetError);
    expect(() => parseIdx(z.subarray(0, 12), 'cut.gz')).toThrow(TruncatedFileError);
  });

  it('rejects trailing bytes, a damaged gzip and a zero dimension', () => {
    const extra = new Uint8Array(labelsRaw.length + 2);
    extra.set(labelsRaw);
    expect(() => parseIdx(extra)).toThrow(CorruptFileError);
    const z = gz(imagesRaw);
    z[z.length - 6] ^= 0xff; // CRC byte
    expect(() => parseIdx(z, 'crc.gz')).toThrow(/CRC-32 mismatch/);
    expect(() => parseIdx(idxBytes([0, 28, 28], []))).toThrow(CorruptFileError);
  });

  it('rejects image/label count mismatches and labels out of range', () => {
    expect(() => idxToDataset(imagesRaw, idxBytes([N - 1], labelValues.slice(1)), { labelsFile: 'l.idx' })).toThrow(CountMismatchError);
    expect(() => idxToDataset(imagesRaw, labelsRaw, { numClasses: 5, labelsFile: 'l.idx' })).toThrow(LabelRangeError);
    expect(() => idxToDataset(imagesRaw, labelsRaw, { numClasses: 5 })).toThrow(/label 9 but there are 5 classes/);
    expect(() => idxToDataset(labelsRaw, labelsRaw)).toThrow(/is this a labels file/);
    expect(() => idxToDataset(imagesRaw, imagesRaw)).toThrow(/is this an images file/);
  });

  it('gunzip checks the trailer and computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const data = lcgBytes(5000, 3);
    expect(Array.from(gunzip(gz(data)))).toEqual(Array.from(data));
    const z = gz(data);
    z[z.length - 1] ^= 1; // ISIZE
    expect(() => gunzip(z, 'size.gz')).toThrow(CorruptFileError);
  });
});
