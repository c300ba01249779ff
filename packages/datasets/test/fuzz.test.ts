import { SeededRandom } from '@odl/backend';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  DatasetError, crc32, createNodeImageDecoder, decodeJpeg, idxToDataset, parseCifar10, parseCifar100, parseIdx,
} from '@odl/datasets';
import { cifarRecord, concatBytes, idxBytes, jpegBytes, lcgBytes, pngBytes, rgbaImage } from './helpers';

const CASES = 10_000;

/** Recomputes the CRC of every complete PNG chunk, so edits are not caught by the CRC check. */
function fixChunkCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  const view = new DataView(out.buffer);
  let pos = 8;
  while (pos + 12 <= out.length) {
    const len = view.getUint32(pos, false);
    if (pos + 12 + len > out.length) break;
    view.setUint32(pos + 8 + len, crc32(out.subarray(pos + 4, pos + 8 + len)), false);
    pos += 12 + len;
  }
  return out;
}

/**
 * Inputs derived from a valid file: a third cut at a random length, a third with 1-8 random
 * bytes overwritten, a third random bytes (half of them behind the valid file's first bytes, so
 * they get past the magic-number check).
 */
function* fuzzInputs(valid: Uint8Array, seed: number, count = CASES): Generator<Uint8Array> {
  const rng = new SeededRandom(seed);
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    if (kind === 0) {
      yield valid.subarray(0, rng.nextInt(valid.length));
    } else if (kind === 1) {
      const m = valid.slice();
      const edits = 1 + rng.nextInt(8);
      for (let e = 0; e < edits; e++) m[rng.nextInt(m.length)] = rng.nextInt(256);
      yield m;
    } else {
      const n = rng.nextInt(Math.min(valid.length * 2, 4096));
      const r = lcgBytes(n, seed * 100_003 + i);
      if (i % 2 === 0) r.set(valid.subarray(0, Math.min(n, 1 + rng.nextInt(40))));
      yield r;
    }
  }
}

/** Feeds every input to `parse`; anything thrown must be a DatasetError. Returns (ok, typed errors). */
function run(name: string, inputs: Iterable<Uint8Array>, parse: (b: Uint8Array) => unknown): [number, number] {
  let ok = 0;
  let typed = 0;
  for (const input of inputs) {
    try {
      parse(input);
      ok++;
    } catch (e) {
      if (!(e instanceof DatasetError)) {
        throw new Error(`${name}: input of ${input.length} bytes threw ${(e as Error)?.name}: ${(e as Error)?.message ?? String(e)}`);
      }
      typed++;
    }
  }
  expect(ok + typed).toBe(CASES);
  return [ok, typed];
}

describe('fuzz: every binary parser throws only typed errors and never hangs', () => {
  const pixels = lcgBytes(6 * 5 * 4, 1);
  const images = idxBytes([6, 5, 4], pixels);
  const labels = idxBytes([6], [0, 1, 2, 3, 4, 9]);

  it(`IDX raw: ${CASES} inputs`, () => {
    const [ok, typed] = run('IDX raw', fuzzInputs(images, 1), (b) => parseIdx(b, 'fuzz.idx'));
    run('IDX labels raw', fuzzInputs(labels, 2), (b) => idxToDataset(images, b, { numClasses: 10 }));
    expect(ok).toBeGreaterThan(100); // byte edits inside the pixels keep a valid file
    expect(typed).toBeGreaterThan(5000);
  });

  it(`IDX gz: ${CASES} inputs`, () => {
    const gz = new Uint8Array(gzipSync(images));
    const [, typed] = run('IDX gz', fuzzInputs(gz, 3), (b) => parseIdx(b, 'fuzz.idx.gz'));
    expect(typed).toBeGreaterThan(9000);
    // Valid gzip around damaged IDX content reaches the IDX checks behind the decompressor.
    const rng = new SeededRandom(4);
    const inner = Array.from(fuzzInputs(images, 5), (b) => new Uint8Array(gzipSync(b, { level: 1 + rng.nextInt(9) })));
    run('IDX gz (damaged content)', inner, (b) => parseIdx(b, 'fuzz2.idx.gz'));
  });

  it(`CIFAR-10 and CIFAR-100: ${CASES} inputs each`, () => {
    const c10 = concatBytes([cifarRecord([3], (y, x, c) => y + x + c), cifarRecord([9], (y, x) => y * x)]);
    const c100 = concatBytes([cifarRecord([7, 42], (y, x, c) => y + x + c), cifarRecord([19, 99], (y, x) => y * x)]);
    const [ok10] = run('CIFAR-10', fuzzInputs(c10, 6), (b) => parseCifar10(b, { file: 'fuzz.bin' }));
    const [ok100] = run('CIFAR-100', fuzzInputs(c100, 7), (b) => parseCifar100(b, { file: 'fuzz.bin', labels: 'coarse' }));
    expect(ok10).toBeGreaterThan(100);
    expect(ok100).toBeGreaterThan(100);
  });

  it(`PNG decoder: ${CASES} inputs`, async () => {
    const decoder = await createNodeImageDecoder({ maxMegapixels: 4 });
    const png = pngBytes(8, 6, rgbaImage(8, 6, (y, x, c) => 30 * y + 10 * x + c));
    const [, typed] = run('PNG', fuzzInputs(png, 8), (b) => decoder.decode(b, 'fuzz.png'));
    expect(typed).toBeGreaterThan(9000);
    // Byte edits with every chunk CRC recomputed get past the CRC check into IHDR validation,
    // inflate and scanline filters.
    const fixed = Array.from(fuzzInputs(png, 10), (b, i) => (i % 3 === 1 ? fixChunkCrcs(b) : b));
    const [okFixed] = run('PNG (CRC fixed)', fixed, (b) => decoder.decode(b, 'fuzz.png'));
    expect(okFixed).toBeGreaterThan(0);
  });

  it(`JPEG decoder: ${CASES} inputs`, () => {
    const jpg = jpegBytes(16, 16, rgbaImage(16, 16, (y, x, c) => 8 * y + 4 * x + 50 * c), 90);
    const [ok, typed] = run('JPEG', fuzzInputs(jpg, 9), (b) => decodeJpeg(b, 'fuzz.jpg', { maxMegapixels: 4 }));
    expect(typed).toBeGreaterThan(3000);
    expect(ok).toBeGreaterThan(0);
  });
});
