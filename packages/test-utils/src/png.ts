// A minimal PNG writer for test fixtures, byte by byte from the PNG specification: signature,
// IHDR, one zlib IDAT of unfiltered rows, IEND (CRC-32 and deflate from node:zlib). Node only.
import { crc32, deflateSync } from 'node:zlib';

const COLOUR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/**
 * An 8-bit PNG of `width`×`height` from row-major pixels with `channels` values each (1: grey,
 * 3: RGB, 4: RGBA), for tests that need image files on disk.
 *
 * @example
 * ```ts
 * writeFileSync('cat/0.png', encodePng(new Uint8Array(16 * 16 * 3).fill(128), 16, 16, 3));
 * ```
 */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3 | 4 = 1): Buffer {
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: ${pixels.length} values for ${width}×${height}×${channels}`);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = COLOUR_TYPE[channels];
  const stride = width * channels;
  const rows = Buffer.alloc(height * (1 + stride)); // each row: filter byte 0 (none), then its values
  for (let y = 0; y < height; y++) rows.set(pixels.subarray(y * stride, (y + 1) * stride), y * (1 + stride) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))]);
}
