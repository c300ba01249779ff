// Raw DEFLATE (RFC 1951) decoding with the same strictness as zlib's inflate: over-subscribed or
// incomplete Huffman codes, too many length/distance symbols, bad repeat codes, a missing
// end-of-block code, the reserved fixed-code symbols, distances before the start of the stream
// and mismatched stored-block lengths are all errors. Unlike fflate's inflateSync it reports
// where the stream ends, which gzip members and PNG's zlib stream need to find what follows.
import { CorruptFileError, TruncatedFileError } from '../errors';

/**
 * A growable output buffer with a hard size limit (internal). Starts at the caller's modest
 * estimate and grows by doubling, so memory follows the data actually decoded, never a size
 * field the file claims.
 */
export class ByteSink {
  /** Backing store; bytes `[0, length)` are the output. */
  data: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  constructor(
    initial: number,
    /** Largest output accepted, in bytes. */
    readonly limit: number,
    /** Named in the error raised when the limit is exceeded. */
    readonly file: string,
    /** Says which option raises the limit, for the error message. */
    readonly limitHint: string,
  ) {
    this.data = new Uint8Array(Math.max(16, Math.min(initial, limit)));
  }

  /** Makes room for `extra` more bytes or throws {@link CorruptFileError} past the limit. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    if (need > this.limit) {
      throw new CorruptFileError(this.file, `decompresses to more than ${this.limit} bytes; ${this.limitHint}`);
    }
    const grown = new Uint8Array(Math.min(this.limit, Math.max(need, this.data.length * 2)));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }

  /** The output written so far (a view, no copy). */
  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

/** A Huffman decoding table: entry = symbol << 4 | code length; 0 marks an unused code. */
interface Huffman {
  table: Int32Array;
  bits: number;
}

type CodeKind = 'code lengths' | 'literal/length' | 'distance';

const LEN_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEN_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/**
 * Builds the decoding table of canonical code `lengths`, or returns an error text. zlib's rules:
 * over-subscribed is always an error; incomplete is an error except a literal/length or distance
 * code with a single 1-bit code; no codes at all is allowed there (any use is an error).
 */
function buildHuffman(lengths: Uint8Array, kind: CodeKind): Huffman | string {
  const count = new Int32Array(16);
  for (let i = 0; i < lengths.length; i++) count[lengths[i]]++;
  let max = 15;
  while (max >= 1 && count[max] === 0) max--;
  if (max === 0) {
    if (kind === 'code lengths') return 'invalid code lengths set (no codes)';
    return { table: new Int32Array(2), bits: 1 };
  }
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - count[len];
    if (left < 0) return `over-subscribed ${kind} code`;
  }
  if (left > 0 && (kind === 'code lengths' || max !== 1)) return `incomplete ${kind} code`;
  count[0] = 0;
  const next = new Int32Array(16);
  for (let len = 1, code = 0; len <= 15; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  const table = new Int32Array(1 << max);
  for (let sym = 0; sym < lengths.length; sym++) {
    const len = lengths[sym];
    if (len === 0) continue;
    const code = next[len]++;
    let rev = 0;
    for (let b = 0; b < len; b++) rev |= ((code >>> b) & 1) << (len - 1 - b);
    for (let k = rev; k < table.length; k += 1 << len) table[k] = (sym << 4) | len;
  }
  return { table, bits: max };
}

let fixedTables: { lit: Huffman; dist: Huffman } | null = null;

function fixed(): { lit: Huffman; dist: Huffman } {
  if (fixedTables == null) {
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixedTables = { lit: buildHuffman(lit, 'literal/length') as Huffman, dist: buildHuffman(new Uint8Array(32).fill(5), 'distance') as Huffman };
  }
  return fixedTables;
}

/**
 * Decodes one raw DEFLATE stream starting at byte `start` of `input`, appending the output to
 * `sink`. Returns the offset of the first byte after the stream (its last partial byte counted
 * as used). Throws {@link TruncatedFileError} when the input ends inside the stream and
 * {@link CorruptFileError} for invalid data; `what` (e.g. `'gzip member 1'`) prefixes messages.
 *
 * @example
 * ```ts
 * const sink = new ByteSink(1024, 1 << 30, 'x.gz', 'raise maxBytes');
 * const end = inflateRaw(bytes, 10, sink, 'x.gz', 'gzip member 1');
 * ```
 */
export function inflateRaw(input: Uint8Array, start: number, sink: ByteSink, file: string, what: string): number {
  const end = input.length;
  const origin = sink.length; // distances may not reach before this stream's first byte
  let pos = start;
  let bitBuf = 0;
  let bitCnt = 0;
  const corrupt = (msg: string): never => {
    throw new CorruptFileError(file, `${what}: invalid deflate data (${msg}); the file is damaged, download or export it again`);
  };
  const truncated = (): never => {
    throw new TruncatedFileError(file, `${what}: the compressed data ends before its last block; the file is cut short`);
  };
  const bits = (n: number): number => {
    while (bitCnt < n) {
      if (pos >= end) truncated();
      bitBuf |= input[pos++] << bitCnt;
      bitCnt += 8;
    }
    const v = bitBuf & ((1 << n) - 1);
    bitBuf >>>= n;
    bitCnt -= n;
    return v;
  };
  const decode = (h: Huffman, kind: CodeKind): number => {
    while (bitCnt < h.bits && pos < end) {
      bitBuf |= input[pos++] << bitCnt;
      bitCnt += 8;
    }
    const e = h.table[bitBuf & ((1 << h.bits) - 1)];
    const len = e & 15;
    if (len === 0) {
      if (bitCnt < h.bits) truncated();
      corrupt(`invalid ${kind} code`);
    }
    if (len > bitCnt) truncated();
    bitBuf >>>= len;
    bitCnt -= len;
    return e >>> 4;
  };
  let last = 0;
  do {
    last = bits(1);
    const type = bits(2);
    if (type === 0) {
      // Stored: skip to a byte boundary, then LEN and its complement NLEN.
      pos -= bitCnt >>> 3;
      bitBuf = 0;
      bitCnt = 0;
      if (pos + 4 > end) truncated();
      const len = input[pos] | (input[pos + 1] << 8);
      const nlen = input[pos + 2] | (input[pos + 3] << 8);
      if (len !== (~nlen & 0xffff)) corrupt('invalid stored block lengths');
      pos += 4;
      if (pos + len > end) truncated();
      sink.reserve(len);
      sink.data.set(input.subarray(pos, pos + len), sink.length);
      sink.length += len;
      pos += len;
      continue;
    }
    if (type === 3) corrupt('invalid block type');
    let lit: Huffman;
    let dist: Huffman;
    if (type === 1) {
      ({ lit, dist } = fixed());
    } else {
      const nlen = bits(5) + 257;
      const ndist = bits(5) + 1;
      const ncode = bits(4) + 4;
      if (nlen > 286 || ndist > 30) corrupt('too many length or distance symbols');
      const clLengths = new Uint8Array(19);
      for (let i = 0; i < ncode; i++) clLengths[CL_ORDER[i]] = bits(3);
      const cl = buildHuffman(clLengths, 'code lengths');
      if (typeof cl === 'string') return corrupt(cl);
      const lengths = new Uint8Array(nlen + ndist);
      for (let i = 0; i < nlen + ndist;) {
        const sym = decode(cl, 'code lengths');
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let value = 0;
        let repeat: number;
        if (sym === 16) {
          if (i === 0) corrupt('invalid bit length repeat');
          value = lengths[i - 1];
          repeat = 3 + bits(2);
        } else if (sym === 17) {
          repeat = 3 + bits(3);
        } else {
          repeat = 11 + bits(7);
        }
        if (i + repeat > nlen + ndist) corrupt('invalid bit length repeat');
        lengths.fill(value, i, i + repeat);
        i += repeat;
      }
      if (lengths[256] === 0) corrupt('invalid code -- missing end-of-block');
      const l = buildHuffman(lengths.subarray(0, nlen), 'literal/length');
      if (typeof l === 'string') return corrupt(l);
      const d = buildHuffman(lengths.subarray(nlen), 'distance');
      if (typeof d === 'string') return corrupt(d);
      lit = l;
      dist = d;
    }
    // The hot loop: literal/length decoding inlined, output position kept in a local.
    const litTable = lit.table;
    const litBits = lit.bits;
    const litMask = (1 << litBits) - 1;
    let out = sink.data;
    let op = sink.length;
    for (;;) {
      while (bitCnt < litBits && pos < end) {
        bitBuf |= input[pos++] << bitCnt;
        bitCnt += 8;
      }
      const e = litTable[bitBuf & litMask];
      const len = e & 15;
      if (len === 0 || len > bitCnt) decode(lit, 'literal/length'); // throws the right error
      bitBuf >>>= len;
      bitCnt -= len;
      const sym = e >>> 4;
      if (sym < 256) {
        if (op === out.length) {
          sink.length = op;
          sink.reserve(1);
          out = sink.data;
        }
        out[op++] = sym;
        continue;
      }
      if (sym === 256) break;
      if (sym > 285) corrupt('invalid literal/length code');
      const length = LEN_BASE[sym - 257] + bits(LEN_EXTRA[sym - 257]);
      const dsym = decode(dist, 'distance');
      if (dsym > 29) corrupt('invalid distance code');
      const distance = DIST_BASE[dsym] + bits(DIST_EXTRA[dsym]);
      if (distance > op - origin) corrupt('invalid distance too far back');
      if (op + length > out.length) {
        sink.length = op;
        sink.reserve(length);
        out = sink.data;
      }
      for (let k = 0; k < length; k++, op++) out[op] = out[op - distance];
    }
    sink.length = op;
  } while (!last);
  return pos - (bitCnt >>> 3);
}
