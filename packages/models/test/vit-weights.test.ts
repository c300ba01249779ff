import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import {
  CheckpointError, createModel, createModelFromTorch, decodeCheckpoint, describeModel, encodeCheckpoint, exportTorchWeights, importTorchWeights,
  selectFineTunedLayers, vit, VIT_B_32, vitParameterCount,
} from '@odl/models';
import { fixture, json, logitsRelativeError, torchReference } from './torch-fixtures';

/** PyTorch's logits of the fixture model on the fixture input, and that input as NHWC. */
const reference = () => torchReference('vit_input.safetensors', 'vit_small.logits.json');

// Fixtures written by Debian's python3-torch 1.13 / torchvision 0.14 with
// scripts/make-torch-fixtures.py (`--only vit`): torchvision's VisionTransformer(image_size=32,
// patch_size=8, num_layers=2, num_heads=2, hidden_dim=32, mlp_dim=64, num_classes=5).
const SMALL = { imageSize: 32, patchSize: 8, hiddenDim: 32, numLayers: 2, numHeads: 2, mlpDim: 64 };

describe('ViT: torchvision VisionTransformer layout, names and weights', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('the reference discriminates: PyTorch\'s logits of the two fixture inputs differ by far more than 1e-4', () => {
    const { logits } = json<{ logits: number[] }>('vit_small.logits.json');
    const a = logits.slice(0, 5);
    const b = logits.slice(5);
    const scale = Math.max(...logits.map(Math.abs));
    expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / scale).toBeGreaterThan(0.1);
  });

  it.each(['vit_small.pth', 'vit_small.safetensors'])('%s: odl\'s logits equal PyTorch\'s within 1e-4 relative (sizes read from the file)', async (file) => {
    const before = tf.memory().numTensors;
    const { model, report } = await createModelFromTorch('vit', fixture(file), { zoo: { vit: { numHeads: 2 } } });
    expect(model.config.vit).toEqual({ ...SMALL, layerNormEpsilon: 1e-6 });
    expect(model.config.numClasses).toBe(5);
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    const ref = reference();
    expect(logitsRelativeError(model, ref)).toBeLessThan(1e-4);
    ref.x.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a wrong number of heads gives other logits (the heads matter), and a missing numHeads is an ArgumentError', async () => {
    const { model } = await createModelFromTorch('vit', fixture('vit_small.pth'), { zoo: { vit: { numHeads: 1 } } });
    const ref = reference();
    expect(logitsRelativeError(model, ref)).toBeGreaterThan(1e-3);
    ref.x.dispose();
    model.dispose();
    await expect(createModelFromTorch('vit', fixture('vit_small.pth'))).rejects.toThrow(/numHeads/);
  });

  it('vit-b-32 has torchvision vit_b_32\'s state dict names and shapes, and its parameter count', () => {
    const names = json<{ name: string; shape: number[] }[]>('vit_b_32.names.json');
    const model = createModel('vit-b-32', { numClasses: 1000, init: 'zeros' });
    // odl's layouts: linear [I, O] (PyTorch [O, I]), conv HWIO (PyTorch OIHW), the rest as is.
    const torchShape = (s: number[]) => (s.length === 2 ? [s[1]!, s[0]!] : s.length === 4 ? [s[3]!, s[2]!, s[0]!, s[1]!] : s);
    const own = new Map([...model.namedWeights()].map(([n, v]) => [n, torchShape(v.shape)]));
    expect(own).toEqual(new Map(names.map((n) => [n.name, n.shape])));
    expect(model.parameterCount()).toBe(88224232);
    expect(vitParameterCount(VIT_B_32, 3, 1000)).toBe(88224232);
    model.dispose();
  });

  it('export → import gives identical tensors; a checkpoint round trip keeps the config and the logits', async () => {
    const { model } = await createModelFromTorch('vit', fixture('vit_small.safetensors'), { zoo: { vit: { numHeads: 2 } } });
    const exported = exportTorchWeights(model);
    const again = vit({ init: 'zeros', numClasses: 5, vit: SMALL });
    importTorchWeights(again, exported);
    const back = exportTorchWeights(again);
    for (const [n, t] of exported) expect(Array.from(back.get(n)!.data), n).toEqual(Array.from(t.data));
    const artifacts = await encodeCheckpoint(model);
    const { model: loaded } = decodeCheckpoint(artifacts);
    expect(loaded.config).toEqual(model.config);
    const ref = reference();
    expect(logitsRelativeError(loaded, ref)).toBeLessThan(1e-4);
    ref.x.dispose();
    // A config that claims more layers than the weights hold is refused before anything is built.
    // (a layout-1 checkpoint, which records no CRC-32s, so the config check itself is reached)
    const topo = artifacts.modelTopology as { config: { vit: { numLayers: number } } };
    const odl = { ...(artifacts.userDefinedMetadata!.odl as Record<string, unknown>), integrity: undefined };
    const lying = {
      ...artifacts,
      modelTopology: { ...topo, version: 1, config: { ...topo.config, vit: { ...topo.config.vit, numLayers: 400 } } },
      userDefinedMetadata: { odl },
    };
    expect(() => decodeCheckpoint(lying)).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(lying)).toThrow(/config.vit describes/);
    tf.dispose([model, again, loaded].flatMap((m) => [...m.namedWeights().values()]));
  });

  it('a wrong image size is a ShapeError naming the size the position embedding needs', () => {
    const model = vit({ numClasses: 3, vit: SMALL });
    expect(() => model.forward(tf.zeros([1, 28, 28, 3]) as tf.Tensor4D)).toThrow(/32×32/);
    model.dispose();
  });

  it('layer specs: roles, [B, N, D] geometry, "the last N" counts MLP linears, attention after them runs frozen on the tape', () => {
    const specs = describeModel('vit-b-32', { inputShape: [4, 224, 224, 3], numClasses: 10 });
    expect(specs).toHaveLength(1 + 12 * 4 + 1);
    expect(specs.filter((s) => s.compressible)).toHaveLength(24);
    expect(specs.filter((s) => s.compressible).every((s) => s.role === 'mlp')).toBe(true);
    const mlp0 = specs.find((s) => s.name === 'encoder.layers.encoder_layer_11.mlp.0')!;
    expect(mlp0.geometry).toEqual({ kind: 'dense', inputShape: [4, 50, 768], weightShape: [768, 3072], outputShape: [4, 50, 3072] });
    expect(specs[0]!.role).toBe('patch-embedding');
    expect(specs.at(-1)!.geometry.inputShape).toEqual([4, 768]);
    const two = selectFineTunedLayers(specs, 2);
    expect(two.compressed.map((s) => s.name)).toEqual(['encoder.layers.encoder_layer_11.mlp.0', 'encoder.layers.encoder_layer_11.mlp.3']);
    expect(two.frozenOnTape).toEqual([]);
    expect(two.exact.map((s) => s.name)).toEqual(['heads.head']);
    const three = selectFineTunedLayers(specs, 3);
    expect(three.compressed[0]!.name).toBe('encoder.layers.encoder_layer_10.mlp.3');
    expect(three.frozenOnTape.map((s) => s.name)).toEqual(['encoder.layers.encoder_layer_11.self_attention.in_proj', 'encoder.layers.encoder_layer_11.self_attention.out_proj']);
  });
});
