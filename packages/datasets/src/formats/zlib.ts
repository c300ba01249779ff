// The zlib container (RFC 1950) around a DEFLATE stream, as PNG's image data uses it.
import { CorruptFileError, TruncatedFileError } from '../errors';
import { ByteSink, inflateRaw } from './inflate';

/**
 * Adler-32 checksum (RFC 1950, the checksum of zlib streams) of `bytes`.
 *
 * @example
 * ```ts
 * adler32(new TextEncoder().encode('Wikipedia')); // 0x11e60398
 * ```
 */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length;) {
    // 5552 bytes is the most that can be summed before b could overflow 2^53 (zlib's NMAX).
    const stop = Math.min(bytes.length, i + 5552);
    for (; i < stop; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Decodes a complete zlib stream that must fill `input` exactly: the 2-byte header (deflate,
 * window ≤ 32 KiB, no preset dictionary, check bits), the deflate data, and the Adler-32 of the
 * output. The output may not exceed `limit` bytes. Throws {@link TruncatedFileError} or
 * {@link CorruptFileError} naming `file`; `what` (e.g. `'PNG image data'`) prefixes messages.
 *
 * @example
 * ```ts
 * const raw = inflateZlib(idat, 'cat.png', 'PNG image data', expectedBytes, 'the image data is larger than its size');
 * ```
 */
export function inflateZlib(input: Uint8Array, file: string, what: string, limit: number, limitHint: string): Uint8Array {
  if (input.length < 2) throw new TruncatedFileError(file, `${what}: ${input.length} bytes cannot hold a zlib header; the file is cut short`);
  const cmf = input[0];
  const flg = input[1];
  if ((cmf & 15) !== 8 || cmf >> 4 > 7) throw new CorruptFileError(file, `${what}: zlib header 0x${cmf.toString(16)} is not deflate with a window of at most 32 KiB; the file is damaged`);
  if (((cmf << 8) | flg) % 31 !== 0) throw new CorruptFileError(file, `${what}: zlib header check bits are wrong; the file is damaged`);
  if (flg & 0x20) throw new CorruptFileError(file, `${what}: zlib stream asks for a preset dictionary, which this format does not allow; the file is damaged`);
  const sink = new ByteSink(Math.min(limit, input.length * 4), limit, file, limitHint);
  const end = inflateRaw(input, 2, sink, file, what);
  if (end + 4 > input.length) throw new TruncatedFileError(file, `${what}: the zlib stream ends inside its Adler-32 checksum; the file is cut short`);
  const stored = ((input[end] << 24) | (input[end + 1] << 16) | (input[end + 2] << 8) | input[end + 3]) >>> 0;
  const out = sink.view();
  if (adler32(out) !== stored) throw new CorruptFileError(file, `${what}: Adler-32 mismatch; the file is damaged`);
  if (end + 4 !== input.length) throw new CorruptFileError(file, `${what}: ${input.length - end - 4} bytes follow the end of the zlib stream; the file is damaged`);
  return out;
}
