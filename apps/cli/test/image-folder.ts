// Writes small RGB PNG class folders for the CLI tests, byte by byte from the PNG specification
// (signature, IHDR, one zlib IDAT of filter-0 rows, IEND).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { crc32 } from '@odl/datasets';

function chunk(type: string, data: Uint8Array): Buffer {
  const b = Buffer.alloc(12 + data.length);
  b.writeUInt32BE(data.length, 0);
  b.write(type, 4, 'ascii');
  b.set(data, 8);
  b.writeUInt32BE(crc32(b.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return b;
}

/** An 8-bit RGB PNG of `width`×`height` from HWC pixels. */
export function rgbPng(width: number, height: number, rgb: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  const rows = Buffer.alloc(height * (1 + 3 * width));
  for (let y = 0; y < height; y++) rows.set(rgb.subarray(y * 3 * width, (y + 1) * 3 * width), y * (1 + 3 * width) + 1);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', new Uint8Array(0))]);
}

/** A folder with one subfolder of `perClass` 16×16 RGB PNGs per class; class k is bright in channel k. */
export function writeClassFolders(root: string, classes: string[], perClass = 8): void {
  classes.forEach((name, k) => {
    mkdirSync(join(root, name), { recursive: true });
    for (let i = 0; i < perClass; i++) {
      const px = new Uint8Array(16 * 16 * 3);
      for (let p = 0; p < px.length; p++) px[p] = (p % 3 === k % 3 ? 200 : 30) + 3 * i;
      writeFileSync(join(root, name, `${i}.png`), rgbPng(16, 16, px));
    }
  });
}
