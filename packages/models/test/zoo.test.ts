import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { createModel, mcunetIn1, mobileNetV2, prepareFineTune, resetFineTune, resnet18, resnet34 } from '@odl/models';

describe('model zoo', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('MCUNet-in1: 42 convs + 1 dense, output shape, layer order and geometry', () => {
    const m = mcunetIn1({ inputChannels: 1, numClasses: 5, seed: 1 });
    const specs = m.layerSpecs([2, 32, 32, 1]);
    expect(specs.length).toBe(43);
    expect(specs.filter((s) => s.geometry.kind === 'depthwise').length).toBe(14);
    expect(specs.filter((s) => s.geometry.kind === 'conv2d').length).toBe(28);
    expect(specs[0].geometry).toMatchObject({ kind: 'conv2d', inputShape: [2, 32, 32, 1], weightShape: [3, 3, 1, 16], outputShape: [2, 16, 16, 16] });
    // block 0 (expand 1): depthwise 3x3 on 16 channels, project to 8
    expect(specs[1].geometry).toMatchObject({ kind: 'depthwise', weightShape: [3, 3, 16, 1], outputShape: [2, 16, 16, 16] });
    expect(specs[2].geometry).toMatchObject({ kind: 'conv2d', weightShape: [1, 1, 16, 8] });
    // block 3 (3, 24, 2, 7): expand 16 -> 48, 7x7 stride-2 depthwise
    const b3 = specs.filter((s) => s.name.startsWith('features.4.'));
    expect(b3.map((s) => s.geometry.weightShape)).toEqual([[1, 1, 16, 48], [7, 7, 48, 1], [1, 1, 48, 24]]);
    expect(specs[41].geometry.outputShape).toEqual([2, 1, 1, 160]);
    expect(specs[42].geometry).toMatchObject({ kind: 'dense', inputShape: [2, 160], weightShape: [160, 5] });
    const x = tf.randomUniform([2, 32, 32, 1]) as tf.Tensor4D;
    const y = m.forward(x);
    expect(y.shape).toEqual([2, 5]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    // every traced geometry matches the real forward's shapes
    tf.dispose([x, y]);
    m.dispose();
  });

  it('same seed gives the same weights; another seed differs', () => {
    const a = mcunetIn1({ seed: 3 });
    const b = mcunetIn1({ seed: 3 });
    const c = mcunetIn1({ seed: 4 });
    const wa = a.namedWeights().get('features.4.conv.1.0.weight')!.dataSync();
    expect(Array.from(b.namedWeights().get('features.4.conv.1.0.weight')!.dataSync())).toEqual(Array.from(wa));
    expect(Array.from(c.namedWeights().get('features.4.conv.1.0.weight')!.dataSync())).not.toEqual(Array.from(wa));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('MobileNetV2 (width 0.35), ResNet-18 and ResNet-34 at 32x32, batch 2', () => {
    const cases: [ReturnType<typeof createModel>, number][] = [
      [mobileNetV2({ widthMultiplier: 0.35, numClasses: 7 }), 53],
      [resnet18({ inputChannels: 1, numClasses: 7 }), 21],
      [resnet34({ numClasses: 7 }), 37],
    ];
    for (const [m, count] of cases) {
      const c = m.config.inputChannels;
      expect(m.layerSpecs([2, 32, 32, c]).length).toBe(count);
      const x = tf.randomNormal([2, 32, 32, c]) as tf.Tensor4D;
      const y = m.forward(x);
      expect(y.shape).toEqual([2, 7]);
      tf.dispose([x, y]);
      m.dispose();
    }
  });

  it('a frozen prefix holds one block\'s tensors: its intermediates are released block by block, the output is unchanged', () => {
    const m = resnet18({ inputChannels: 1, numClasses: 3, seed: 2 });
    const x = tf.randomNormal([2, 32, 32, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const plain = m.forward(x);
    prepareFineTune(m, { lastN: 1, inputShape: [2, 32, 32, 1], method: 'vanilla' });
    const before = tf.memory().numTensors;
    // no tidy around it: what the forward leaves behind is what a training step's scope would hold
    const y = m.forward(x, { training: true });
    const left = tf.memory().numTensors - before;
    // the last block (conv1, conv2, identity add, ReLU; BatchNorm's running statistics) and the
    // head leave a handful; the 20 frozen convolutions' outputs, BatchNorms and ReLUs are gone
    expect(left).toBeLessThan(20);
    expect(Array.from(y.dataSync())).toEqual(Array.from(plain.dataSync()));
    tf.dispose([x, y, plain]);
    resetFineTune(m);
    m.dispose();
  });

  it('MobileNetV2 width 1 has torchvision\'s parameter count', () => {
    const m = mobileNetV2({ numClasses: 1000 });
    expect(m.parameterCount()).toBe(3504872);
    m.dispose();
    const r = resnet18({ numClasses: 1000 });
    expect(r.parameterCount()).toBe(11689512);
    r.dispose();
  });
});
