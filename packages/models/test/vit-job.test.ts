// The transformer job (`odl demo --model vit`): the shipped pretrained ViT loads and classifies as
// its README states, and 100 steps of each of the job's methods (vanilla, ASI, LoRA, WASI) on the
// last 4 MLP linears leak no tensor.
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { loadEmbeddedFashionMnist } from '@odl/datasets';
import { evaluate, FineTuneSession, loadPretrainedVit, PRETRAINED_VIT_NAME, resolvePretrainedDir } from '@odl/models';

describe('the shipped ViT and the transformer job', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('loads from the package folder and classifies the embedded calibration split (classes 0–4) as its README states', async () => {
    expect(await resolvePretrainedDir(PRETRAINED_VIT_NAME)).toMatch(/pretrained[\\/]vit-fmnist04[\\/]?$/);
    const { model, input, metadata } = await loadPretrainedVit();
    expect(model.config).toMatchObject({ architecture: 'vit', inputChannels: 1, numClasses: 5 });
    expect(input).toMatchObject({ height: 32, width: 32, channels: 1 });
    const calibration = await loadEmbeddedFashionMnist('calibration');
    const { top1 } = await evaluate(model, calibration, input);
    // training images of classes 0–4: the README's test accuracy is a lower bound for them
    expect(top1).toBeGreaterThanOrEqual((metadata.testTop1 as number) - 0.02);
    model.dispose();
  });

  const runs: [string, Record<string, unknown>][] = [
    ['vanilla', {}],
    ['asi', {}],
    ['lora', { rank: 4 }],
    ['wasi', { weightEpsilon: 0.9 }],
  ];
  it.each(runs)('%s: 100 steps on the last 4 MLP linears keep tf.memory().numTensors flat', async (method, methodOptions) => {
    const train = await loadEmbeddedFashionMnist('finetune-train');
    const counts: number[] = [];
    const session = await FineTuneSession.create({
      model: await resolvePretrainedDir(PRETRAINED_VIT_NAME),
      protocol: 'paper',
      method,
      methodOptions,
      lastN: 4,
      epochs: 1,
      batchSize: 30, // 3,000 images: 100 steps
      train,
      test: train,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    try {
      expect(session.layers.filter((l) => l.role === 'compressed').map((l) => l.name)).toEqual([
        'encoder.layers.encoder_layer_2.mlp.0',
        'encoder.layers.encoder_layer_2.mlp.3',
        'encoder.layers.encoder_layer_3.mlp.0',
        'encoder.layers.encoder_layer_3.mlp.3',
      ]);
      await session.run({ until: 100 });
      expect(counts.length).toBe(100);
      expect(new Set(counts.slice(1))).toEqual(new Set([counts[1]]));
    } finally {
      session.dispose();
    }
  }, 120_000);
});
