import { describe, expect, it } from 'vitest';
import { savedOnActiveTape, setupBackend, tf } from '@odl/backend';
import { softmaxCrossEntropy } from '@odl/core';
import { mcunetIn1, prepareFineTune, registerBuiltinMethods } from '@odl/models';

// Issue #3's memory acceptance, measured on the gradient tape of a real model: the last 4 layers
// of MCUNet-in1 (its last inverted-residual block — 1×1 expand, ReLU6, 3×3 depthwise, ReLU6,
// 1×1 project, with frozen BatchNorm — and the classifier) at 96×96 (3×3 feature maps), batch 32.
// Everything the trainable part keeps for backward is counted: the layer inputs (or their
// compressed form), the ReLU6 masks (1 bit per element), BatchNorm and the loss.
describe('bytes kept by the whole trainable part (MCUNet-in1, last 4 layers, wasm)', () => {
  const batch = 32;
  const shape: [number, number, number, number] = [batch, 96, 96, 1];

  async function measure(method: string, perLayerOptions?: Record<string, Record<string, unknown>>): Promise<number> {
    const model = mcunetIn1({ inputChannels: 1, numClasses: 10, seed: 1 });
    // the last 3 convolutions and the classifier, all four through the method (as issue #3 measured)
    prepareFineTune(model, { lastN: 4, classifier: 'method', inputShape: shape, method, perLayerOptions, seed: 2 });
    const x = tf.randomUniform(shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
    let bytes = 0;
    const step = () => {
      const { value, grads } = tf.variableGrads(() => {
        const loss = softmaxCrossEntropy(model.forward(x, { training: true }), labels) as tf.Scalar;
        bytes = savedOnActiveTape().bytes;
        return loss;
      }, [...model.trainableWeights().values()]);
      expect(Number.isFinite(value.dataSync()[0]!)).toBe(true);
      tf.dispose([value, ...Object.values(grads)]);
    };
    step(); // the first step makes the layers' kept state (folded BatchNorm, ASI factors)
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, labels]);
    model.dispose();
    return bytes;
  }

  it('ASI keeps ≥ 10× fewer bytes than vanilla; with int8 storage more still', async () => {
    await setupBackend({ prefer: ['wasm'] });
    registerBuiltinMethods();
    const vanilla = await measure('vanilla');
    // inputs [32,3,3,96], [32,3,3,576] ×2, [32,160] as float32, and two 1-bit ReLU6 masks
    const masks = 2 * Math.ceil((batch * 9 * 576) / 8);
    expect(vanilla).toBeGreaterThanOrEqual(4 * batch * (9 * (96 + 576 + 576) + 160) + masks);
    const conv = { ranks: [4, 2, 2, 8] };
    const asiLayers = (extra: Record<string, unknown>) => ({
      'features.14.conv.0.0': { ...conv, ...extra },
      'features.14.conv.1.0': { ...conv, ...extra },
      'features.14.conv.2': { ...conv, ...extra },
      classifier: { ranks: [4, 8], ...extra },
    });
    const asi = await measure('asi', asiLayers({}));
    const int8 = await measure('asi', asiLayers({ storage: 'int8' }));
    console.log(`whole trainable part: vanilla ${vanilla} B, ASI ${asi} B (${(vanilla / asi).toFixed(1)}×), ASI int8 ${int8} B (${(vanilla / int8).toFixed(1)}×)`);
    expect(vanilla / asi).toBeGreaterThanOrEqual(10);
    expect(int8).toBeLessThan(asi);
  });
});
