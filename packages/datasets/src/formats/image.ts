import jpeg from 'jpeg-js';
import { ArgumentError } from '@odl/backend';
import { ImageDecodeError } from '../errors';
import { checkImageSize, type DecodeLimits } from './image-limits';
import { checkJpeg } from './jpeg';
import { checkPng } from './png';
import { sniffImageFormat } from './sniff';

/** A decoded image: 8-bit pixels, HWC row-major. */
export interface DecodedImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Channels per pixel: 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4;
  /** Pixels, length width·height·channels. */
  data: Uint8Array;
}

/**
 * Turns the bytes of an image file into pixels. Implementations must throw
 * {@link ImageDecodeError} (naming `file`) for anything they cannot decode, and nothing else.
 * Node: {@link createNodeImageDecoder} (pngjs + jpeg-js); browsers:
 * {@link createBrowserImageDecoder} (`createImageBitmap` + OffscreenCanvas).
 */
export interface ImageDecoder {
  /** Decodes one file's bytes; `file` is used in error messages. */
  decode(bytes: Uint8Array, file: string): DecodedImage | Promise<DecodedImage>;
}

/** An {@link ImageDecoder} whose `decode` is synchronous (the Node decoder). */
export interface SyncImageDecoder extends ImageDecoder {
  /** Decodes one file's bytes synchronously; `file` is used in error messages. */
  decode(bytes: Uint8Array, file: string): DecodedImage;
}

/** Width and height of an image, in pixels. */
export interface ImageSize {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/**
 * Reads width and height from a PNG's IHDR chunk without decoding it, so that an absurd size is
 * rejected before any allocation. Throws {@link ImageDecodeError}.
 *
 * @example
 * ```ts
 * const { width, height } = pngSize(bytes, 'cat.png');
 * ```
 */
export function pngSize(bytes: Uint8Array, file: string): ImageSize {
  if (sniffImageFormat(bytes) !== 'png') throw new ImageDecodeError(file, 'not a PNG file (bad signature)');
  if (bytes.length < 33) throw new ImageDecodeError(file, `PNG of ${bytes.length} bytes is too short to hold its IHDR chunk; the file is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]);
  if (type !== 'IHDR') throw new ImageDecodeError(file, `PNG's first chunk is '${type}', not IHDR; the file is corrupt`);
  return { width: view.getUint32(16, false), height: view.getUint32(20, false) };
}

/**
 * Decodes a baseline or progressive JPEG with jpeg-js (pure JS, works in Node and browsers)
 * into RGBA. The marker structure, the size (against `limits.maxPixels`) and the amount of
 * image data are checked first ({@link checkJpeg}), so a lying header fails before decoding.
 * Throws only {@link ImageDecodeError}.
 *
 * @example
 * ```ts
 * const img = decodeJpeg(bytes, 'dog.jpg'); // { width, height, channels: 4, data }
 * ```
 */
export function decodeJpeg(bytes: Uint8Array, file: string, limits: DecodeLimits = {}): DecodedImage {
  const header = checkJpeg(bytes, file, limits);
  const pixels = header.width * header.height;
  let out: { width: number; height: number; data: Uint8Array };
  try {
    out = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      tolerantDecoding: false,
      maxResolutionInMP: pixels / 1e6 + 1,
      // jpeg-js counts 4 bytes per coefficient and 1 per sample for each of at most 4
      // components, plus the RGBA output: under 32 bytes per pixel with MCU padding.
      maxMemoryUsageInMB: Math.ceil((pixels * 32) / 2 ** 20) + 64,
    });
  } catch (e) {
    throw new ImageDecodeError(file, `JPEG decoder: ${errorText(e)}`);
  }
  if (out.width !== header.width || out.height !== header.height) {
    throw new ImageDecodeError(file, `JPEG decoder returned ${out.width}x${out.height}, the frame header says ${header.width}x${header.height}; the file is damaged`);
  }
  return finish(out.width, out.height, out.data, file, 'JPEG');
}

/** Validates what a third-party decoder returned and wraps it as RGBA (internal). */
export function finish(width: number, height: number, data: Uint8Array | undefined, file: string, kind: string): DecodedImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ImageDecodeError(file, `${kind} decoder returned an empty ${width}x${height} image`);
  }
  if (data == null || data.length !== width * height * 4) {
    throw new ImageDecodeError(file, `${kind} decoder returned ${data?.length ?? 0} bytes for a ${width}x${height} RGBA image; the file is corrupt`);
  }
  return { width, height, channels: 4, data: data instanceof Uint8Array ? data : new Uint8Array(data) };
}

/** Message of anything thrown (decoders sometimes throw strings) (internal). */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * Converts 8-bit pixels between 1, 3 and 4 channels: grey→RGB repeats the value, RGB(A)→grey
 * uses ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B, rounded), RGBA→RGB drops alpha,
 * anything→RGBA adds an opaque alpha.
 *
 * @example
 * ```ts
 * const rgb = convertChannels(decoded, 3);
 * ```
 */
export function convertChannels(img: DecodedImage, channels: 1 | 3 | 4): DecodedImage {
  if (![1, 3, 4].includes(channels)) throw new ArgumentError(`convertChannels: channels must be 1, 3 or 4, got ${channels}`);
  if (img.channels === channels) return img;
  const n = img.width * img.height;
  const out = new Uint8Array(n * channels);
  const src = img.data;
  const c = img.channels;
  for (let p = 0; p < n; p++) {
    const r = src[p * c];
    const g = c === 1 ? r : src[p * c + 1];
    const b = c === 1 ? r : src[p * c + 2];
    if (channels === 1) {
      out[p] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    } else {
      out[p * channels] = r;
      out[p * channels + 1] = g;
      out[p * channels + 2] = b;
      if (channels === 4) out[p * channels + 3] = c === 4 ? src[p * 4 + 3] : 255;
    }
  }
  return { width: img.width, height: img.height, channels, data: out };
}

/**
 * A decoder for browsers and workers: `createImageBitmap` decodes the file (PNG, JPEG, WebP,
 * whatever the browser supports) and an OffscreenCanvas reads the RGBA pixels back. PNG and
 * JPEG files are first checked with {@link checkPng} / {@link checkJpeg} (size within
 * `limits.maxPixels`, data covering the image). Colour
 * space conversion and alpha premultiplication are turned off so that pixels are the stored
 * values.
 *
 * @example
 * ```ts
 * const ds = await loadImageFolder(source, { decoder: createBrowserImageDecoder() });
 * ```
 */
export function createBrowserImageDecoder(limits: DecodeLimits = {}): ImageDecoder {
  return {
    async decode(bytes: Uint8Array, file: string): Promise<DecodedImage> {
      const g = globalThis as unknown as {
        createImageBitmap?: (b: Blob, o?: object) => Promise<{ width: number; height: number; close(): void }>;
        OffscreenCanvas?: new (w: number, h: number) => { getContext(t: '2d'): any };
      };
      if (g.createImageBitmap == null || g.OffscreenCanvas == null) {
        throw new ImageDecodeError(file, 'createImageBitmap/OffscreenCanvas are not available here; in Node use createNodeImageDecoder()');
      }
      // The browser's decoders are as lenient as pngjs and jpeg-js: check the structure first.
      const format = sniffImageFormat(bytes);
      if (format === 'png') checkPng(bytes, file, limits);
      else if (format === 'jpeg') checkJpeg(bytes, file, limits);
      let bitmap: { width: number; height: number; close(): void };
      try {
        bitmap = await g.createImageBitmap(new Blob([bytes as BlobPart]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
      } catch (e) {
        throw new ImageDecodeError(file, `the browser cannot decode this image (${errorText(e)})`);
      }
      try {
        checkImageSize(bitmap.width, bitmap.height, file, limits);
        const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height);
        const ctx = canvas.getContext('2d');
        if (ctx == null) throw new ImageDecodeError(file, 'OffscreenCanvas has no 2d context');
        ctx.drawImage(bitmap, 0, 0);
        const pixels = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data as Uint8ClampedArray;
        return finish(bitmap.width, bitmap.height, new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), file, 'browser');
      } finally {
        bitmap.close();
      }
    },
  };
}
