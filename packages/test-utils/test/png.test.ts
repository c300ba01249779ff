import { describe, expect, it } from 'vitest';
import { crc32, inflateSync } from 'node:zlib';
import { encodePng } from '@odl/test-utils';

/** Reads the chunks of a PNG back, checking each CRC (the PNG specification's layout). */
function chunks(png: Uint8Array): { type: string; data: Buffer }[] {
  const b = Buffer.from(png);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < b.length; ) {
    const length = b.readUInt32BE(at);
    const type = b.toString('ascii', at + 4, at + 8);
    const data = b.subarray(at + 8, at + 8 + length);
    expect(b.readUInt32BE(at + 8 + length)).toBe(crc32(b.subarray(at + 4, at + 8 + length)) >>> 0);
    out.push({ type, data });
    at += 12 + length;
  }
  return out;
}

describe('encodePng', () => {
  it.each([1, 3, 4] as const)('%i channel(s): IHDR, one IDAT of unfiltered rows holding the pixels, IEND', (channels) => {
    const [width, height] = [5, 3];
    const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (i * 37) & 0xff);
    const cs = chunks(encodePng(pixels, width, height, channels));
    expect(cs.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = cs[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([width, height, 8, { 1: 0, 3: 2, 4: 6 }[channels]]);
    const rows = inflateSync(cs[1]!.data);
    const stride = width * channels;
    expect(rows.length).toBe(height * (1 + stride));
    for (let y = 0; y < height; y++) {
      expect(rows[y * (1 + stride)]).toBe(0);
      expect([...rows.subarray(y * (1 + stride) + 1, (y + 1) * (1 + stride))]).toEqual([...pixels.subarray(y * stride, (y + 1) * stride)]);
    }
  });

  it('refuses a pixel count that does not match the size', () => {
    expect(() => encodePng(new Uint8Array(10), 4, 4, 1)).toThrow(/10 values for 4×4×1/);
  });
});
