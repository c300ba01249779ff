import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointError, createModel, createModelFromTorch, encodeSafetensors, exportTorchWeights, importTorchWeights, inferTorchOptions,
  loadTorchWeights, mcunetIn1, parsePth, parseSafetensors, readTorchStateDict, resnet18, saveTorchWeights, torchNameMap,
  type ArchitectureName, type SafetensorsTensor, type ZooModel,
} from '@odl/models';
import { fixture, json, logitsRelativeError, torchReference } from './torch-fixtures';

/** PyTorch's logits of the fixture model on the fixture input, and that input as NHWC. */
const reference = () => torchReference('input.safetensors', 'mobilenet_v2_w025.logits.json');

// Fixtures written by Debian's python3-torch 1.13 / torchvision 0.14 with scripts/make-torch-fixtures.py.

const floatTensors = (m: Map<string, SafetensorsTensor>) => [...m].filter(([n]) => !n.endsWith('num_batches_tracked'));

function expectSameTensors(a: Map<string, SafetensorsTensor>, b: Map<string, SafetensorsTensor>): void {
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(u.shape, name).toEqual(t.shape);
    expect(sameBytes(u.data, t.data), name).toBe(true);
  }
}

describe('PyTorch weights: torchvision MobileNetV2 (width 0.25, 5 classes) saved by torch 1.13', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('the reference discriminates: PyTorch\'s logits of the two fixture inputs differ far more than the 1e-4 tolerance', () => {
    const { logits, shape } = json<{ logits: number[]; shape: number[] }>('mobilenet_v2_w025.logits.json');
    const [rows, cols] = shape as [number, number];
    expect(rows).toBe(2);
    let diff = 0;
    let scale = 0;
    for (let j = 0; j < cols; j++) {
      diff = Math.max(diff, Math.abs(logits[j]! - logits[cols + j]!));
      scale = Math.max(scale, Math.abs(logits[j]!), Math.abs(logits[cols + j]!));
    }
    expect(diff / scale).toBeGreaterThan(0.1);
  });

  for (const file of ['mobilenet_v2_w025.pth', 'mobilenet_v2_w025.safetensors']) {
    it(`${file}: odl's logits match PyTorch's within 1e-4 relative (width and classes read from the file)`, async () => {
      const ref = reference();
      const before = tf.memory().numTensors;
      const { model, report, format } = await createModelFromTorch('mobilenetv2', fixture(file));
      expect(format).toBe(file.endsWith('.pth') ? 'pth' : 'safetensors');
      expect(model.config).toMatchObject({ widthMultiplier: 0.25, numClasses: 5, inputChannels: 3 });
      expect(report.loaded.length).toBe(model.namedWeights().size);
      const err = logitsRelativeError(model, ref);
      console.log(`${file}: max |odl - torch| / max |torch| = ${err.toExponential(2)}`);
      expect(err).toBeLessThan(1e-4);
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      ref.x.dispose();
    });
  }

  it("exporting the loaded model gives the fixture's tensors exactly, in the file's order", async () => {
    const { model } = await createModelFromTorch('mobilenetv2', fixture('mobilenet_v2_w025.pth'));
    const original = parsePth(readFileSync(fixture('mobilenet_v2_w025.pth'))).tensors;
    expectSameTensors(new Map(floatTensors(original)), exportTorchWeights(model));
    // and through a safetensors file written by saveTorchWeights
    const dir = mkdtempSync(join(tmpdir(), 'odl-torch-'));
    try {
      await saveTorchWeights(model, join(dir, 'out.safetensors'));
      const back = await readTorchStateDict(join(dir, 'out.safetensors'));
      expect(back.format).toBe('safetensors');
      expectSameTensors(new Map(floatTensors(original)), back.tensors);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      model.dispose();
    }
  });

  it('reads the width multiplier from the shapes: 0.35, 0.5, 0.75 and 1.3 (the standard ones), 0.6 (not)', () => {
    for (const widthMultiplier of [0.35, 0.5, 0.75, 1.3, 0.6]) {
      const model = createModel('mobilenetv2', { widthMultiplier, numClasses: 3, inputChannels: 1, init: 'zeros' });
      expect(inferTorchOptions('mobilenetv2', exportTorchWeights(model))).toEqual({ widthMultiplier, numClasses: 3, inputChannels: 1 });
      model.dispose();
    }
  });

  it('a mismatched file is a CheckpointError listing missing, unexpected and mis-shaped tensors and the fix; nothing is assigned', async () => {
    const { tensors } = await readTorchStateDict(fixture('mobilenet_v2_w025.pth'));
    const model = createModel('mobilenetv2', { widthMultiplier: 0.25, numClasses: 5, seed: 3 });
    const before = model.classifier.weight.dataSync().slice();
    const bad = new Map(tensors);
    bad.delete('features.3.conv.1.0.weight');
    bad.set('features.99.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    bad.set('features.0.1.weight', { dtype: 'F32', shape: [9], data: new Float32Array(9) });
    let error: unknown;
    try {
      importTorchWeights(model, bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckpointError);
    const message = (error as Error).message;
    expect(message).toMatch(/missing: features\.3\.conv\.1\.0\.weight/);
    expect(message).toMatch(/unexpected: features\.99\.weight/);
    expect(message).toMatch(/wrong shape \(PyTorch layout\): tensor 'features\.0\.1\.weight' has shape \[9\], the model expects \[8\]/);
    expect(message).toMatch(/check the architecture, width multiplier, classes/);
    expect(model.classifier.weight.dataSync()).toEqual(before);
    // a model of another width: the first few wrong shapes, counted
    const wide = createModel('mobilenetv2', { widthMultiplier: 0.5, numClasses: 5, init: 'zeros' });
    expect(() => importTorchWeights(wide, tensors)).toThrow(/mobilenetv2 \(width 0\.5\).*wrong shape.*\(\d+ in all\)/);
    // a file of another architecture
    expect(() => inferTorchOptions('resnet18', tensors)).toThrow(/no classifier weight of resnet18 \(fc\.weight/);
    wide.dispose();
    model.dispose();
  });
});

interface NameRow { name: string; shape: number[]; dtype: string }

/** Each weight's shape in PyTorch's layout, from the layer kinds (not from the exporter). */
function torchShapes(model: ZooModel): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const l of model.layers()) {
    const [a, b, c, d] = l.weight.shape;
    if (l.type === 'dense') out.set(`${l.name}.weight`, [b!, a!]);
    else out.set(`${l.name}.weight`, l.kind === 'depthwise' ? [c!, 1, a!, b!] : [d!, c!, a!, b!]);
    if (l.bias) out.set(`${l.name}.bias`, [...l.bias.shape]);
    if (l.type === 'conv' && l.bn) for (const k of ['weight', 'bias', 'running_mean', 'running_var']) out.set(`${l.bn.name}.${k}`, [l.outChannels]);
  }
  return out;
}

const sameBytes = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('PyTorch names of ResNet-18/34 (torchvision) and MCUNet-in1 (MCUNet zoo)', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  const cases: [ArchitectureName, string][] = [['resnet18', 'resnet18.names.json'], ['resnet34', 'resnet34.names.json'], ['mcunet-in1', 'mcunet_in1.names.json']];
  for (const [architecture, file] of cases) {
    it(`${architecture}: exported names and shapes (1000 classes) are PyTorch's state dict's, in order`, () => {
      const model = createModel(architecture, { numClasses: 1000, init: 'zeros' });
      const expected = json<NameRow[]>(file).filter((r) => r.dtype === 'F32').map((r) => [r.name, r.shape]);
      const names = torchNameMap(model);
      const got = [...torchShapes(model)].map(([odl, shape]) => [names.get(odl), shape]);
      expect(got).toEqual(expected);
      model.dispose();
    });
  }

  for (const architecture of ['mcunet-in1', 'resnet18'] as const) {
    it(`${architecture}: import → export → import gives identical tensors`, () => {
      const source = createModel(architecture, { numClasses: 7, seed: 11 });
      for (const [name, v] of source.namedWeights()) if (/running_(mean|var)$/.test(name)) v.assign(tf.randomUniform(v.shape, 0.5, 1.5, 'float32', name.length));
      const first = exportTorchWeights(source);
      if (architecture === 'mcunet-in1') expect([...first.keys()].slice(0, 2)).toEqual(['first_conv.conv.weight', 'first_conv.bn.weight']);
      const bytes = encodeSafetensors(first);
      const target = createModel(architecture, { numClasses: 7, init: 'zeros' });
      const report = importTorchWeights(target, parseSafetensors(bytes).tensors);
      expect(report.naming).toBe(architecture === 'mcunet-in1' ? 'mcunet' : 'torchvision');
      for (const [name, v] of source.namedWeights()) expect(sameBytes(target.namedWeights().get(name)!.dataSync() as Float32Array, v.dataSync() as Float32Array), name).toBe(true);
      expectSameTensors(first, exportTorchWeights(target));
      source.dispose();
      target.dispose();
    });
  }

  it("MCUNet-in1 loads its own torchvision-style names too, and a wrong MCUNet file names the MCUNet tensors", async () => {
    const model = mcunetIn1({ numClasses: 4, seed: 2 });
    const odlNames = exportTorchWeights(model, { naming: 'torchvision' });
    const target = mcunetIn1({ numClasses: 4, init: 'zeros' });
    expect((await loadTorchWeights(target, encodeSafetensors(odlNames))).naming).toBe('torchvision');
    const mcunet = exportTorchWeights(model);
    mcunet.delete('blocks.3.mobile_inverted_conv.depth_conv.bn.running_var');
    expect(() => importTorchWeights(target, mcunet)).toThrow(/\(mcunet names\).*missing: blocks\.3\.mobile_inverted_conv\.depth_conv\.bn\.running_var/);
    expect(() => torchNameMap(resnet18({ init: 'zeros' }), 'mcunet')).toThrow(/applies to mcunet-in1, not resnet18/);
    model.dispose();
    target.dispose();
  });
});
