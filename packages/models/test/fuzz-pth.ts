// Seeded corrupt PyTorch .pth files and their judging: shared by the fuzz test (a few thousand
// inputs) and scripts/fuzz.ts (long mode). Three kinds of input:
//  - byte damage (mutateBytes) to files written by torch.save itself (fixtures/torch/layouts.pth,
//    and layouts-protocol4.pth, pickled with protocol 4):
//    parsePth must throw a TorchFileError or return exactly the tensors PyTorch saved
//    (fixtures/torch/layouts.json); the zip's CRC-32s make any accepted damage harmless;
//  - state dicts described by a spec (storages, offsets, sizes, strides, dtypes) with one lie
//    each, written by this file's own zip and pickle writers: judged by an independent reading
//    of the spec (which lies make the file invalid, and the values of every float tensor);
//  - byte damage to the pickle of such a file with the CRC re-stamped, so the interpreter itself
//    is fuzzed: a TorchFileError, or tensors whose sizes and values are consistent with the
//    archive's storages (every value one of its storage's).
import { OdlError, SeededRandom } from '@odl/backend';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { crc32 } from '@odl/datasets';
import { parsePth, TorchFileError, type PthFile } from '@odl/models';
import { emptyFuzzCounts, judgeFuzzCase, mutateBytes, type FuzzCounts, type FuzzVerdict } from '@odl/test-utils';

// This file runs from its folder (vitest) or bundled into node_modules/.cache/odl-models/
// (scripts/run-ts.mjs): the fixtures are found from either place.
const FIXTURES = [new URL('./fixtures/torch/', import.meta.url), new URL('../../../test/fixtures/torch/', import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((dir) => existsSync(join(dir, 'layouts.pth'))) ?? 'fixtures/torch';

// ---------------------------------------------------------------- a zip writer (stored entries)

/** Options of {@link writeZip}: what torch.save's writer does, and a few legal variations. */
export interface ZipOptions {
  /** Add zip64 end records (torch.save always does). Default true. */
  zip64?: boolean;
  /** Archive comment. */
  comment?: string;
  /** Compression method written in both headers (the data stays stored). Default 0. */
  method?: number;
}

/** Writes a zip archive of stored entries (independent of the reader under test). */
export function writeZip(entries: [string, Uint8Array][], options: ZipOptions = {}): Uint8Array {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const n = enc.encode(name);
    const local = new Uint8Array(30 + n.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0x800, true);
    lv.setUint16(8, options.method ?? 0, true);
    lv.setUint32(14, crc32(data), true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, n.length, true);
    local.set(n, 30);
    const c = new Uint8Array(46 + n.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x800, true);
    cv.setUint16(10, options.method ?? 0, true);
    cv.setUint32(16, crc32(data), true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, n.length, true);
    cv.setUint32(42, offset, true);
    c.set(n, 46);
    chunks.push(local, data);
    central.push(c);
    offset += local.length + data.length;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const tail: Uint8Array[] = [];
  if (options.zip64 !== false) {
    const z = new Uint8Array(56 + 20);
    const zv = new DataView(z.buffer);
    zv.setUint32(0, 0x06064b50, true);
    zv.setBigUint64(4, 44n, true);
    zv.setUint16(12, 45, true);
    zv.setUint16(14, 45, true);
    zv.setBigUint64(24, BigInt(entries.length), true);
    zv.setBigUint64(32, BigInt(entries.length), true);
    zv.setBigUint64(40, BigInt(cdSize), true);
    zv.setBigUint64(48, BigInt(cdOffset), true);
    zv.setUint32(56, 0x07064b50, true);
    zv.setBigUint64(64, BigInt(cdOffset + cdSize), true);
    zv.setUint32(72, 1, true);
    tail.push(z);
  }
  const comment = enc.encode(options.comment ?? '');
  const e = new Uint8Array(22 + comment.length);
  const ev = new DataView(e.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, cdOffset, true);
  ev.setUint16(20, comment.length, true);
  e.set(comment, 22);
  const parts = [...chunks, ...central, ...tail, e];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let p = 0;
  for (const part of parts) {
    out.set(part, p);
    p += part.length;
  }
  return out;
}

// ------------------------------------------------------ a pickle writer for state-dict specs

/** One tensor of a spec: a view of a storage. */
export interface TensorSpec {
  name: string | number;
  storage: string;
  offset: number;
  shape: number[];
  stride: number[];
  /** GLOBAL of the rebuild function (default torch._utils._rebuild_tensor_v2). */
  rebuild?: string;
}

/** One storage of a spec: its torch class, its element count as the pickle says, its bytes. */
export interface StorageSpec {
  type: string;
  numel: number;
  bytes: Uint8Array;
}

/** A state dict to write: storages by key, tensors in order. */
export interface Spec {
  storages: Map<string, StorageSpec>;
  tensors: TensorSpec[];
}

const ELEMENT: Record<string, number> = { FloatStorage: 4, HalfStorage: 2, BFloat16Storage: 2, DoubleStorage: 8, LongStorage: 8 };

/** Pickle (protocol 2) of a spec's state dict, laid out as torch.save writes one. */
export function writeStateDictPickle(spec: Spec): Uint8Array {
  const out: number[] = [0x80, 2];
  const enc = new TextEncoder();
  const str = (s: string) => {
    const b = enc.encode(s);
    out.push(0x58, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff, b.length >>> 24, ...b);
  };
  const global = (full: string) => {
    const i = full.lastIndexOf('.');
    out.push(0x63, ...enc.encode(`${full.slice(0, i)}\n${full.slice(i + 1)}\n`));
  };
  const int = (v: number) => {
    if (v >= 0 && v < 256) out.push(0x4b, v);
    else if (v >= 0 && v < 65536) out.push(0x4d, v & 0xff, v >> 8);
    else if (v >= -(2 ** 31) && v < 2 ** 31) out.push(0x4a, v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
    else {
      let b = BigInt(v);
      const bytes: number[] = [];
      for (let k = 0; k < 8; k++, b >>= 8n) bytes.push(Number(b & 0xffn));
      out.push(0x8a, 8, ...bytes);
    }
  };
  const tuple = (items: number[]) => {
    out.push(0x28);
    items.forEach(int);
    out.push(0x74);
  };
  global('collections.OrderedDict');
  out.push(0x29, 0x52, 0x28); // EMPTY_TUPLE REDUCE MARK
  for (const t of spec.tensors) {
    if (typeof t.name === 'string') str(t.name);
    else int(t.name);
    global(t.rebuild ?? 'torch._utils._rebuild_tensor_v2');
    out.push(0x28, 0x28); // MARK (args) MARK (persistent id)
    const s = spec.storages.get(t.storage);
    str('storage');
    global(`torch.${s?.type ?? 'FloatStorage'}`);
    str(t.storage);
    str('cpu');
    int(s?.numel ?? 1);
    out.push(0x74, 0x51); // TUPLE BINPERSID
    int(t.offset);
    tuple(t.shape);
    tuple(t.stride);
    out.push(0x89); // NEWFALSE
    global('collections.OrderedDict');
    out.push(0x29, 0x52, 0x74, 0x52); // EMPTY_TUPLE REDUCE TUPLE REDUCE
  }
  out.push(0x75, 0x2e); // SETITEMS STOP
  return new Uint8Array(out);
}

/** A .pth file of a spec: `archive/data.pkl`, `archive/data/<key>`, `archive/version`. */
export function writePth(spec: Spec, options: ZipOptions & { pickle?: Uint8Array } = {}): Uint8Array {
  const entries: [string, Uint8Array][] = [['archive/data.pkl', options.pickle ?? writeStateDictPickle(spec)]];
  for (const [key, s] of spec.storages) entries.push([`archive/data/${key}`, s.bytes]);
  entries.push(['archive/version', new TextEncoder().encode('3\n')]);
  return writeZip(entries, options);
}

// ---------------------------------------------------------------- the independent reference

type Expected = { valid: true; tensors: Map<string, { shape: number[]; values: number[] }> } | { valid: false; why: string };

function readElement(s: StorageSpec, i: number): number {
  const dv = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.byteLength);
  if (s.type === 'FloatStorage') return dv.getFloat32(4 * i, true);
  if (s.type === 'DoubleStorage') return Math.fround(dv.getFloat64(8 * i, true));
  throw new Error(`reference: no float reader for ${s.type}`);
}

/** What a correct reader makes of a spec: which lies are fatal, and every float tensor's values. */
export function referenceOfSpec(spec: Spec): Expected {
  const tensors = new Map<string, { shape: number[]; values: number[] }>();
  for (const t of spec.tensors) {
    if (typeof t.name !== 'string') return { valid: false, why: 'a key is not a string' };
    if ((t.rebuild ?? 'torch._utils._rebuild_tensor_v2') !== 'torch._utils._rebuild_tensor_v2') return { valid: false, why: `global ${t.rebuild}` };
    const s = spec.storages.get(t.storage);
    if (!s) return { valid: false, why: `storage ${t.storage} missing` };
    if (s.bytes.length !== s.numel * ELEMENT[s.type]!) return { valid: false, why: `storage ${t.storage} size` };
    if (t.shape.length !== t.stride.length) return { valid: false, why: 'rank mismatch' };
    if ([t.offset, ...t.shape, ...t.stride].some((v) => v < 0)) return { valid: false, why: 'negative' };
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count > 0 && t.offset + t.shape.reduce((a, d, i) => a + (d - 1) * t.stride[i]!, 0) >= s.numel) return { valid: false, why: 'view past the storage' };
    if (s.type === 'LongStorage') {
      tensors.delete(t.name);
      continue;
    }
    const values: number[] = [];
    const walk = (dim: number, at: number): void => {
      if (dim === t.shape.length) {
        values.push(readElement(s, at));
        return;
      }
      for (let i = 0; i < t.shape[dim]!; i++) walk(dim + 1, at + i * t.stride[dim]!);
    };
    walk(0, t.offset);
    tensors.set(t.name, { shape: [...t.shape], values }); // a repeated key: the last value wins, as in a Python dict
  }
  if (tensors.size === 0) return { valid: false, why: 'no float tensors' };
  return { valid: true, tensors };
}

// ---------------------------------------------------------------------------- the inputs

const pick = <T>(rng: SeededRandom, items: readonly T[]): T => items[rng.nextInt(items.length)]!;

function floatBytes(rng: SeededRandom, n: number, type = 'FloatStorage'): Uint8Array {
  const size = ELEMENT[type]!;
  const out = new Uint8Array(n * size);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    if (type === 'FloatStorage') dv.setFloat32(4 * i, rng.nextFloat() * 4 - 2, true);
    else if (type === 'DoubleStorage') dv.setFloat64(8 * i, rng.nextFloat() * 4 - 2, true);
    else dv.setBigInt64(8 * i, BigInt(i), true);
  }
  return out;
}

/** A valid spec: two storages shared by strided views, a float64 storage, an int64 buffer. */
function baseSpec(rng: SeededRandom): Spec {
  const storages = new Map<string, StorageSpec>([
    ['0', { type: 'FloatStorage', numel: 24, bytes: floatBytes(rng, 24) }],
    ['1', { type: 'DoubleStorage', numel: 5, bytes: floatBytes(rng, 5, 'DoubleStorage') }],
    ['2', { type: 'LongStorage', numel: 1, bytes: floatBytes(rng, 1, 'LongStorage') }],
    ['3', { type: 'FloatStorage', numel: 3, bytes: floatBytes(rng, 3) }],
  ]);
  return {
    storages,
    tensors: [
      { name: 'conv.weight', storage: '0', offset: 0, shape: [2, 3, 2, 2], stride: [12, 4, 2, 1] },
      { name: 'conv.weight_t', storage: '0', offset: 0, shape: [4, 6], stride: [1, 4] },
      { name: 'slice', storage: '0', offset: 5, shape: [3, 2], stride: [6, 2] },
      { name: 'double', storage: '1', offset: 0, shape: [5], stride: [1] },
      { name: 'bn.num_batches_tracked', storage: '2', offset: 0, shape: [], stride: [] },
      { name: 'bias', storage: '3', offset: 0, shape: [3], stride: [1] },
      { name: 'scalar', storage: '3', offset: 2, shape: [], stride: [] },
    ],
  };
}

/** One lie told about a spec (or a legal variation of it). */
function editSpec(spec: Spec, rng: SeededRandom): { spec: Spec; description: string; zip?: ZipOptions } {
  const s: Spec = { storages: new Map([...spec.storages].map(([k, v]) => [k, { ...v }])), tensors: spec.tensors.map((t) => ({ ...t, shape: [...t.shape], stride: [...t.stride] })) };
  const t = pick(rng, s.tensors);
  const key = pick(rng, [...s.storages.keys()]);
  const st = s.storages.get(key)!;
  const dim = t.shape.length ? rng.nextInt(t.shape.length) : -1;
  const edits: [string, () => ZipOptions | void][] = [
    ['stride +1', () => void (dim >= 0 && t.stride[dim]!++)],
    ['stride huge', () => void (dim >= 0 && (t.stride[dim] = 2 ** 40))],
    ['stride negative', () => void (dim >= 0 && (t.stride[dim] = -1))],
    ['stride 0 (broadcast, legal)', () => void (dim >= 0 && (t.stride[dim] = 0))],
    ['size +1', () => void (dim >= 0 && t.shape[dim]!++)],
    ['size 0 with a huge stride (empty, legal)', () => void (dim >= 0 && ((t.shape[dim] = 0), (t.stride[dim] = 2 ** 45)))],
    ['size huge', () => void (dim >= 0 && (t.shape[dim] = 2 ** 31))],
    ['rank mismatch', () => void t.stride.push(1)],
    ['offset +1', () => void t.offset++],
    ['offset = numel', () => void (t.offset = s.storages.get(t.storage)?.numel ?? 0)],
    ['offset negative', () => void (t.offset = -4)],
    ['storage numel +1', () => void st.numel++],
    ['storage numel -1', () => void (st.numel = Math.max(0, st.numel - 1))],
    ['storage bytes truncated', () => void (st.bytes = st.bytes.subarray(0, st.bytes.length - 1))],
    ['storage missing', () => void s.storages.delete(key)],
    ['storage key unknown', () => void (t.storage = 'zz')],
    ['storage Float → Double (size lie)', () => void (st.type === 'FloatStorage' && (st.type = 'DoubleStorage'))],
    ['storage → Long (skipped)', () => void (st.type = 'LongStorage', st.numel = Math.floor(st.bytes.length / 8), (st.bytes = st.bytes.subarray(0, 8 * st.numel)))],
    ['integer key', () => void (t.name = 7)],
    ['repeated key (last wins, legal)', () => void (t.name = s.tensors[0]!.name)],
    ['rebuild global os.system', () => void (t.rebuild = 'os.system')],
    ['rebuild global torch._utils._rebuild_qtensor', () => void (t.rebuild = 'torch._utils._rebuild_qtensor')],
    ['no tensors', () => void (s.tensors = [])],
    ['zip without zip64 records (legal)', () => ({ zip64: false })],
    ['zip comment (legal)', () => ({ comment: 'saved by hand' })],
    ['deflate method', () => ({ method: 8 })],
    ['unknown method', () => ({ method: 99 })],
  ];
  const [description, edit] = pick(rng, edits);
  const zip = edit() ?? undefined;
  return { spec: s, description, zip };
}

/** One seeded input and how to judge it. */
export interface PthCase {
  bytes: Uint8Array;
  description: string;
  /** The reference's reading; `partial` when only consistency with the storages can be checked. */
  expected: Expected | { partial: Map<string, Set<number>> };
}

const saved = () => {
  const json = JSON.parse(readFileSync(join(FIXTURES, 'layouts.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
  return new Map(Object.entries(json));
};

/**
 * The `count` seeded inputs of `seed`: 40 % byte damage to torch's own files, 40 % spec
 * lies, 20 % byte damage to a spec file's pickle (CRC re-stamped).
 */
export function* pthCases(count: number, seed: string | number = 'pth-fuzz'): Generator<PthCase> {
  const rng = new SeededRandom(seed);
  const torchFiles = ['layouts.pth', 'layouts-protocol4.pth'].map((f) => new Uint8Array(readFileSync(join(FIXTURES, f))));
  const torchTensors = saved();
  const base = baseSpec(rng);
  const basePickle = writeStateDictPickle(base);
  const storageValues = new Map<string, Set<number>>();
  for (const [key, s] of base.storages) {
    if (s.type === 'LongStorage') continue;
    storageValues.set(key, new Set(Array.from({ length: s.numel }, (_, i) => readElement(s, i))));
  }
  for (let i = 0; i < count; i++) {
    const r = rng.nextFloat();
    if (r < 0.4) {
      const k = rng.nextInt(torchFiles.length);
      const m = mutateBytes(torchFiles[k]!, rng, { headerBytes: 200 });
      yield { bytes: m.bytes, description: `torch file ${k}: ${m.description}`, expected: { valid: true, tensors: torchTensors } };
    } else if (r < 0.8) {
      const e = editSpec(base, rng);
      yield { bytes: writePth(e.spec, e.zip), description: `spec: ${e.description}`, expected: e.zip?.method ? { valid: false, why: 'compressed entry' } : referenceOfSpec(e.spec) };
    } else {
      const m = mutateBytes(basePickle, rng, { headerBytes: basePickle.length });
      yield { bytes: writePth(base, { pickle: m.bytes }), description: `pickle: ${m.description}`, expected: { partial: storageValues } };
    }
  }
}

const same = (a: number, b: number): boolean => (Number.isNaN(a) && Number.isNaN(b)) || Object.is(a, b);

function compare(got: PthFile, expected: PthCase['expected']): string | null {
  if ('partial' in expected) {
    const all = new Set([...expected.partial.values()].flatMap((s) => [...s]));
    for (const [name, t] of got.tensors) {
      if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) return `tensor '${name}': ${t.data.length} values for shape [${t.shape}]`;
      for (const v of t.data) if (!all.has(v)) return `tensor '${name}': value ${v} is in no storage`;
    }
    return null;
  }
  if (!expected.valid) return `accepted, the reference says: ${expected.why}`;
  if (got.tensors.size !== expected.tensors.size) return `${got.tensors.size} tensors, the reference has ${expected.tensors.size}`;
  for (const [name, t] of expected.tensors) {
    const g = got.tensors.get(name);
    if (!g) return `tensor '${name}' missing`;
    if (g.shape.join() !== t.shape.join()) return `tensor '${name}': shape [${g.shape}] vs [${t.shape}]`;
    for (let i = 0; i < t.values.length; i++) if (!same(g.data[i]!, t.values[i]!)) return `tensor '${name}'[${i}]: ${g.data[i]} vs ${t.values[i]}`;
  }
  return null;
}

/** Judges one input: a TorchFileError where the reference rejects it, else exactly its reading. */
export async function judgePth(c: PthCase): Promise<FuzzVerdict> {
  return judgeFuzzCase({
    run: () => parsePth(c.bytes, { maxTensorBytes: 1 << 20 }),
    isTyped: (e) => e instanceof TorchFileError && e instanceof OdlError,
    referenceValid: !('partial' in c.expected) && c.expected.valid && !c.description.startsWith('torch file'),
    check: (got) => compare(got, c.expected),
  });
}

/** Runs `count` inputs; returns the counts and the first failures (up to 10). */
export async function fuzzPth(count: number, seed?: string | number): Promise<{ counts: FuzzCounts; failures: string[] }> {
  const counts = emptyFuzzCounts();
  const failures: string[] = [];
  let i = 0;
  for (const c of pthCases(count, seed)) {
    const v = await judgePth(c);
    counts.inputs++;
    counts[v.outcome]++;
    if (v.outcome !== 'typed-error' && v.outcome !== 'accepted-correct' && failures.length < 10) failures.push(`#${i} ${v.outcome}: ${c.description}: ${v.detail}`);
    i++;
  }
  return { counts, failures };
}
