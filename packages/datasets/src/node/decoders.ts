import { ImageDecodeError } from '../errors';
import {
  createBrowserImageDecoder, decodeJpeg, errorText, finish, type DecodedImage, type ImageDecoder, type SyncImageDecoder,
} from '../formats/image';
import type { DecodeLimits } from '../formats/image-limits';
import { checkPng } from '../formats/png';
import { sniffImageFormat } from '../formats/sniff';

type PngSync = { sync: { read(buffer: Uint8Array, options?: object): { width: number; height: number; data: Uint8Array } } };

let pngModule: Promise<PngSync> | null = null;

async function loadPng(): Promise<PngSync> {
  // Loaded lazily: pngjs needs Node's zlib and stream, which browser bundles do not have.
  pngModule ??= import('pngjs').then((m) => ((m as any).PNG ?? (m as any).default?.PNG) as PngSync);
  return pngModule;
}

/**
 * Decodes a PNG with the given pngjs module (from {@link createNodeImageDecoder}) into RGBA,
 * after {@link checkPng} has checked its structure, its size against the limits (before any
 * allocation) and that its image data covers the declared image. Throws only
 * {@link ImageDecodeError}.
 */
function decodePngWith(png: PngSync, bytes: Uint8Array, file: string, limits: DecodeLimits): DecodedImage {
  const { width, height } = checkPng(bytes, file, limits);
  let out: { width: number; height: number; data: Uint8Array };
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    out = png.sync.read(buffer);
  } catch (e) {
    throw new ImageDecodeError(file, `PNG decoder: ${errorText(e)}`);
  }
  if (out.width !== width || out.height !== height) {
    throw new ImageDecodeError(file, `PNG decoder returned ${out.width}x${out.height}, IHDR says ${width}x${height}`);
  }
  return finish(out.width, out.height, out.data, file, 'PNG');
}

/**
 * A decoder for Node: PNG with pngjs (loaded lazily, so browser bundles never pull in Node's
 * zlib), JPEG with jpeg-js, picked by the file's magic bytes (not its extension). Each file's
 * structure is checked first ({@link checkPng}, {@link checkJpeg}): its size against
 * `limits.maxPixels` (default 2^26 pixels) before anything is allocated, and that its data covers
 * the declared image. Its `decode` is synchronous and throws only {@link ImageDecodeError}.
 *
 * @example
 * ```ts
 * const decoder = await createNodeImageDecoder();
 * const img = decoder.decode(await readFileBytes('cat/1.png'), 'cat/1.png');
 * ```
 */
export async function createNodeImageDecoder(limits: DecodeLimits = {}): Promise<SyncImageDecoder> {
  const png = await loadPng();
  return {
    decode(bytes: Uint8Array, file: string): DecodedImage {
      const format = sniffImageFormat(bytes);
      if (format === 'png') return decodePngWith(png, bytes, file, limits);
      if (format === 'jpeg') return decodeJpeg(bytes, file, limits);
      throw new ImageDecodeError(file, bytes.length === 0 ? 'the file is empty' : 'neither PNG nor JPEG (unrecognised magic bytes); convert it or pass a decoder that handles it');
    },
  };
}

/**
 * The default decoder of this environment: {@link createNodeImageDecoder} in Node,
 * {@link createBrowserImageDecoder} elsewhere.
 *
 * @example
 * ```ts
 * const decoder = await defaultImageDecoder();
 * ```
 */
export async function defaultImageDecoder(limits: DecodeLimits = {}): Promise<ImageDecoder> {
  const isNode = typeof process !== 'undefined' && process.versions?.node != null;
  if (isNode) return createNodeImageDecoder(limits);
  return createBrowserImageDecoder(limits);
}
