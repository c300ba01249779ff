import { describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { registerShortcut } from '@odl/shortcut';
import * as tfl from '@tensorflow/tfjs-layers';
import { compressLayersModel } from '../src/index';
import { batch, smallFunctional } from './helpers/models';

/** Saves through a standard IOHandler that keeps the artifacts in memory. */
async function saveToMemory(save: (h: tf.io.IOHandler) => Promise<unknown>): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return artifacts!;
}

type LayerJson = { class_name: string; config: { name: string; layers?: LayerJson[] } };
const layerClasses = (a: tf.io.ModelArtifacts) => ((a.modelTopology as { config: { layers: LayerJson[] } }).config.layers).map((l) => [l.config.name, l.class_name]);

describe('a fine-tuned model saves as a stock LayersModel', () => {
  it('the same topology classes and weight names as the stock model; tf.loadLayersModel gives the same predictions', async () => {
    await setupBackend({ prefer: ['cpu'] });
    registerShortcut();
    const { x, y } = batch(8, 5, 8);
    const stock = smallFunctional({ batchNorm: true });
    const model = smallFunctional({ batchNorm: true });
    const ft = compressLayersModel(model, { method: 'asi', methodOptions: { ranks: [4, 2, 2, 4] }, partOptions: { head: { ranks: [4, 8] } }, layers: 4, batchSize: 8 });
    model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { batchSize: 8, epochs: 3, verbose: 0 });

    const saved = await saveToMemory((h) => ft.save(h));
    const reference = await saveToMemory((h) => stock.save(h));
    // The very same model.json topology as the stock model's, and its weights in the same order.
    expect(saved.modelTopology).toEqual(reference.modelTopology);
    expect(layerClasses(saved).map(([, c]) => c)).toEqual(['InputLayer', 'Conv2D', 'BatchNormalization', 'DepthwiseConv2D', 'ReLU', 'SeparableConv2D', 'BatchNormalization', 'Conv2D', 'Conv2D', 'Add', 'Activation', 'Concatenate', 'GlobalAveragePooling2D', 'Dense']);
    expect(saved.weightSpecs!.map((s) => [s.name, s.shape, s.dtype])).toEqual(reference.weightSpecs!.map((s) => [s.name, s.shape, s.dtype]));
    expect(saved.format).toBe('layers-model');
    // model.save straight away writes a loadable artifact too (the frozen flags recorded, trained weights listed first).
    const direct = await saveToMemory((h) => model.save(h));
    expect(new Set(direct.weightSpecs!.map((s) => s.name))).toEqual(new Set(reference.weightSpecs!.map((s) => s.name)));

    // Fine-tuning changed the predictions, and the loaded model reproduces them.
    const trained = model.predict(x) as tf.Tensor;
    const before = stock.predict(x) as tf.Tensor;
    expect(tf.max(tf.abs(tf.sub(trained, before))).dataSync()[0]).toBeGreaterThan(1e-3);
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved));
    const again = loaded.predict(x) as tf.Tensor;
    expect(Array.from(again.dataSync())).toEqual(Array.from(trained.dataSync()));
    const loadedDirect = await tfl.loadLayersModel(tf.io.fromMemory(direct));
    const againDirect = loadedDirect.predict(x) as tf.Tensor;
    expect(Array.from(againDirect.dataSync())).toEqual(Array.from(trained.dataSync()));

    // The weights restored to the stock calls predict the same too.
    ft.restore();
    const restored = model.predict(x) as tf.Tensor;
    expect(Math.max(...Array.from(restored.dataSync(), (v, i) => Math.abs(v - trained.dataSync()[i]!)))).toBeLessThan(1e-6);
    tf.dispose([x, y, trained, before, again, againDirect, restored]);
    for (const m of [stock, model, loaded, loadedDirect]) m.dispose();
  });
});
