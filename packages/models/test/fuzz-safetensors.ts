// Seeded corrupt safetensors files and their judging against the independent reader of
// @odl/test-utils: shared by the fuzz test (a few thousand inputs) and scripts/fuzz.ts (long mode).
import { OdlError, SeededRandom } from '@odl/backend';
import { parseSafetensors, SafetensorsError } from '@odl/models';
import { emptyFuzzCounts, judgeFuzzCase, mutateBytes, referenceSafetensors, type FuzzCounts, type FuzzVerdict } from '@odl/test-utils';

type Header = Record<string, unknown>;

/** A header object and the data bytes it indexes. */
interface Parts {
  header: unknown;
  data: Uint8Array;
}

/** Writes a safetensors file from a header value (any JSON, for lies) and data bytes. */
export function writeSafetensorsFile(header: unknown, data: Uint8Array, options: { pad?: boolean; text?: string } = {}): Uint8Array {
  let json = options.text ?? JSON.stringify(header);
  if (options.pad !== false) while (json.length % 8 !== 0) json += ' ';
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function bytesOf(values: number[], dtype: string): Uint8Array {
  const size = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, U8: 1, I32: 4 }[dtype]!;
  const out = new Uint8Array(values.length * size);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (dtype === 'F32') dv.setFloat32(i * 4, v, true);
    else if (dtype === 'F64') dv.setFloat64(i * 8, v, true);
    else if (dtype === 'I64') dv.setBigInt64(i * 8, BigInt(v), true);
    else if (dtype === 'I32') dv.setInt32(i * 4, v, true);
    else if (dtype === 'U8') dv.setUint8(i, v);
    else dv.setUint16(i * 2, v, true); // F16 / BF16 given as raw bits
  });
  return out;
}

/** Valid files: mixed dtypes, a scalar, an empty tensor, metadata. */
function validParts(rng: SeededRandom): Parts[] {
  const make = (specs: [string, string, number[], number[]][], metadata?: Record<string, string>): Parts => {
    const header: Header = metadata ? { __metadata__: metadata } : {};
    const chunks: Uint8Array[] = [];
    let offset = 0;
    for (const [name, dtype, shape, values] of specs) {
      const b = bytesOf(values, dtype);
      header[name] = { dtype, shape, data_offsets: [offset, offset + b.length] };
      chunks.push(b);
      offset += b.length;
    }
    const data = new Uint8Array(offset);
    let p = 0;
    for (const c of chunks) {
      data.set(c, p);
      p += c.length;
    }
    return { header, data };
  };
  const floats = (n: number) => Array.from({ length: n }, () => rng.nextFloat() * 4 - 2);
  return [
    make(
      [
        ['conv.weight', 'F32', [4, 1, 3, 3], floats(36)],
        ['conv.bias', 'F32', [4], floats(4)],
        ['bn.num_batches_tracked', 'I64', [], [7]],
        ['fc.weight', 'F16', [2, 4], [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8400, 0x7c00, 0x4248]],
        ['fc.bias', 'BF16', [2], [0x3f80, 0xc040]],
      ],
      { format: 'pt' },
    ),
    make([
      ['a', 'F64', [3], floats(3)],
      ['empty', 'F32', [0, 5], []],
      ['mask', 'U8', [2, 2], [0, 1, 255, 3]],
      ['b', 'F32', [2, 3], floats(6)],
    ]),
    make([['only', 'F32', [], [3.5]]], { note: 'scalar', other: '' }),
  ];
}

const pick = <T>(rng: SeededRandom, items: readonly T[]): T => items[rng.nextInt(items.length)]!;

/** Header edits that a hostile or broken writer produces. */
function semanticEdit(parts: Parts, rng: SeededRandom): { bytes: Uint8Array; description: string } {
  const header = structuredClone(parts.header) as Header;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = pick(rng, names);
  const entry = header[name] as { dtype: unknown; shape: unknown; data_offsets: unknown };
  const [begin, end] = entry.data_offsets as [number, number];
  const other = header[pick(rng, names)] as { data_offsets: [number, number] };
  const shape = entry.shape as number[];
  const edits: [string, () => unknown][] = [
    ['header null', () => null],
    ['header []', () => []],
    ['header 7', () => 7],
    ['header "x"', () => 'x'],
    ['__metadata__ null', () => ((header.__metadata__ = null), header)],
    ['__metadata__ []', () => ((header.__metadata__ = []), header)],
    ['__metadata__ number value', () => ((header.__metadata__ = { a: 1 }), header)],
    ['entry null', () => ((header[name] = null), header)],
    ['entry []', () => ((header[name] = []), header)],
    ['shape negative', () => ((entry.shape = [-1, ...shape]), header)],
    ['shape negative pair', () => ((entry.shape = shape.length ? [-shape[0]!, -1, ...shape.slice(1)] : [-1, -1]), header)],
    ['shape fractional', () => ((entry.shape = [0.5, ...shape.map((d) => d * 2)]), header)],
    ['shape string', () => ((entry.shape = shape.map(String)), header)],
    ['shape not array', () => ((entry.shape = String(shape[0] ?? 1)), header)],
    ['shape huge', () => ((entry.shape = [2 ** 53, 2 ** 53, 0]), header)],
    ['shape 1e300', () => ((entry.shape = [1e300]), header)],
    ['shape null', () => ((entry.shape = null), header)],
    ['offsets fractional', () => ((entry.data_offsets = [begin + 0.5, end + 0.5]), header)],
    ['offsets strings', () => ((entry.data_offsets = [String(begin), String(end)]), header)],
    ['offsets negative', () => ((entry.data_offsets = [begin - 8, end - 8]), header)],
    ['offsets swapped', () => ((entry.data_offsets = [end, begin]), header)],
    ['offsets three', () => ((entry.data_offsets = [begin, end, end]), header)],
    ['offsets one', () => ((entry.data_offsets = [end]), header)],
    ['offsets past end', () => ((entry.data_offsets = [begin + parts.data.length, end + parts.data.length]), header)],
    ['offsets of another tensor', () => ((entry.data_offsets = [...other.data_offsets]), header)],
    ['offsets shifted by 4', () => ((entry.data_offsets = [begin + 4, end + 4]), header)],
    ['offsets null', () => ((entry.data_offsets = null), header)],
    ['dtype lie (same size)', () => ((entry.dtype = { F32: 'I32', F16: 'BF16', BF16: 'F16', F64: 'I64', I64: 'F64', U8: 'I8' }[entry.dtype as string] ?? 'F32'), header)],
    ['dtype lie (other size)', () => ((entry.dtype = { F32: 'F16', F16: 'F32', BF16: 'F64', F64: 'F32', I64: 'I32', U8: 'F32' }[entry.dtype as string] ?? 'F64'), header)],
    ['dtype unknown', () => ((entry.dtype = 'f32'), header)],
    ['dtype number', () => ((entry.dtype = 4), header)],
    ['dtype constructor', () => ((entry.dtype = 'constructor'), header)],
    ['field missing', () => (delete (entry as Record<string, unknown>)[pick(rng, ['dtype', 'shape', 'data_offsets'])], header)],
    ['empty tensor appended', () => ((header.zz = { dtype: 'F32', shape: [0], data_offsets: [parts.data.length, parts.data.length] }), header)],
    ['extra field', () => ((entry as Record<string, unknown>).extra = { x: 1 }, header)],
  ];
  const [description, edit] = pick(rng, edits);
  const edited = edit();
  const r = rng.nextInt(10);
  if (r === 0) return { bytes: writeSafetensorsFile(edited, parts.data, { text: ` ${JSON.stringify(edited)}` }), description: `${description}, leading space` };
  if (r === 1) {
    const file = writeSafetensorsFile(edited, parts.data);
    const lie = Number(new DataView(file.buffer).getBigUint64(0, true)) + pick(rng, [-9, -1, 1, 8, 2 ** 32, -(2 ** 20)]);
    new DataView(file.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(lie)), true);
    return { bytes: file, description: `${description}, header length := ${lie}` };
  }
  return { bytes: writeSafetensorsFile(edited, parts.data), description };
}

/** One seeded corrupt (or, rarely, still valid) safetensors input. */
export interface SafetensorsCase {
  bytes: Uint8Array;
  description: string;
}

/**
 * The `count` seeded inputs of seed `seed`: 60 % byte-level mutations of a valid file
 * (`mutateBytes`, a third aimed at the header), 40 % header edits (null, [], negative,
 * fractional or string shapes and offsets, overlaps, dtype lies, length lies).
 */
export function* safetensorsCases(count: number, seed: string | number = 'safetensors-fuzz'): Generator<SafetensorsCase> {
  const rng = new SeededRandom(seed);
  const bases = validParts(rng);
  const files = bases.map((p) => writeSafetensorsFile(p.header, p.data));
  for (let i = 0; i < count; i++) {
    const k = rng.nextInt(bases.length);
    if (rng.nextFloat() < 0.6) {
      const headerBytes = Number(new DataView(files[k]!.buffer).getBigUint64(0, true)) + 8;
      const m = mutateBytes(files[k]!, rng, { headerBytes });
      yield { bytes: m.bytes, description: `file ${k}: ${m.description}` };
    } else {
      const e = semanticEdit(bases[k]!, rng);
      yield { bytes: e.bytes, description: `file ${k}: ${e.description}` };
    }
  }
}

const same = (a: number, b: number): boolean => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

/**
 * Judges one input: `parseSafetensors` must throw a `SafetensorsError` when the reference calls
 * the file invalid, and return exactly the reference's float tensors (values rounded to float32)
 * and metadata when it calls it valid.
 */
export async function judgeSafetensors(bytes: Uint8Array): Promise<FuzzVerdict> {
  const ref = referenceSafetensors(bytes);
  return judgeFuzzCase({
    run: () => parseSafetensors(bytes),
    isTyped: (e) => e instanceof SafetensorsError && e instanceof OdlError,
    referenceValid: ref.valid,
    check: (got) => {
      if (!ref.valid) return `accepted, the reference says: ${ref.reason}`;
      const floats = [...ref.tensors].filter(([, t]) => ['F32', 'F16', 'BF16', 'F64'].includes(t.dtype));
      if (got.tensors.size !== floats.length) return `${got.tensors.size} tensors, the reference has ${floats.length} float tensors`;
      for (const [name, t] of floats) {
        const g = got.tensors.get(name);
        if (!g) return `tensor '${name}' missing`;
        if (g.dtype !== t.dtype || g.shape.join() !== t.shape.join()) return `tensor '${name}': ${g.dtype} [${g.shape}] vs ${t.dtype} [${t.shape}]`;
        for (let i = 0; i < t.values.length; i++) if (!same(g.data[i]!, Math.fround(t.values[i]!))) return `tensor '${name}'[${i}]: ${g.data[i]} vs ${t.values[i]}`;
      }
      if (JSON.stringify(got.metadata) !== JSON.stringify(ref.metadata)) return 'metadata differs';
      return null;
    },
  });
}

/** Runs `count` inputs; returns the counts and the first failures (up to 10). */
export async function fuzzSafetensors(count: number, seed?: string | number): Promise<{ counts: FuzzCounts; failures: string[] }> {
  const counts = emptyFuzzCounts();
  const failures: string[] = [];
  for (const c of safetensorsCases(count, seed)) {
    const v = await judgeSafetensors(c.bytes);
    counts.inputs++;
    counts[v.outcome]++;
    if (v.outcome !== 'typed-error' && v.outcome !== 'accepted-correct' && failures.length < 10) failures.push(`${v.outcome}: ${c.description}: ${v.detail}`);
  }
  return { counts, failures };
}
