// A spec reading of a JPEG's marker structure, done before the pixel decoder runs, so that a
// header that lies about the image's size fails in microseconds instead of costing seconds of
// decoding and hundreds of MiB of buffers.
import { ImageDecodeError } from '../errors';
import { checkImageSize, type DecodeLimits } from './image-limits';

/** The frame header (SOF) fields of a JPEG that passed {@link checkJpeg}. */
export interface JpegHeader {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Number of colour components (1 grey, 3 YCbCr, 4 CMYK). */
  components: number;
}

const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * Checks a JPEG's markers against the specification before decoding: SOI, segments whose
 * lengths fit in the file, exactly one frame header (SOF) with a non-zero size within
 * `limits.maxPixels` and sampling factors 1..4, at least one scan after it, an EOI marker
 * (bytes after EOI are ignored, as other readers do), and enough entropy-coded data for the
 * declared size: every 8×8 block carries at least one bit of its DC coefficient, so a frame of
 * B blocks needs at least B bits. Throws {@link ImageDecodeError} naming `file`.
 *
 * @example
 * ```ts
 * const { width, height } = checkJpeg(bytes, 'dog.jpg', { maxPixels: 4096 * 4096 });
 * ```
 */
export function checkJpeg(bytes: Uint8Array, file: string, limits: DecodeLimits = {}): JpegHeader {
  const fail = (message: string): never => {
    throw new ImageDecodeError(file, message);
  };
  const cut = (): never => fail(`the file ends at byte ${bytes.length} before its EOI marker; the file is truncated`);
  if (!(bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)) fail('not a JPEG file (no FF D8 FF start-of-image marker)');
  let header: JpegHeader | null = null;
  let minBlocks = 0;
  let scans = 0;
  let entropyBytes = 0;
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length) cut();
    if (bytes[pos] !== 0xff) fail(`expected a marker at byte ${pos}, found 0x${bytes[pos].toString(16)}; the file is damaged`);
    while (pos < bytes.length && bytes[pos] === 0xff) pos++; // fill bytes
    if (pos >= bytes.length) cut();
    const marker = bytes[pos++];
    if (marker === 0xd9) break; // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM, RSTn: no length
    if (marker === 0xd8 || marker === 0x00) fail(`unexpected marker 0xff${marker.toString(16).padStart(2, '0')} at byte ${pos - 2}; the file is damaged`);
    if (pos + 2 > bytes.length) cut();
    const length = (bytes[pos] << 8) | bytes[pos + 1];
    if (length < 2) fail(`segment 0xff${marker.toString(16)} at byte ${pos - 2} has length ${length} (< 2); the file is damaged`);
    if (pos + length > bytes.length) cut();
    if (isSof(marker)) {
      if (header != null) fail(`a second frame header (SOF) at byte ${pos - 2}; the file is damaged`);
      const nc = length >= 8 ? bytes[pos + 7] : 0;
      if (nc === 0 || length !== 8 + 3 * nc) fail(`frame header at byte ${pos - 2} has length ${length} for ${nc} components; the file is damaged`);
      const height = (bytes[pos + 3] << 8) | bytes[pos + 4];
      const width = (bytes[pos + 5] << 8) | bytes[pos + 6];
      if (height === 0 || width === 0) fail(`frame header declares a ${width}x${height} image; an empty size (or one given later by DNL) is not supported`);
      checkImageSize(width, height, file, limits);
      const factors: Array<[number, number]> = [];
      for (let c = 0; c < nc; c++) {
        const hv = bytes[pos + 9 + 3 * c];
        const [hf, vf] = [hv >> 4, hv & 15];
        if (hf < 1 || hf > 4 || vf < 1 || vf > 4) fail(`component ${c} has sampling factors ${hf}x${vf} (1..4 each); the file is damaged`);
        factors.push([hf, vf]);
      }
      const hmax = Math.max(...factors.map((f) => f[0]));
      const vmax = Math.max(...factors.map((f) => f[1]));
      minBlocks = Math.min(...factors.map(([hf, vf]) => Math.ceil(Math.ceil((width * hf) / hmax) / 8) * Math.ceil(Math.ceil((height * vf) / vmax) / 8)));
      header = { width, height, components: nc };
    }
    pos += length;
    if (marker !== 0xda) continue;
    // SOS: the entropy-coded data runs to the next marker that is neither stuffing (FF 00) nor RSTn.
    if (header == null) fail(`a scan (SOS) before the frame header, at byte ${pos - length - 2}; the file is damaged`);
    scans++;
    for (;;) {
      if (pos >= bytes.length) cut();
      if (bytes[pos] !== 0xff) {
        entropyBytes++;
        pos++;
        continue;
      }
      if (pos + 1 >= bytes.length) cut();
      const next = bytes[pos + 1];
      if (next === 0x00) {
        entropyBytes++;
        pos += 2;
      } else if (next >= 0xd0 && next <= 0xd7) {
        pos += 2;
      } else {
        break;
      }
    }
  }
  if (header == null) fail('no frame header (SOF) before EOI; the file is damaged');
  const h = header!;
  if (scans === 0) fail('no image data (SOS scan) before EOI; the file is damaged');
  if (entropyBytes * 8 < minBlocks) {
    fail(`the header declares a ${h.width}x${h.height} image (${minBlocks} blocks of 8x8, at least one bit each) but the file holds only ${entropyBytes} bytes of image data; the header is damaged or the file is truncated`);
  }
  return h;
}
