import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, setupBackend, ShapeError, tf } from '@odl/backend';
import { layerCost } from '@odl/profiler';
import { referenceSafetensors } from '@odl/test-utils';
import {
  CheckpointError, createModel, createModelFromTorch, decodeCheckpoint, describeModel, encodeCheckpoint, encodeSafetensors, loadTorchWeights,
  parsePth, parseSafetensors, registerBuiltinMethods, SWIN_T, swinParameterCount, swinTransformer, torchStateDict,
} from '@odl/models';
import { fixture, json, logitsRelativeError, torchReference } from './torch-fixtures';

/** PyTorch's logits of the fixture model on the fixture input, and that input as NHWC. */
const reference = () => torchReference('swin_d16.input.safetensors', 'swin_d16.logits.json');

// Fixtures written by Debian's python3-torch 1.13 / torchvision 0.14 with
// scripts/make-torch-fixtures.py (`--only swin`): a small torchvision SwinTransformer (swin_d16:
// patch 4, embedding 16, depths [2, 2, 2], heads [2, 4, 8], window 4, 5 classes) with seeded
// weights, its input (2 images of 36×76 pixels: every padding and shift case of torchvision 0.14
// runs, see the script) and PyTorch's logits in float64.
const SWIN_D16 = { patchSize: 4, embedDim: 16, depths: [2, 2, 2], numHeads: [2, 4, 8], windowSize: 4 };

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`Swin Transformer (torchvision layout) against PyTorch, ${backend}`, () => {
    beforeAll(async () => {
      await setupBackend({ prefer: [backend] });
    });

    it('the reference discriminates: PyTorch\'s logits of the two fixture images differ far more than the 1e-4 tolerance', () => {
      const { logits } = json<{ logits: number[] }>('swin_d16.logits.json');
      const scale = Math.max(...logits.map(Math.abs));
      const apart = Math.max(...logits.slice(0, 5).map((v, i) => Math.abs(v - logits[5 + i]!)));
      expect(apart / scale).toBeGreaterThan(0.5);
    });

    it('imports the .pth by name and predicts PyTorch\'s logits within 1e-4 relative', async () => {
      const ref = reference();
      const { model, report, format } = await createModelFromTorch('swin', fixture('swin_d16.pth'));
      expect(format).toBe('pth');
      expect(model.config.swin).toEqual({ ...SWIN_D16, mlpRatio: 4, layerNormEpsilon: 1e-5 });
      expect(model.config.numClasses).toBe(5);
      // every float tensor of the file is a weight of the model (the int64 relative_position_index buffers are derived, not loaded)
      expect(report.loaded.length).toBe(model.namedWeights().size);
      expect(report.loaded).toContain('features.5.1.attn.relative_position_bias_table');
      const before = tf.memory().numTensors;
      const err = logitsRelativeError(model, ref);
      expect(tf.memory().numTensors).toBe(before);
      expect(err).toBeLessThan(1e-4);
      model.dispose();
      ref.x.dispose();
    });

    it('a model of the wrong size is refused by name, with the shapes', async () => {
      const model = swinTransformer({ numClasses: 5, init: 'zeros', swin: { ...SWIN_D16, windowSize: 7 } });
      await expect(loadTorchWeights(model, fixture('swin_d16.pth'))).rejects.toThrow(/relative_position_bias_table' has shape \[49, 2\], the model expects \[169, 2\]/);
      model.dispose();
    });
  });
}

describe("Swin Transformer: odl's PyTorch export is the whole state dict", () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it("torchStateDict of the imported fixture is PyTorch's: its names (every key strict loading needs), the weights exactly, the int64 relative_position_index buffers with PyTorch's values", async () => {
    const { model } = await createModelFromTorch('swin', fixture('swin_d16.pth'));
    // written by make-torch-fixtures.py from the PyTorch module's state_dict()
    const state = json<{ names: string[]; int64: Record<string, number[]> }>('swin_d16.state.json');
    const exported = torchStateDict(model);
    expect([...exported.keys()].sort()).toEqual([...state.names].sort());
    expect(Object.keys(state.int64)).toHaveLength(6); // one per block: depths [2, 2, 2]
    const weights = parsePth(readFileSync(fixture('swin_d16.pth'))).tensors;
    for (const [name, t] of exported) {
      if (t.dtype === 'I64') {
        expect(t.shape, name).toEqual([state.int64[name]!.length]);
        expect(Array.from(t.data, Number), name).toEqual(state.int64[name]);
      } else {
        expect(Array.from(t.data), name).toEqual(Array.from(weights.get(name)!.data));
      }
    }
    model.dispose();
  });

  it('the buffers are written as int64 (read back by the reference reader), and odl reads the file back skipping them', async () => {
    const model = swinTransformer({ numClasses: 5, seed: 2, swin: SWIN_D16 });
    const state = torchStateDict(model);
    const bytes = encodeSafetensors(state, { format: 'pt' });
    const ref = referenceSafetensors(bytes);
    if (!ref.valid) throw new Error(ref.reason);
    expect([...ref.tensors.keys()]).toEqual([...state.keys()]);
    const index = ref.tensors.get('features.1.0.attn.relative_position_index')!;
    expect(index.dtype).toBe('I64');
    expect(index.values).toEqual(Array.from(state.get('features.1.0.attn.relative_position_index')!.data, Number));
    const back = parseSafetensors(bytes).tensors;
    expect(back.size).toBe(model.namedWeights().size);
    const again = swinTransformer({ numClasses: 5, init: 'zeros', swin: SWIN_D16 });
    await loadTorchWeights(again, bytes);
    for (const [name, v] of model.namedWeights()) expect(Array.from(again.namedWeights().get(name)!.dataSync()), name).toEqual(Array.from(v.dataSync()));
    model.dispose();
    again.dispose();
  });

  it('a tensor whose dtype and data disagree is an ArgumentError naming it', () => {
    expect(() => encodeSafetensors(new Map([['n', { dtype: 'I64', shape: [2], data: new Float32Array(2) }]]))).toThrow(ArgumentError);
    expect(() => encodeSafetensors(new Map([['n', { dtype: 'I64', shape: [2], data: new Float32Array(2) }]]))).toThrow(/tensor 'n' has dtype I64 but Float32Array data/);
    expect(() => encodeSafetensors(new Map([['n', { dtype: 'F32', shape: [1], data: new BigInt64Array(1) }]]))).toThrow(/tensor 'n' has dtype F32 but BigInt64Array data/);
    expect(() => encodeSafetensors(new Map([['n', { shape: [3], data: new BigInt64Array(2) }]]))).toThrow(/tensor 'n' has 2 values, its shape \[3\] needs 3/);
  });
});

describe('Swin Transformer: the architecture and "the last N"', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerBuiltinMethods();
  });

  it('swin-t has torchvision swin_t()\'s state-dict names and shapes, and its 28,288,354 parameters', () => {
    const model = createModel('swin-t', { numClasses: 1000, init: 'zeros' });
    const names = json<{ name: string; shape: number[]; dtype: string }[]>('swin_t.names.json').filter((e) => e.dtype !== 'I64');
    const own = model.namedWeights();
    expect([...own.keys()].sort()).toEqual(names.map((e) => e.name).sort());
    for (const e of names) {
      const v = own.get(e.name)!;
      // PyTorch layouts: linear (out, in), conv OIHW; odl: dense [in, out], conv HWIO
      const expected = v.rank === 2 && !e.name.endsWith('bias_table') ? [v.shape[1], v.shape[0]] : v.rank === 4 ? [v.shape[3], v.shape[2], v.shape[0], v.shape[1]] : v.shape;
      expect(expected, e.name).toEqual(e.shape);
    }
    expect(model.parameterCount()).toBe(28_288_354);
    expect(swinParameterCount(SWIN_T, 3, 1000)).toBe(28_288_354);
    model.dispose();
  });

  it('a checkpoint keeps the Swin sizes and the logits; a config that claims other sizes than the weights is refused', async () => {
    const ref = reference();
    const { model } = await createModelFromTorch('swin', fixture('swin_d16.pth'));
    expect(swinParameterCount(model.config.swin!, 3, 5)).toBe(model.parameterCount());
    const artifacts = await encodeCheckpoint(model);
    const { model: loaded } = decodeCheckpoint(artifacts);
    expect(loaded.config).toEqual(model.config);
    expect(logitsRelativeError(loaded, ref)).toBeLessThan(1e-4);
    // a layout-1 checkpoint (no CRC-32s), so that the config check itself is reached
    const topo = artifacts.modelTopology as { config: { swin: { depths: number[] } } };
    const odl = { ...(artifacts.userDefinedMetadata!.odl as Record<string, unknown>), integrity: undefined };
    const lying = { ...artifacts, modelTopology: { ...topo, version: 1, config: { ...topo.config, swin: { ...topo.config.swin, depths: [2, 2, 200] } } }, userDefinedMetadata: { odl } };
    expect(() => decodeCheckpoint(lying)).toThrow(CheckpointError);
    expect(() => decodeCheckpoint(lying)).toThrow(/config.swin describes/);
    model.dispose();
    loaded.dispose();
    ref.x.dispose();
  });

  it('"the last N" counts the MLP linears only (24 in swin-t); attention, patch embedding and merging stay frozen', () => {
    const specs = describeModel('swin-t', { inputShape: [2, 224, 224, 3], numClasses: 1000 });
    expect(specs.length).toBe(1 + 12 * 4 + 3 + 1);
    const mlp = specs.filter((s) => s.compressible);
    expect(mlp.length).toBe(24);
    expect(mlp.every((s) => /\.mlp\.[03]$/.test(s.name) && s.role === 'mlp')).toBe(true);
    expect(mlp.slice(-2).map((s) => s.name)).toEqual(['features.7.1.mlp.0', 'features.7.1.mlp.3']);
    // the MLP sees tokens [B, H·W, C]: 56×56 in stage 1, 7×7 in stage 4
    expect(mlp[0]!.geometry.inputShape).toEqual([2, 56 * 56, 96]);
    expect(mlp[23]!.geometry.inputShape).toEqual([2, 49, 3072]);
    expect(specs.find((s) => s.name === 'features.1.0.attn.qkv')!.geometry.inputShape).toEqual([2 * 64, 49, 96]);
    expect(specs.find((s) => s.name === 'features.0.0')!.role).toBe('patch-embedding');
    expect(specs.at(-1)!.role).toBe('classifier');
    // the profiler counts ASI's 3-mode compression of those tokens (rank product plus the factors)
    for (const s of mlp) {
      const [b, n, i] = s.geometry.inputShape as [number, number, number];
      expect(layerCost(s.geometry, 'asi', { ranks: [2, 8, 16] }, { mode: 'paper' }).activationElements, s.name).toBe(2 * 8 * 16 + b * 2 + n * 8 + i * 16);
      expect(layerCost(s.geometry, 'vanilla', {}, { mode: 'paper' }).activationElements, s.name).toBe(b * n * i);
    }
  });

  it('wrong inputs and configurations are refused with typed errors naming the fix', () => {
    const model = swinTransformer({ numClasses: 3, seed: 1 });
    expect(() => model.forward(tf.zeros([1, 32, 32, 1]) as tf.Tensor4D)).toThrow(ShapeError);
    expect(() => model.forward(tf.zeros([1, 32, 32, 1]) as tf.Tensor4D)).toThrow(/\[B, H, W, 3\]/);
    expect(() => model.forward(tf.zeros([1, 3, 8, 3]) as tf.Tensor4D)).toThrow(/smaller than one 4×4 patch/);
    expect(() => model.layerSpecs([1, 2, 2, 3])).toThrow(ShapeError);
    model.dispose();
    expect(() => swinTransformer({ swin: { embedDim: 18, numHeads: [4, 8] } })).toThrow(ArgumentError);
    expect(() => swinTransformer({ swin: { embedDim: 18, numHeads: [4, 8] } })).toThrow(/18 channels .* not a multiple of its 4 heads/);
    expect(() => swinTransformer({ swin: { depths: [2, 2, 2] } })).toThrow(/one positive integer per stage \(3 stages\)/);
  });
});
