import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, importTorchWeights, loadSafetensorsWeights, mcunetIn1, mobileNetV2, parseSafetensors, resnet18, SafetensorsError, type ZooModel } from '@odl/models';

type Entry = { dtype: 'F32' | 'F16' | 'BF16' | 'I64'; shape: number[]; bytes: Uint8Array };

/** Writes a safetensors file by hand (independent of the reader under test). */
function writeSafetensors(entries: Map<string, Entry>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, e] of entries) {
    header[name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.byteLength] };
    offset += e.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let p = 8 + json.length;
  for (const e of entries.values()) {
    out.set(e.bytes, p);
    p += e.bytes.byteLength;
  }
  return out;
}

const f32 = (a: ArrayLike<number>) => new Uint8Array(Float32Array.from(a).buffer);

/** PyTorch layout of a model's weights, permuted with plain index loops. */
function torchvisionEntries(model: ZooModel): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const l of model.layers()) {
    const w = l.weight.dataSync();
    if (l.type === 'dense') {
      const [I, O] = l.weight.shape;
      const t = new Float32Array(I * O);
      for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) t[o * I + i] = w[i * O + o];
      out.set(`${l.name}.weight`, { dtype: 'F32', shape: [O, I], bytes: f32(t) });
      out.set(`${l.name}.bias`, { dtype: 'F32', shape: [O], bytes: f32(l.bias!.dataSync()) });
      continue;
    }
    const [KH, KW, C, O] = l.weight.shape;
    const t = new Float32Array(w.length);
    if (l.kind === 'depthwise') {
      // tfjs [KH, KW, C, 1] -> torch [C, 1, KH, KW]
      for (let h = 0; h < KH; h++) for (let x = 0; x < KW; x++) for (let c = 0; c < C; c++) t[(c * KH + h) * KW + x] = w[(h * KW + x) * C + c];
      out.set(`${l.name}.weight`, { dtype: 'F32', shape: [C, 1, KH, KW], bytes: f32(t) });
    } else {
      for (let h = 0; h < KH; h++)
        for (let x = 0; x < KW; x++) for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) t[((o * C + c) * KH + h) * KW + x] = w[((h * KW + x) * C + c) * O + o];
      out.set(`${l.name}.weight`, { dtype: 'F32', shape: [O, C, KH, KW], bytes: f32(t) });
    }
    const bn = l.bn!;
    out.set(`${bn.name}.weight`, { dtype: 'F32', shape: [bn.gamma.size], bytes: f32(bn.gamma.dataSync()) });
    out.set(`${bn.name}.bias`, { dtype: 'F32', shape: [bn.beta.size], bytes: f32(bn.beta.dataSync()) });
    out.set(`${bn.name}.running_mean`, { dtype: 'F32', shape: [bn.beta.size], bytes: f32(bn.movingMean.dataSync()) });
    out.set(`${bn.name}.running_var`, { dtype: 'F32', shape: [bn.beta.size], bytes: f32(bn.movingVariance.dataSync()) });
    out.set(`${bn.name}.num_batches_tracked`, { dtype: 'I64', shape: [], bytes: new Uint8Array(8) });
  }
  return out;
}

describe('safetensors import (torchvision names)', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('MobileNetV2 (width 0.35) loaded from torchvision-named safetensors gives the logits of the source weights', () => {
    const source = mobileNetV2({ widthMultiplier: 0.35, numClasses: 6, seed: 1 });
    // non-trivial BatchNorm statistics and affine parameters
    let k = 0;
    for (const [name, v] of source.namedWeights()) {
      if (/running_var$/.test(name)) v.assign(tf.add(tf.randomUniform(v.shape, 0.5, 2, 'float32', k++), 0));
      else if (/running_mean$|\.bias$/.test(name) && v.rank === 1) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', k++));
      else if (/\.weight$/.test(name) && v.rank === 1) v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', k++));
    }
    const bytes = writeSafetensors(torchvisionEntries(source));
    const target = mobileNetV2({ widthMultiplier: 0.35, numClasses: 6, seed: 2 });
    const report = importTorchWeights(target, parseSafetensors(bytes).tensors);
    expect(report.loaded.length).toBe(source.namedWeights().size);
    const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const a = source.forward(x);
    const b = target.forward(x);
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(a)).dataSync()[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, a, b]);
    source.dispose();
    target.dispose();
  });

  it('ResNet-18 (downsample and fc names) round-trips through torchvision layout with the same logits', () => {
    const source = resnet18({ inputChannels: 1, numClasses: 4, seed: 3 });
    for (const [name, v] of source.namedWeights()) if (/running_mean$/.test(name)) v.assign(tf.randomNormal(v.shape, 0, 0.2, 'float32', 4));
    const target = resnet18({ inputChannels: 1, numClasses: 4, seed: 4 });
    const entries = torchvisionEntries(source);
    expect(entries.get('layer2.0.downsample.0.weight')!.shape).toEqual([128, 64, 1, 1]);
    expect(entries.get('fc.weight')!.shape).toEqual([4, 512]);
    importTorchWeights(target, parseSafetensors(writeSafetensors(entries)).tensors);
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const a = source.forward(x);
    const b = target.forward(x);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([x, a, b]);
    source.dispose();
    target.dispose();
  });

  it('clear errors for missing, unexpected and mis-shaped tensors', () => {
    const model = mobileNetV2({ widthMultiplier: 0.35, numClasses: 6, seed: 1 });
    const entries = torchvisionEntries(model);
    const missing = new Map(entries);
    missing.delete('features.3.conv.1.0.weight');
    expect(() => importTorchWeights(model, parseSafetensors(writeSafetensors(missing)).tensors)).toThrow(/missing: features\.3\.conv\.1\.0\.weight/);
    const extra = new Map(entries);
    extra.set('features.99.weight', { dtype: 'F32', shape: [1], bytes: f32([1]) });
    expect(() => importTorchWeights(model, parseSafetensors(writeSafetensors(extra)).tensors)).toThrow(/unexpected: features\.99\.weight/);
    const bad = new Map(entries);
    bad.set('classifier.1.weight', { dtype: 'F32', shape: [7, 1280], bytes: f32(new Float32Array(7 * 1280)) });
    expect(() => importTorchWeights(model, parseSafetensors(writeSafetensors(bad)).tensors)).toThrow(CheckpointError);
    expect(() => importTorchWeights(model, parseSafetensors(writeSafetensors(bad)).tensors)).toThrow(/classifier\.1\.weight.*\[7, 1280\].*\[6, 1280\]/);
    // skipping the classifier loads the rest
    const r = importTorchWeights(model, parseSafetensors(writeSafetensors(bad)).tensors, { skipClassifier: true });
    expect(r.loaded.some((n) => n.startsWith('classifier'))).toBe(false);
    model.dispose();
  });

  it('decodes F16 and BF16; rejects truncated files', () => {
    // 1.0, -2.0, 0.5, 65504 as float16; 1.0, -3.0 as bfloat16
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff]).buffer);
    const bf = new Uint8Array(new Uint16Array([0x3f80, 0xc040]).buffer);
    const file = parseSafetensors(
      writeSafetensors(
        new Map<string, Entry>([
          ['h', { dtype: 'F16', shape: [2, 2], bytes: half }],
          ['b', { dtype: 'BF16', shape: [2], bytes: bf }],
        ]),
      ),
    );
    expect(Array.from(file.tensors.get('h')!.data)).toEqual([1, -2, 0.5, 65504]);
    expect(Array.from(file.tensors.get('b')!.data)).toEqual([1, -3]);
    expect(file.metadata).toEqual({ format: 'pt' });
    const good = writeSafetensors(new Map<string, Entry>([['w', { dtype: 'F32', shape: [4], bytes: f32([1, 2, 3, 4]) }]]));
    expect(() => parseSafetensors(good.subarray(0, good.length - 4))).toThrow(SafetensorsError);
    expect(() => parseSafetensors(new Uint8Array(4))).toThrow(/too short/);
  });

  it('validates the whole header first: typed errors naming the file, the tensor and the field', async () => {
    const data = f32([1, 2, 3, 4]);
    const file = (header: unknown, bytes = data) => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + bytes.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(bytes, 8 + json.length);
      return out;
    };
    const w = (over: Record<string, unknown>) => ({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16], ...over } });
    const bad = (header: unknown, pattern: RegExp, bytes = data) => {
      let err: unknown;
      try {
        parseSafetensors(file(header, bytes), { file: 'x.safetensors' });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(header)).toBeInstanceOf(SafetensorsError);
      expect((err as SafetensorsError).file).toBe('x.safetensors');
      expect((err as Error).message).toMatch(/^x\.safetensors: /);
      expect((err as Error).message).toMatch(pattern);
    };
    expect(Array.from(parseSafetensors(file(w({}))).tensors.get('w')!.data)).toEqual([1, 2, 3, 4]);
    bad(null, /header/);
    bad([], /header/);
    bad({ __metadata__: null, ...w({}) }, /__metadata__ is null; it must be an object of strings/);
    bad({ __metadata__: { a: 1 }, ...w({}) }, /__metadata__\['a'\] is 1/);
    bad(w({ shape: [-4] }), /tensor 'w': shape \[-4\] must be an array of non-negative integers/);
    bad(w({ shape: [2.5] }), /tensor 'w': shape/);
    bad(w({ shape: ['4'] }), /tensor 'w': shape/);
    bad(w({ data_offsets: [0.5, 16.5] }), /tensor 'w': data_offsets \[0\.5,16\.5\] must be two non-negative integers/);
    bad(w({ data_offsets: ['0', '16'] }), /tensor 'w': data_offsets/);
    bad(w({ data_offsets: [16, 0] }), /end before they begin/);
    bad(w({ data_offsets: [0, 32] }), /run past the 16-byte data section/);
    bad(w({ dtype: 'F16' }), /needs 8 bytes, data_offsets \[0, 16\] span 16/);
    bad(w({ dtype: 'Q4' }), /tensor 'w': dtype "Q4" is not a safetensors dtype/);
    bad({ ...w({ data_offsets: [0, 16] }), v: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, /overlap/);
    bad({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, /cover 8 of the 16 data bytes/);
    bad(w({}), /cover 16 of the 20 data bytes/, new Uint8Array([...data, 0, 0, 0, 0]));
    // a caller's limit on the float32 size of each tensor, checked before any is made
    expect(() => parseSafetensors(file(w({})), { file: 'x.safetensors', maxTensorBytes: 15 })).toThrow(/tensor 'w' \[4\] needs 16 bytes as float32, more than maxTensorBytes=15/);
    expect(parseSafetensors(file(w({})), { maxTensorBytes: 16 }).tensors.get('w')!.shape).toEqual([4]);
    // loadSafetensorsWeights names the path it read
    const dir = mkdtempSync(join(tmpdir(), 'odl-st-'));
    const path = join(dir, 'bad.safetensors');
    writeFileSync(path, file(null));
    const model = mcunetIn1({ inputChannels: 1, numClasses: 2 });
    await expect(loadSafetensorsWeights(model, path)).rejects.toThrow(`${path}: header does not start with`);
    await expect(loadSafetensorsWeights(model, join(dir, 'missing.safetensors'))).rejects.toBeInstanceOf(SafetensorsError);
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
    // an integer buffer is validated too, then skipped (or refused with strictDtypes)
    const ints = file({ n: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } });
    expect(parseSafetensors(ints).tensors.size).toBe(0);
    expect(() => parseSafetensors(ints, { strictDtypes: true })).toThrow(/tensor 'n' has dtype I64/);
  });
});
