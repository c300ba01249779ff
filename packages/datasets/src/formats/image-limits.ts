import { ArgumentError } from '@odl/backend';
import { ImageDecodeError } from '../errors';

/** Default of {@link DecodeLimits.maxPixels}: 2^26 pixels (e.g. 8192×8192), 256 MiB as RGBA. */
export const DEFAULT_MAX_PIXELS = 2 ** 26;

/** Limits applied before a decoder allocates pixels. */
export interface DecodeLimits {
  /**
   * Largest image accepted, in pixels (width × height; default {@link DEFAULT_MAX_PIXELS}).
   * Checked from the file's header before anything is decoded or allocated.
   */
  maxPixels?: number;
}

/**
 * Throws {@link ImageDecodeError} when width×height is zero or above `limits.maxPixels`
 * (default 2^26 pixels), naming `file`, the size and the option that raises the limit.
 *
 * @example
 * ```ts
 * checkImageSize(65535, 65535, 'huge.png'); // throws: 4294836225 pixels exceeds maxPixels=67108864
 * ```
 */
export function checkImageSize(width: number, height: number, file: string, limits: DecodeLimits = {}): void {
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isInteger(maxPixels) && maxPixels >= 1)) throw new ArgumentError(`maxPixels must be a positive integer, got ${maxPixels}`);
  if (!(width >= 1 && height >= 1)) throw new ImageDecodeError(file, `image size ${width}x${height} is empty; the header is damaged`);
  if (width * height > maxPixels) {
    throw new ImageDecodeError(file, `image size ${width}x${height} (${width * height} pixels) exceeds maxPixels=${maxPixels}; the header is damaged, or raise maxPixels if the image is real`);
  }
}
