// The README's snippet, run as written (the save goes to memory instead of 'downloads://', which
// only a browser has; console output aside).
import { setupBackend, tf } from '@odl/backend';
import { registerShortcut } from '@odl/shortcut';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { compressLayersModel, tapeMemoryLoss } from '../src/index';

it('README snippet fine-tunes a Sequential model with ASI planned on a calibration batch and saves it', async () => {
  await setupBackend({ prefer: ['wasm', 'cpu'] });
  registerShortcut();

  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [16, 16, 3], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.batchNormalization(),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', activation: 'relu6' }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 1, activation: 'relu' }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 4, activation: 'softmax' }),
    ],
  });
  const xs = tf.randomNormal([32, 16, 16, 3]);
  const ys = tf.cast(tf.oneHot(tf.tensor1d([...Array(32).keys()].map((i) => i % 4), 'int32'), 4), 'float32');

  const ft = compressLayersModel(model, {
    method: 'asi',
    layers: 3,
    batchSize: 16,
    calibration: { x: tf.slice(xs, 0, 16), y: tf.slice(ys, 0, 16), loss: tfl.metrics.categoricalCrossentropy },
  });
  const meter = tapeMemoryLoss(tfl.metrics.categoricalCrossentropy);
  model.compile({ optimizer: tf.train.adam(1e-3), loss: meter.loss });
  const h = await model.fit(xs, ys, { batchSize: 16, epochs: 2, verbose: 0 });

  expect(ft.trained).toHaveLength(3);
  expect(ft.frozenPrefix).toHaveLength(2); // the first conv and its BatchNorm
  expect(ft.plan).not.toBeNull();
  expect(meter.steps).toHaveLength(4);
  expect(meter.steps.at(-1)!.bytes).toBeGreaterThan(0);
  expect((h.history.loss as number[]).every(Number.isFinite)).toBe(true);
  let saved: tf.io.ModelArtifacts | null = null;
  await ft.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  expect(saved!.format).toBe('layers-model');
  ft.restore();
  model.dispose();
});
