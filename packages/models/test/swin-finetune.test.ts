// Fine-tuning a Swin Transformer: the last N MLP linears with vanilla and ASI (3-mode compression of
// the tokens [B, H·W, C]), the attention between fine-tuned layers frozen on the gradient tape.
import { beforeAll, describe, expect, it } from 'vitest';
import { savedOnActiveTape, setupBackend, tf } from '@odl/backend';
import { FineTuneSession, prepareFineTune, registerBuiltinMethods, swinTransformer, Trainer } from '@odl/models';
import { snapshot, syntheticImages } from './helpers';

describe('fine-tuning a Swin Transformer (the small default: embedding 16, depths [2, 2], window 4)', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerBuiltinMethods();
  });

  it('fine-tunes its last 2 MLP linears with vanilla and with ASI: only they and the head change; no tensor leaks', async () => {
    // ASI's ranks per axis of the MLP inputs (tokens [B, N, D]: [8, 16, 32] and [8, 16, 128])
    for (const [method, methodOptions] of [['vanilla', {}], ['asi', { ranks: [4, 4, 8] }]] as const) {
      const model = swinTransformer({ inputChannels: 1, numClasses: 5, seed: 3 });
      const setup = prepareFineTune(model, { lastN: 2, inputShape: [8, 32, 32, 1], method, methodOptions, freshHead: true, numClasses: 3, seed: 4 });
      expect(setup.trained.map((l) => `${l.name}:${l.role}`)).toEqual(['features.3.1.mlp.0:compressed', 'features.3.1.mlp.3:compressed', 'head:exact']);
      const trainable = [...model.trainableWeights().keys()];
      expect(trainable).toEqual(['features.3.1.mlp.0.weight', 'features.3.1.mlp.0.bias', 'features.3.1.mlp.3.weight', 'features.3.1.mlp.3.bias', 'head.weight', 'head.bias']);
      const before = snapshot(model.namedWeights());
      const counts: number[] = [];
      const losses: number[] = [];
      const trainer = new Trainer(model, {
        optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 }, epochs: 1, batchSize: 8, seed: 1, input: { height: 32, width: 32, channels: 1 },
        onStep: (p) => {
          counts.push(tf.memory().numTensors);
          losses.push(p.loss);
        },
      });
      await trainer.fit(syntheticImages(32, 32, 3));
      expect(counts.length).toBe(4);
      expect(new Set(counts.slice(1)).size, `${method}: tensors per step ${counts.join(', ')}`).toBe(1);
      expect(losses.every(Number.isFinite)).toBe(true);
      for (const [name, v] of snapshot(model.namedWeights())) {
        const changed = v.some((x, i) => x !== before.get(name)![i]);
        expect(changed, `${method}: ${name}`).toBe(trainable.includes(name));
      }
      trainer.dispose();
      model.dispose();
    }
  });

  it('vanilla on the last 4 MLP linears gives the gradients of plain backpropagation through the frozen attention between them, which keeps nothing for its weights', () => {
    const model = swinTransformer({ inputChannels: 1, numClasses: 3, seed: 5 });
    const x = tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const names = ['features.3.0.mlp.0', 'features.3.0.mlp.3', 'features.3.1.mlp.0', 'features.3.1.mlp.3'];
    const own = model.namedWeights();
    const vars = names.flatMap((n) => [own.get(`${n}.weight`)!, own.get(`${n}.bias`)!]);
    let saved = 0;
    const grads = () => {
      const { value, grads: g } = tf.variableGrads(() => {
        const loss = tf.sum(tf.square(model.forward(x, { training: true }))) as tf.Scalar;
        saved = savedOnActiveTape().bytes;
        return loss;
      }, vars);
      const out = vars.map((v) => Float32Array.from(g[v.name]!.dataSync()));
      tf.dispose([value, ...Object.values(g)]);
      return out;
    };
    const plain = grads();
    prepareFineTune(model, { lastN: 4, inputShape: [2, 32, 32, 1], method: 'vanilla' });
    expect(model.modeOf('features.3.1.attn.qkv')).toBe('frozen-on-tape');
    expect(model.modeOf('features.3.0.attn.qkv')).toBe('frozen');
    const prepared = grads();
    const preparedBytes = saved;
    // The same step with the attention linears between the fine-tuned layers on stock ops (their
    // weights still not requested): stock matMul keeps each one's input, [B·nW, N, C] = [2, 16, 32]
    // floats in stage 2 (one 4×4 window); frozenLinear keeps none.
    for (const name of ['features.3.1.attn.qkv', 'features.3.1.attn.proj']) model.runtime.set(name, { mode: 'plain' });
    grads();
    expect(saved - preparedBytes).toBeGreaterThanOrEqual(2 * (2 * 16 * 32) * 4);
    plain.forEach((g, i) => {
      const scale = Math.max(...g.map(Math.abs));
      expect(scale, vars[i]!.name).toBeGreaterThan(0);
      const err = Math.max(...g.map((v, j) => Math.abs(v - prepared[i]![j]!)));
      expect(err / scale, vars[i]!.name).toBeLessThan(1e-4);
    });
    x.dispose();
    model.dispose();
  });

  it('through the session, ASI at full ranks on the last 3 MLP linears equals vanilla step by step (the attention between them frozen on the tape)', async () => {
    const B = 8;
    const tokens = 4 * 4; // stage 2 of a 32×32 image: 4×4 tokens of 32 channels, MLP 128
    const layers = ['features.3.1.mlp.3', 'features.3.1.mlp.0', 'features.3.0.mlp.3'];
    const fullRanks = Object.fromEntries(layers.map((n) => [n, { ranks: [B, tokens, n.endsWith('mlp.0') ? 32 : 128] }]));
    const train = syntheticImages(32, 28, 4, 1);
    const run = async (method: string, perLayerOptions?: Record<string, Record<string, unknown>>) => {
      const model = swinTransformer({ inputChannels: 1, numClasses: 4, seed: 5 });
      const losses: number[] = [];
      const counts: number[] = [];
      const session = await FineTuneSession.create({
        model, method, perLayerOptions, train, test: syntheticImages(8, 28, 4, 2), lastN: 3, epochs: 1, batchSize: B, seed: 3, learningRate: 0.05,
        input: { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 },
        onStep: (p) => (losses.push(p.loss), counts.push(tf.memory().numTensors)),
      });
      try {
        await session.run();
        const frozenOnTape = [...model.runtime].filter(([, rt]) => rt.mode === 'frozen-on-tape').map(([n]) => n);
        return { losses, counts, frozenOnTape, weights: snapshot(model.namedWeights()) };
      } finally {
        session.dispose();
        model.dispose();
      }
    };
    const vanilla = await run('vanilla');
    const asi = await run('asi', fullRanks);
    expect(vanilla.losses).toHaveLength(4);
    expect(vanilla.losses.at(-1)).not.toBe(vanilla.losses[0]);
    asi.losses.forEach((l, i) => expect(Math.abs(l - vanilla.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-5 * Math.abs(vanilla.losses[i]!)));
    for (const r of [vanilla, asi]) {
      expect(new Set(r.counts.slice(1)).size, 'tensors per step').toBe(1);
      expect(r.frozenOnTape).toEqual(['features.3.1.attn.qkv', 'features.3.1.attn.proj']);
    }
    for (const name of layers.map((n) => `${n}.weight`)) {
      const [a, b] = [vanilla.weights.get(name)!, asi.weights.get(name)!];
      const scale = Math.max(...a.map(Math.abs));
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / scale, name).toBeLessThan(1e-4);
    }
  });

  it('the frozen prefix: cached NHWC features continue to the same logits; LayerNorms and bias tables train from scratch only', () => {
    const model = swinTransformer({ inputChannels: 1, numClasses: 3, seed: 6 });
    expect([...model.trainableWeights().keys()]).toEqual(expect.arrayContaining(['features.0.2.weight', 'features.1.1.attn.relative_position_bias_table', 'features.2.norm.bias', 'norm.weight']));
    prepareFineTune(model, { lastN: 2, inputShape: [4, 32, 32, 1], method: 'vanilla' });
    expect([...model.trainableWeights().keys()].sort()).toEqual(['features.3.1.mlp.0.bias', 'features.3.1.mlp.0.weight', 'features.3.1.mlp.3.bias', 'features.3.1.mlp.3.weight', 'head.bias', 'head.weight']);
    const k = model.frozenPrefixBlocks();
    expect(k).toBe(5); // patch embedding, stage 1's two blocks, patch merging, stage 2's first block
    const x = tf.randomNormal([4, 32, 32, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
    const features = model.frozenFeatures(x, k);
    expect(features.shape).toEqual([4, 4, 4, 32]);
    const whole = model.forward(x);
    const cached = model.forward(features, { fromBlock: k });
    expect(Array.from(cached.dataSync())).toEqual(Array.from(whole.dataSync()));
    tf.dispose([x, features, whole, cached]);
    model.dispose();
  });
});
