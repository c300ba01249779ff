/** Image container formats recognised by their magic bytes. */
export type ImageFormat = 'png' | 'jpeg' | 'unknown';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Recognises PNG (89 50 4E 47 0D 0A 1A 0A) and JPEG (FF D8 FF) by their magic bytes.
 *
 * @example
 * ```ts
 * sniffImageFormat(bytes); // 'png'
 * ```
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return 'unknown';
}
