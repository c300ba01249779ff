import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePth, parseSafetensors, TorchFileError } from '@odl/models';
import { writePth, writeStateDictPickle, writeZip, type Spec } from './fuzz-pth';

const FIXTURES = join(__dirname, 'fixtures', 'torch');
const read = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

describe('parsePth: files written by torch.save (torch 1.13, scripts/make-torch-fixtures.py)', () => {
  it.each(['layouts.pth', 'layouts-protocol4.pth', 'layouts-wrapped.pth'])('%s: strided views, storage offsets, float16/float64/bfloat16 exactly as PyTorch lays them out', (file) => {
    const { tensors, skipped } = parsePth(read(file), { file });
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'layouts.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
    expect([...tensors.keys()]).toEqual(Object.keys(expected));
    for (const [name, e] of Object.entries(expected)) {
      const t = tensors.get(name)!;
      expect(t.shape, name).toEqual(e.shape);
      expect(Array.from(t.data), name).toEqual(e.values);
    }
    expect(skipped).toEqual(['bn.num_batches_tracked']);
  });

  it('gives the same tensors as the safetensors copy of the same state dict', () => {
    const pth = parsePth(read('mobilenet_v2_w025.pth')).tensors;
    const st = parseSafetensors(read('mobilenet_v2_w025.safetensors')).tensors;
    expect([...pth.keys()]).toEqual([...st.keys()]);
    for (const [name, t] of st) {
      expect(pth.get(name)!.shape, name).toEqual(t.shape);
      const a = pth.get(name)!.data;
      expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), name).toBe(true);
    }
  });
});

describe('parsePth: damaged and unsupported files are TorchFileErrors naming the problem and the fix', () => {
  const good = read('layouts.pth');
  const bad = (bytes: Uint8Array, pattern: RegExp, options = {}) => {
    let error: unknown;
    try {
      parsePth(bytes, { file: 'x.pth', ...options });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TorchFileError);
    expect((error as Error).message).toMatch(/^x\.pth: /);
    expect((error as Error).message).toMatch(pattern);
  };
  const spec = (): Spec => ({
    storages: new Map([['0', { type: 'FloatStorage', numel: 6, bytes: new Uint8Array(Float32Array.from([1, 2, 3, 4, 5, 6]).buffer) }]]),
    tensors: [{ name: 'w', storage: '0', offset: 0, shape: [2, 3], stride: [3, 1] }],
  });

  it('truncation anywhere, a flipped data byte, not a zip, the legacy format', () => {
    for (const n of [0, 10, 100, good.length / 2, good.length - 1]) bad(good.subarray(0, Math.floor(n)), /truncated|too short|corrupt/);
    const flipped = good.slice();
    flipped[good.length - 400] ^= 0x10; // inside a storage or the pickle, which the CRC covers
    bad(flipped, /CRC-32 mismatch|corrupt/);
    bad(new TextEncoder().encode('{"not": "a zip"}'), /not a zip archive.*\.safetensors/);
    bad(new Uint8Array([0x80, 0x02, 0x8a, 0x0a]), /legacy \(pre-1\.6\) format; re-save/);
  });

  it('zip structure: compressed or encrypted entries, no data.pkl, a TorchScript archive', () => {
    const entries = (names: string[]): [string, Uint8Array][] => names.map((n) => [n, new TextEncoder().encode('3\n')]);
    bad(writePth(spec(), { method: 8 }), /deflate-compressed; torch\.save writes stored entries/);
    bad(writeZip(entries(['archive/version'])), /0 '<archive>\/data\.pkl' entries/);
    const script = writeZip([['m/data.pkl', writeStateDictPickle(spec())], ['m/constants.pkl', new Uint8Array(1)], ['m/data/0', spec().storages.get('0')!.bytes]]);
    bad(script, /TorchScript archive \(torch\.jit\.save\); save model\.state_dict\(\)/);
  });

  it('pickle and tensor lies: a foreign global, a view past its storage, a storage of the wrong size, a size limit', () => {
    const s = spec();
    s.tensors[0]!.rebuild = 'os.system';
    bad(writePth(s), /GLOBAL 'os\.system' is not part of a state dict/);
    const past = spec();
    past.tensors[0]!.stride = [4, 1];
    bad(writePth(past), /tensor 'w': size \[2, 3\], stride \[4, 1\] and offset 0 reach element 6 of a 6-element storage/);
    const size = spec();
    size.storages.get('0')!.numel = 7;
    bad(writePth(size), /storage '0' should hold 7 FloatStorage elements \(28 bytes\), the archive has 24 bytes/);
    bad(writePth(spec()), /tensor 'w' \[2, 3\] needs 24 bytes as float32, more than maxTensorBytes=23/, { maxTensorBytes: 23 });
    expect(parsePth(writePth(spec()), { maxTensorBytes: 24 }).tensors.get('w')!.data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
    const pickle = writeStateDictPickle(spec());
    bad(writePth(spec(), { pickle: pickle.subarray(0, pickle.length - 1) }), /without a STOP opcode/);
    bad(writePth(spec(), { pickle: Uint8Array.from([...pickle.subarray(0, 2), 0x42, ...pickle.subarray(2)]) }), /opcode 0x42 \(BINBYTES\) at offset 2 is not used by a torch\.save state dict/);
  });

  it('integer tensors are skipped, or refused with strictDtypes', () => {
    expect(() => parsePth(good, { strictDtypes: true })).toThrow(/tensor 'bn\.num_batches_tracked' is LongStorage; only float tensors load/);
  });
});
