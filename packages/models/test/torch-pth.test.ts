import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePth, parseSafetensors, TorchFileError } from '@odl/models';

const FIXTURES = join(__dirname, 'fixtures', 'torch');
const read = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

describe('parsePth: files written by torch.save (torch 1.13, scripts/make-torch-fixtures.py)', () => {
  it('reads strided views, storage offsets, float16/float64/bfloat16 exactly as PyTorch lays them out', () => {
    const { tensors, skipped } = parsePth(read('layouts.pth'), { file: 'layouts.pth' });
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
      expect(pth.get(name)!.data, name).toEqual(t.data);
    }
  });
});
