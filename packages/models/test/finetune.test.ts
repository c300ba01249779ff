import { beforeAll, describe, expect, it } from 'vitest';
import { activeTapeNodes, setupBackend, tf, withoutTape } from '@odl/backend';
import { makeBatch, mcunetIn1, prepareFineTune, resnet18, Trainer } from '@odl/models';
import { snapshot, syntheticImages } from './helpers';

const input = { height: 32, width: 32, channels: 1 };

describe('prepareFineTune', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('trains only the last N layers; frozen weights and every BatchNorm statistic stay unchanged; tensor count flat', async () => {
    const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 2 });
    const setup = prepareFineTune(model, { lastN: 3, inputShape: [8, 32, 32, 1], method: 'vanilla', freshHead: true, numClasses: 3, seed: 5 });
    expect(setup.trained.map((l) => l.role)).toEqual(['compressed', 'compressed', 'compressed', 'exact']);
    expect(setup.trained.map((l) => l.name)).toEqual(['features.14.conv.0.0', 'features.14.conv.1.0', 'features.14.conv.2', 'classifier']);
    expect(setup.frozen.length).toBe(39);
    expect(model.config.numClasses).toBe(3);
    const trainable = [...model.trainableWeights().keys()];
    expect(trainable).toEqual([
      'features.14.conv.0.0.weight', 'features.14.conv.1.0.weight', 'features.14.conv.2.weight', 'classifier.weight', 'classifier.bias',
    ]);
    const before = snapshot(model.namedWeights());
    const data = syntheticImages(32, 28, 3);
    const counts: number[] = [];
    const trainer = new Trainer(model, {
      optimizer: { type: 'sgd', learningRate: 0.05, momentum: 0.9 }, epochs: 1, batchSize: 8, seed: 1, input,
      onStep: () => counts.push(tf.memory().numTensors),
    });
    await trainer.fit(data);
    expect(counts.length).toBe(4);
    expect(new Set(counts.slice(1)).size).toBe(1);
    const after = snapshot(model.namedWeights());
    for (const [name, v] of after) {
      const changed = v.some((x, i) => x !== before.get(name)![i]);
      if (trainable.includes(name)) expect(changed, name).toBe(true);
      else if (!name.startsWith('classifier')) expect(changed, name).toBe(false);
    }
    trainer.dispose();
    model.dispose();
  });

  it('frozen layers save nothing on the gradient tape', () => {
    const model = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 2 });
    prepareFineTune(model, { lastN: 1, inputShape: [4, 32, 32, 1] });
    const { x } = makeBatch(syntheticImages(4, 28, 5), [0, 1, 2, 3], input);
    let tapeKernels: string[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const y = tf.sum(model.forward(x, { training: true })) as tf.Scalar;
      tapeKernels = activeTapeNodes().map((n) => n.kernelName);
      return y;
    }, [...model.trainableWeights().values()]);
    // the last conv's and the classifier's compressed ops and the loss are recorded; no stock conv of the frozen part
    expect(tapeKernels.filter((k) => /Conv2D|DepthwiseConv|FusedBatchNorm|Relu6/i.test(k))).toEqual([]);
    expect(Object.keys(grads).length).toBe(3); // the last conv's weight, the classifier's weight and bias
    tf.dispose([value, x, ...Object.values(grads)]);
    model.dispose();
    expect(withoutTape(() => 3)).toBe(3);
  });

  it('BatchNorm statistics update in a training-mode forward, frozen after prepareFineTune (ResNet-18)', async () => {
    const model = resnet18({ inputChannels: 1, numClasses: 3, seed: 1 });
    const data = syntheticImages(4, 16, 3);
    const small = { height: 16, width: 16, channels: 1 };
    const mean = () => Float32Array.from(model.namedWeights().get('layer4.1.bn2.running_mean')!.dataSync());
    const m0 = mean();
    const cfg = { optimizer: { type: 'sgd' as const, learningRate: 0.01 }, epochs: 1, batchSize: 2, input: small };
    // a training-mode forward of a fresh model uses batch statistics and updates the running ones
    tf.tidy(() => model.forward(makeBatch(data, [0, 1], small).x, { training: true }));
    const m1 = mean();
    expect(m1.some((v, i) => v !== m0[i])).toBe(true);
    prepareFineTune(model, { lastN: 3, inputShape: [2, 16, 16, 1], method: 'vanilla' });
    const t2 = new Trainer(model, cfg);
    await t2.fit(data);
    expect(Array.from(mean())).toEqual(Array.from(m1));
    t2.dispose();
    model.dispose();
  });
});
