// Fine-tuning a ViT end to end through the session: the last N MLP linears with vanilla and with
// ASI (3-mode decomposition of [B, N, D]), attention between fine-tuned layers frozen on the tape.
import { beforeAll, describe, expect, it } from 'vitest';
import { savedOnActiveTape, setupBackend, tf } from '@odl/backend';
import { layerCost } from '@odl/profiler';
import {
  crossEntropy, describeModel, FineTuneSession, finetune, makeBatch, prepareFineTune, registerBuiltinMethods, resetFineTune, vit,
  type FinetuneConfig, type ZooModel,
} from '@odl/models';
import { snapshot, syntheticImages } from './helpers';

const input = { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 };
const train = syntheticImages(32, 28, 4, 1);
const test = syntheticImages(16, 28, 4, 2);
const SIZES = { imageSize: 32, patchSize: 8, hiddenDim: 32, numLayers: 2, numHeads: 2, mlpDim: 64 };
const B = 8;
const N = (32 / 8) ** 2 + 1;
const block = (i: number) => `encoder.layers.encoder_layer_${i}`;

const tinyVit = () => vit({ inputChannels: 1, numClasses: 4, seed: 5, vit: SIZES });

function config(overrides: Omit<FinetuneConfig, 'model'>): FinetuneConfig & { model: ZooModel } {
  return { model: tinyVit(), input, train, test, lastN: 2, epochs: 1, batchSize: B, seed: 3, learningRate: 0.05, ...overrides };
}

/** Per-step losses and tensor counts of a whole run, and the trained weights at its end. */
async function run(c: FinetuneConfig & { model: ZooModel }): Promise<{ losses: number[]; counts: number[]; weights: Map<string, Float32Array>; frozenOnTape: string[] }> {
  const losses: number[] = [];
  const counts: number[] = [];
  const s = await FineTuneSession.create({ ...c, onStep: (p) => (losses.push(p.loss), counts.push(tf.memory().numTensors)) });
  try {
    await s.run();
    const frozenOnTape = [...c.model.runtime].filter(([, rt]) => rt.mode === 'frozen-on-tape').map(([n]) => n);
    return { losses, counts, weights: snapshot(c.model.namedWeights()), frozenOnTape };
  } finally {
    s.dispose();
    c.model.dispose();
  }
}

const fullRanks = (lastN: number) => {
  const out: Record<string, Record<string, unknown>> = {};
  const layers = [`${block(1)}.mlp.0`, `${block(1)}.mlp.3`, `${block(0)}.mlp.3`].slice(0, lastN);
  for (const name of layers) out[name] = { ranks: [B, N, name.endsWith('mlp.0') ? SIZES.hiddenDim : SIZES.mlpDim] };
  return out;
};

const maxRelative = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  let s = 0;
  a.forEach((v, i) => ((d = Math.max(d, Math.abs(v - b[i]!))), (s = Math.max(s, Math.abs(v)))));
  return s === 0 ? d : d / s; // (the class token starts at zero)
};

describe('fine-tuning a ViT through the session', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerBuiltinMethods();
  });

  it.each([2, 3])('last %i MLP linears: ASI at full ranks equals vanilla step by step; tensor count flat; only the chosen layers and the head train', async (lastN) => {
    const before = tf.memory().numTensors;
    const fresh = tinyVit();
    const initial = snapshot(fresh.namedWeights());
    fresh.dispose();
    const vanilla = await run(config({ method: 'vanilla', lastN }));
    const asi = await run(config({ method: 'asi', lastN, perLayerOptions: fullRanks(lastN) }));
    expect(vanilla.losses).toHaveLength(4);
    asi.losses.forEach((l, i) => expect(Math.abs(l - vanilla.losses[i]!), `step ${i + 1}`).toBeLessThan(1e-5 * Math.abs(vanilla.losses[i]!)));
    for (const [name, w] of vanilla.weights) expect(maxRelative(w, asi.weights.get(name)!), name).toBeLessThan(1e-4);
    // the loss moves: the run trains
    expect(vanilla.losses.at(-1)).not.toBe(vanilla.losses[0]);
    for (const r of [vanilla, asi]) expect(new Set(r.counts.slice(1)).size, 'tensors per step').toBe(1);
    const trained = new Set([...Object.keys(fullRanks(lastN)), 'heads.head'].flatMap((l) => [`${l}.weight`, `${l}.bias`]));
    for (const [name, w] of vanilla.weights) {
      if (name.startsWith('heads.head')) continue; // a fresh head replaced the seeded one
      const changed = maxRelative(initial.get(name)!, w) > 0;
      expect(changed, name).toBe(trained.has(name));
    }
    expect(vanilla.frozenOnTape).toEqual(lastN === 3 ? [`${block(1)}.self_attention.in_proj`, `${block(1)}.self_attention.out_proj`] : []);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frozen on the tape: the gradient reaching the first fine-tuned layer through the attention is the plain model\'s, and nothing is kept for those layers\' weight gradients', () => {
    const model = tinyVit();
    const { x, y } = makeBatch(train, Array.from({ length: B }, (_, i) => i), input);
    const target = model.namedWeights().get(`${block(0)}.mlp.3.weight`)!;
    const grad = () => {
      let saved = 0;
      const { value, grads } = tf.variableGrads(() => {
        const loss = crossEntropy(model.forward(x, { training: true }), y);
        saved = savedOnActiveTape().bytes;
        return loss;
      }, [target]);
      const g = Float32Array.from(grads[target.name]!.dataSync());
      tf.dispose([value, ...Object.values(grads)]);
      return { g, saved };
    };
    const plain = grad(); // unprepared: every op stock, on the tape
    prepareFineTune(model, { lastN: 3, inputShape: [B, 32, 32, 1], method: 'vanilla' });
    const prepared = grad();
    expect(maxRelative(plain.g, prepared.g)).toBeLessThan(1e-5);
    // The same step with the two attention linears on stock ops instead (their weights still not
    // requested): stock matMul keeps at least each one's input [B, N, D]; frozenLinear keeps none.
    for (const name of [`${block(1)}.self_attention.in_proj`, `${block(1)}.self_attention.out_proj`]) model.runtime.set(name, { mode: 'plain' });
    const stock = grad();
    expect(stock.saved - prepared.saved).toBeGreaterThanOrEqual(2 * B * N * SIZES.hiddenDim * 4);
    resetFineTune(model);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('the frozen prefix: cached token features continue to the same logits; LayerNorm and embeddings train from scratch only', () => {
    const model = tinyVit();
    expect([...model.trainableWeights().keys()]).toEqual(expect.arrayContaining(['class_token', 'encoder.pos_embedding', `${block(0)}.ln_1.weight`, 'encoder.ln.bias']));
    prepareFineTune(model, { lastN: 2, inputShape: [B, 32, 32, 1], method: 'vanilla' });
    expect([...model.trainableWeights().keys()].sort()).toEqual([`${block(1)}.mlp.0.bias`, `${block(1)}.mlp.0.weight`, `${block(1)}.mlp.3.bias`, `${block(1)}.mlp.3.weight`, 'heads.head.bias', 'heads.head.weight']);
    const k = model.frozenPrefixBlocks();
    expect(k).toBe(2); // patch embedding and encoder block 0; block 1's MLP trains
    const { x, y } = makeBatch(train, Array.from({ length: B }, (_, i) => i), input);
    const features = model.frozenFeatures(x, k);
    expect(features.shape).toEqual([B, N, SIZES.hiddenDim]);
    const whole = model.forward(x);
    const cached = model.forward(features, { fromBlock: k });
    expect(maxRelative(Float32Array.from(whole.dataSync()), Float32Array.from(cached.dataSync()))).toBe(0);
    expect(() => model.forward(x, { fromBlock: k })).toThrow(/rank 3/);
    tf.dispose([x, y, features, whole, cached]);
    model.dispose();
  });

  it('finetune() runs end to end on a ViT and reports the compressed MLP layers\' costs', async () => {
    const c = config({ method: 'asi', lastN: 2, methodOptions: { ranks: [2, 4, 4] } });
    const r = await finetune(c);
    c.model.dispose();
    expect(r.layerCosts.map((l) => l.name)).toEqual([`${block(1)}.mlp.0`, `${block(1)}.mlp.3`]);
    expect(r.activationBytes.analytic).toBeGreaterThan(0);
    expect(r.activationBytes.analytic).toBeLessThan(B * N * (SIZES.hiddenDim + SIZES.mlpDim) * 4);
    expect(r.top1).toBeGreaterThanOrEqual(0);
  });

  it('vit-b-32: the profiler counts ASI on the 24 MLP linears of [B, 50, 768] / [B, 50, 3072] in paper and exact mode', () => {
    const specs = describeModel('vit-b-32', { inputShape: [32, 224, 224, 3], numClasses: 10 });
    const mlp = specs.filter((s) => s.compressible);
    expect(mlp).toHaveLength(24);
    for (const s of mlp.slice(-2)) {
      const paper = layerCost(s.geometry, 'asi', { ranks: [4, 8, 16] }, { mode: 'paper' });
      const exact = layerCost(s.geometry, 'asi', { ranks: [4, 8, 16] }, { mode: 'exact' });
      const vanilla = layerCost(s.geometry, 'vanilla', {}, { mode: 'paper' });
      expect(paper.activationElements).toBe(4 * 8 * 16 + 32 * 4 + 50 * 8 + s.geometry.inputShape[2]! * 16);
      expect(vanilla.activationElements).toBe(32 * 50 * s.geometry.inputShape[2]!);
      expect(exact.backwardFlops).toBeGreaterThan(0);
      // the reference code's linear-layer backward on [B, N, I] (docs/method.md §6): four contractions
      const [b, n, i] = s.geometry.inputShape as [number, number, number];
      const o = s.geometry.weightShape[1]!;
      expect(paper.backwardFlops).toBe(b * n * o * 4 + 4 * 8 * 16 * n + 4 * 16 * i * n + i * o * n * 4);
    }
  });
});
