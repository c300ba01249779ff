import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, setupBackend, tf } from '@odl/backend';
import {
  ARCHITECTURES, createModel, createModelFromTorch, decodeCheckpoint, DEFAULT_BATCH_NORM_EPSILON, encodeCheckpoint, encodeSafetensors, exportTorchWeights,
  loadPretrainedMcunet, loadTorchWeights, MCUNET_BATCH_NORM_EPSILON, MCUNET_IN1_BLOCKS, parseSafetensors, resolvePretrainedDir,
  type SafetensorsTensor, type ZooModel,
} from '@odl/models';

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
});

/** The ε of every BatchNorm of a model (one entry per BatchNorm). */
const epsilons = (model: ZooModel) => model.convLayers().flatMap((l) => (l.bn ? [l.bn.epsilon] : []));

describe('BatchNorm ε of the zoo', () => {
  // (the CNNs: a transformer has LayerNorms, no BatchNorm)
  for (const architecture of ARCHITECTURES.filter((a) => !['vit', 'vit-b-32', 'swin', 'swin-t'].includes(a))) {
    it(`${architecture}: 1e-5 by default, the option's in every BatchNorm and in the config`, () => {
      const plain = createModel(architecture, { init: 'zeros' });
      expect(plain.config.batchNormEpsilon).toBe(1e-5);
      expect(new Set(epsilons(plain))).toEqual(new Set([1e-5]));
      const mcunet = createModel(architecture, { init: 'zeros', batchNormEpsilon: 1e-3 });
      expect(mcunet.config.batchNormEpsilon).toBe(1e-3);
      const all = epsilons(mcunet);
      expect(all.length).toBe(mcunet.convLayers().length); // every conv of the zoo has a BatchNorm
      expect(new Set(all)).toEqual(new Set([1e-3]));
      plain.dispose();
      mcunet.dispose();
    });
  }

  it('refuses an ε that is not a finite number > 0, naming the option', () => {
    for (const bad of [0, -1e-3, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createModel('resnet18', { init: 'zeros', batchNormEpsilon: bad })).toThrow(ArgumentError);
      expect(() => createModel('mcunet-in1', { init: 'zeros', batchNormEpsilon: bad })).toThrow(/batchNormEpsilon must be a finite number > 0/);
    }
    const model = createModel('mcunet-in1', { init: 'zeros' });
    expect(() => model.setBatchNormEpsilon(-1)).toThrow(ArgumentError);
    expect(model.config.batchNormEpsilon).toBe(1e-5);
    model.dispose();
  });
});

describe('BatchNorm ε in checkpoints', () => {
  it('a default model stores no ε (the config of before), another ε is stored and read back', async () => {
    const plain = createModel('mcunet-in1', { numClasses: 3, seed: 1 });
    const stored = (await encodeCheckpoint(plain)).modelTopology as { config: Record<string, unknown> };
    expect('batchNormEpsilon' in stored.config).toBe(false);
    const back = decodeCheckpoint(await encodeCheckpoint(plain)).model;
    expect(back.config.batchNormEpsilon).toBe(1e-5);
    expect(new Set(epsilons(back))).toEqual(new Set([1e-5]));

    const mcunet = createModel('mcunet-in1', { numClasses: 3, seed: 1, batchNormEpsilon: 1e-3 });
    const artifacts = await encodeCheckpoint(mcunet);
    expect((artifacts.modelTopology as { config: Record<string, unknown> }).config.batchNormEpsilon).toBe(1e-3);
    const loaded = decodeCheckpoint(artifacts).model;
    expect(loaded.config.batchNormEpsilon).toBe(1e-3);
    expect(new Set(epsilons(loaded))).toEqual(new Set([1e-3]));
    for (const m of [plain, back, mcunet, loaded]) m.dispose();
  });

  it("the shipped checkpoint (pretrained with PyTorch's MCUNet) loads with its ε 1e-3 and would be saved with the same config", async () => {
    const raw = JSON.parse(readFileSync(join(await resolvePretrainedDir(), 'model.json'), 'utf8')) as { modelTopology: { config: unknown } };
    expect(raw.modelTopology.config).toHaveProperty('batchNormEpsilon', MCUNET_BATCH_NORM_EPSILON);
    const { model, trainerState } = await loadPretrainedMcunet();
    expect(trainerState).toBeUndefined();
    expect(model.config.batchNormEpsilon).toBe(MCUNET_BATCH_NORM_EPSILON);
    expect(MCUNET_BATCH_NORM_EPSILON).not.toBe(DEFAULT_BATCH_NORM_EPSILON);
    expect(new Set(epsilons(model))).toEqual(new Set([MCUNET_BATCH_NORM_EPSILON]));
    const resaved = (await encodeCheckpoint(model)).modelTopology as { config: unknown };
    expect(JSON.stringify(resaved.config)).toBe(JSON.stringify(raw.modelTopology.config));
    model.dispose();
  });
});

/** A seeded MCUNet-in1 whose last block has small running variances (≈ 0.01, so ε matters) and matching small weights. */
function mcunetWithSmallVariances(): ZooModel {
  const model = createModel('mcunet-in1', { numClasses: 5, seed: 4 });
  const gammas = new Set(model.convLayers().map((l) => `${l.bn!.name}.weight`));
  let seed = 100;
  for (const [name, v] of model.namedWeights()) {
    const t = tf.tidy(() => {
      if (/running_var$/.test(name)) return tf.randomUniform(v.shape, 0.005, 0.015, 'float32', seed++);
      if (/running_mean$/.test(name)) return tf.randomNormal(v.shape, 0, 0.02, 'float32', seed++);
      if (gammas.has(name)) return tf.randomUniform(v.shape, 0.5, 1.5, 'float32', seed++);
      if (v.rank === 1) return tf.randomUniform(v.shape, -0.2, 0.2, 'float32', seed++); // β and the classifier's bias
      return v.rank === 4 ? tf.mul(v, 0.1) : tf.clone(v); // conv outputs of variance ≈ 0.01 for inputs of variance ≈ 1
    });
    v.assign(t);
    t.dispose();
  }
  return model;
}

/** Float64 reference of MCUNet-in1's last block, pooling and classifier, from the state dict's PyTorch-layout tensors (NCHW semantics, NHWC data). */
function lastBlockReference(file: Map<string, SafetensorsTensor>, x: Float64Array, [B, H, W, C]: number[], eps: number): Float64Array {
  const get = (n: string) => Float64Array.from(file.get(n)!.data);
  const p = `blocks.${MCUNET_IN1_BLOCKS.length - 1}.mobile_inverted_conv`;
  const bn = (y: Float64Array, ch: number, name: string, relu6: boolean) => {
    const [g, b, m, v] = ['weight', 'bias', 'running_mean', 'running_var'].map((k) => get(`${name}.bn.${k}`));
    for (let i = 0; i < y.length; i++) {
      const c = i % ch;
      const z = ((y[i]! - m![c]!) / Math.sqrt(v![c]! + eps)) * g![c]! + b![c]!;
      y[i] = relu6 ? Math.min(6, Math.max(0, z)) : z;
    }
    return y;
  };
  const pointwise = (input: Float64Array, cin: number, name: string) => {
    const w = get(`${name}.conv.weight`); // [O, I, 1, 1]
    const cout = w.length / cin;
    const out = new Float64Array((input.length / cin) * cout);
    for (let px = 0; px < input.length / cin; px++) for (let o = 0; o < cout; o++) {
      let s = 0;
      for (let i = 0; i < cin; i++) s += input[px * cin + i]! * w[o * cin + i]!;
      out[px * cout + o] = s;
    }
    return { out, cout };
  };
  const expand = pointwise(x, C, `${p}.inverted_bottleneck`);
  const hidden = bn(expand.out, expand.cout, `${p}.inverted_bottleneck`, true);
  const dw = get(`${p}.depth_conv.conv.weight`); // [C, 1, K, K], stride 1, padding K >> 1
  const K = Math.round(Math.sqrt(dw.length / expand.cout));
  const ch = expand.cout;
  const depth = new Float64Array(hidden.length);
  for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < ch; c++) {
    let s = 0;
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) {
      const hh = h + i - (K >> 1);
      const ww = w + j - (K >> 1);
      if (hh >= 0 && hh < H && ww >= 0 && ww < W) s += hidden[((b * H + hh) * W + ww) * ch + c]! * dw[(c * K + i) * K + j]!;
    }
    depth[((b * H + h) * W + w) * ch + c] = s;
  }
  const projected = pointwise(bn(depth, ch, `${p}.depth_conv`, true), ch, `${p}.point_linear`);
  const y = bn(projected.out, projected.cout, `${p}.point_linear`, false); // 96 → 160 channels: no residual
  const fc = get('classifier.linear.weight');
  const bias = get('classifier.linear.bias');
  const classes = bias.length;
  const logits = new Float64Array(B * classes);
  for (let b = 0; b < B; b++) for (let o = 0; o < classes; o++) {
    let s = 0;
    for (let i = 0; i < projected.cout; i++) {
      let mean = 0;
      for (let px = 0; px < H * W; px++) mean += y[(b * H * W + px) * projected.cout + i]!;
      s += (mean / (H * W)) * fc[o * projected.cout + i]!;
    }
    logits[b * classes + o] = s + bias[o]!;
  }
  return logits;
}

const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));

describe('BatchNorm ε of imported PyTorch weights', () => {
  it("MCUNet zoo names: 1e-3 in every BatchNorm, and the logits are a Float64 reference's with ε = 1e-3, not 1e-5's", async () => {
    const source = mcunetWithSmallVariances();
    const bytes = encodeSafetensors(exportTorchWeights(source)); // the MCUNet zoo's names
    const file = parseSafetensors(bytes).tensors;
    expect(file.has('first_conv.bn.running_var')).toBe(true);
    const { model, report } = await createModelFromTorch('mcunet-in1', bytes);
    expect(report).toMatchObject({ naming: 'mcunet', batchNormEpsilon: MCUNET_BATCH_NORM_EPSILON, batchNormEpsilonFrom: 'naming' });
    expect(model.config.batchNormEpsilon).toBe(1e-3);
    expect(epsilons(model).length).toBe(42);
    expect(new Set(epsilons(model))).toEqual(new Set([1e-3]));

    const shape: [number, number, number, number] = [2, 3, 3, 96];
    const x = tf.randomNormal(shape, 0, 1, 'float32', 9) as tf.Tensor4D;
    const x64 = Float64Array.from(x.dataSync());
    const before = tf.memory().numTensors;
    const y = tf.tidy(() => model.forward(x, { fromBlock: MCUNET_IN1_BLOCKS.length }));
    const got = y.dataSync();
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const ref3 = lastBlockReference(file, x64, shape, 1e-3);
    const ref5 = lastBlockReference(file, x64, shape, 1e-5);
    const scale = maxAbs(ref3);
    expect(maxDiff(got, ref3) / scale).toBeLessThan(1e-4);
    // The two ε differ measurably on these statistics, so the check above tells them apart.
    expect(maxDiff(ref3, ref5) / scale).toBeGreaterThan(1e-2);
    x.dispose();
    source.dispose();
    model.dispose();
  });

  it('torchvision names: 1e-5; the option wins over the naming, and loadTorchWeights sets it on an existing model', async () => {
    const source = createModel('mcunet-in1', { numClasses: 3, seed: 2 });
    const torchvisionNames = encodeSafetensors(exportTorchWeights(source, { naming: 'torchvision' }));
    const mcunetNames = encodeSafetensors(exportTorchWeights(source));
    const a = await createModelFromTorch('mcunet-in1', torchvisionNames);
    expect(a.report).toMatchObject({ naming: 'torchvision', batchNormEpsilon: 1e-5, batchNormEpsilonFrom: 'naming' });
    const b = await createModelFromTorch('mcunet-in1', mcunetNames, { batchNormEpsilon: 2e-4 });
    expect(b.report).toMatchObject({ naming: 'mcunet', batchNormEpsilon: 2e-4, batchNormEpsilonFrom: 'option' });
    expect(new Set(epsilons(b.model))).toEqual(new Set([2e-4]));
    const c = await createModelFromTorch('mcunet-in1', mcunetNames, { zoo: { batchNormEpsilon: 3e-4 } });
    expect(c.report.batchNormEpsilon).toBe(3e-4);

    const target = createModel('mcunet-in1', { numClasses: 3, init: 'zeros' });
    expect((await loadTorchWeights(target, mcunetNames)).batchNormEpsilon).toBe(1e-3);
    expect(target.config.batchNormEpsilon).toBe(1e-3);
    expect(new Set(epsilons(target))).toEqual(new Set([1e-3]));
    // A bad ε is refused before anything is assigned.
    const untouched = createModel('mcunet-in1', { numClasses: 3, init: 'zeros' });
    await expect(loadTorchWeights(untouched, mcunetNames, { batchNormEpsilon: 0 })).rejects.toThrow(/batchNormEpsilon must be a finite number > 0/);
    expect(untouched.config.batchNormEpsilon).toBe(1e-5);
    expect(maxAbs(untouched.classifier.weight.dataSync())).toBe(0);
    for (const m of [source, a.model, b.model, c.model, target, untouched]) m.dispose();
  });
});
