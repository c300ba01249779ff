import { describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { crossEntropy, mcunetIn1, mobileNetV2, prepareFineTune, resetFineTune, resnet18, type ZooModel } from '@odl/models';
import { registerShortcut } from '@odl/shortcut';
import * as tfl from '@tensorflow/tfjs-layers';
import { relFro } from '@odl/test-utils';
import { zooToLayersArtifacts } from '../src/index';

/** Gives every BatchNorm non-trivial statistics and affine parameters (as a trained model has). */
function randomizeBatchNorm(model: ZooModel, seed: number): void {
  let s = seed;
  for (const l of model.convLayers()) {
    if (l.bn == null) continue;
    const c = l.bn.gamma.shape[0]!;
    l.bn.gamma.assign(tf.randomUniform([c], 0.5, 1.5, 'float32', s++));
    l.bn.beta.assign(tf.randomUniform([c], -0.2, 0.2, 'float32', s++));
    l.bn.movingMean.assign(tf.randomUniform([c], -0.1, 0.1, 'float32', s++));
    l.bn.movingVariance.assign(tf.randomUniform([c], 0.5, 2, 'float32', s++));
  }
}

/** MCUNet-in1 whose last 4 layers were fine-tuned with ASI for a few steps (odl's own fine-tuning path). */
function fineTunedMcunet(): ZooModel {
  registerShortcut();
  const zoo = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 5 });
  randomizeBatchNorm(zoo, 30);
  prepareFineTune(zoo, { lastN: 4, inputShape: [8, 32, 32, 1], method: 'asi', methodOptions: { ranks: [4, 2, 2, 4] } });
  const optimizer = tf.train.sgd(0.05);
  const x = tf.randomUniform([8, 32, 32, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
  const y = tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], 'int32');
  const before = zoo.classifier.weight.dataSync().slice();
  for (let step = 0; step < 3; step++) {
    optimizer.minimize(() => crossEntropy(zoo.forward(x, { training: true }), y), false, [...zoo.trainableWeights().values()]);
  }
  expect(zoo.classifier.weight.dataSync().some((v, i) => v !== before[i])).toBe(true);
  resetFineTune(zoo);
  tf.dispose([x, y]);
  optimizer.dispose();
  return zoo;
}

const cases: [string, () => ZooModel, [number, number, number]][] = [
  ['MCUNet-in1 fine-tuned with ASI', fineTunedMcunet, [32, 32, 1]],
  ['MCUNet-in1', () => mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 1 }), [32, 32, 1]],
  ['MobileNetV2 (width 0.35)', () => mobileNetV2({ inputChannels: 3, numClasses: 7, seed: 2, widthMultiplier: 0.35 }), [32, 32, 3]],
  ['ResNet-18', () => resnet18({ inputChannels: 3, numClasses: 4, seed: 3 }), [32, 32, 3]],
];

describe('a zoo model exports as a stock LayersModel artifact', () => {
  for (const [name, make, shape] of cases) {
    it(`${name}: tf.loadLayersModel predicts the zoo model's logits`, async () => {
      await setupBackend({ prefer: ['cpu'] });
      const zoo = make();
      randomizeBatchNorm(zoo, 10);
      const artifacts = await zooToLayersArtifacts(zoo, shape);
      const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
      const classes = new Set(model.layers.map((l) => l.getClassName()));
      for (const c of classes) expect(['InputLayer', 'ZeroPadding2D', 'Conv2D', 'DepthwiseConv2D', 'BatchNormalization', 'ReLU', 'Add', 'MaxPooling2D', 'GlobalAveragePooling2D', 'Dense']).toContain(c);
      // Every zoo weight is in the artifact, under its module path.
      expect(artifacts.weightSpecs!.length).toBe(model.weights.length);
      const x = tf.randomUniform([3, ...shape], 0, 1, 'float32', 4) as tf.Tensor4D;
      const ref = zoo.forward(x);
      const got = model.predict(x) as tf.Tensor;
      expect(got.shape).toEqual(ref.shape);
      expect(relFro(got.dataSync(), ref.dataSync())).toBeLessThan(1e-5);
      tf.dispose([x, ref, got]);
      model.dispose();
      zoo.dispose();
    });
  }
});
