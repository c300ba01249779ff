/**
 * Bring your own Keras model: fine-tune the last 4 compressible layers of a tfjs-layers
 * LayersModel with ASI under plain `model.fit`, save it with a standard IOHandler, and deploy it
 * with plain tfjs (docs/guides/layers-model.md).
 *
 * 1. Build a MobileNetV2-like model with tfjs-layers and pretrain it briefly (plain `model.fit`)
 *    on the embedded Fashion-MNIST calibration split (classes 0–4).
 * 2. `compressLayersModel` (@odl/layers): its last 4 compressible layers train with ASI, the rest
 *    is frozen; fine-tune on the other five classes (5–9) with `model.fit`, a `tf.train`
 *    optimizer and a callback.
 * 3. Measure the activation memory each training step keeps on the gradient tape
 *    (`tapeMemoryLoss`), for this model and for the same model fine-tuned with `model.fit` alone.
 * 4. Save with odl's file IOHandler (model.json + weights.bin, tfjs' own layout).
 *
 * Run it: `npx tsx examples/layers-model/layers-model.ts` (after `pnpm build`), then
 * `node examples/layers-model/plain-load.mjs <folder> <inputs.bin>` loads it without odl.
 */
import { setupBackend, tf } from '@odl/backend';
import { loadEmbeddedFashionMnist, type ImageDataset } from '@odl/datasets';
import { compressLayersModel, tapeMemoryLoss } from '@odl/layers';
import { fileHandler } from '@odl/models';
import { registerShortcut } from '@odl/shortcut';
import * as tfl from '@tensorflow/tfjs-layers';
import { mobileNetV2Like } from './model';

/** What {@link runLayersModelExample} does, sized for CI by default. */
export interface LayersModelExampleOptions {
  /** Where the fine-tuned model is saved (model.json + weights.bin). */
  dir: string;
  /** Pretraining images (calibration split) and epochs; default 320 and 2. */
  pretrainImages?: number;
  pretrainEpochs?: number;
  /** Fine-tuning images (finetune-train split) and epochs; default 640 and 2. */
  finetuneImages?: number;
  finetuneEpochs?: number;
  /** Batch size; default 32. */
  batchSize?: number;
  /** Print progress; default true. */
  log?: boolean;
}

/** What the example measured. */
export interface LayersModelExampleResult {
  /** Bytes the tape keeps per step with `model.fit` alone (same layers trained, the rest frozen by `trainable: false`). */
  plainFitTapeBytes: number;
  /** Bytes the tape keeps per step after `compressLayersModel` (ASI, frozen prefix off the tape). */
  asiTapeBytes: number;
  /** Test accuracy on the new classes before and after fine-tuning. */
  accuracyBefore: number;
  accuracyAfter: number;
  /** Fine-tuning loss per epoch. */
  losses: number[];
  /** The layers ASI trained. */
  trained: string[];
  /** Test images the predictions were made on, `[n, 28, 28, 1]` float32 (row-major). */
  inputs: Float32Array;
  /** The fine-tuned model's predictions on `inputs` (cpu backend), `[n, 5]`. */
  predictions: Float32Array;
}

function toTensors(ds: ImageDataset, count: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const n = Math.min(count, ds.shape[0]);
  const [, h, w, c] = ds.shape;
  return tf.tidy(() => {
    const x = tf.div(tf.tensor4d(Float32Array.from(ds.images.subarray(0, n * h * w * c)), [n, h, w, c]), 255) as tf.Tensor4D;
    const y = tf.cast(tf.oneHot(tf.tensor1d(ds.labels.subarray(0, n), 'int32'), ds.numClasses), 'float32') as tf.Tensor2D;
    return { x, y };
  });
}

/** Interleaves the classes (the embedded splits are sorted by label) with a fixed permutation. */
function shuffled(ds: ImageDataset, seed: number): ImageDataset {
  const n = ds.shape[0];
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const size = ds.shape[1] * ds.shape[2] * ds.shape[3];
  const images = new Uint8Array(n * size);
  order.forEach((src, dst) => images.set(ds.images.subarray(src * size, (src + 1) * size), dst * size));
  return { ...ds, images, labels: Int32Array.from(order, (i) => ds.labels[i]!) };
}

function accuracy(model: tfl.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(x) as tf.Tensor, -1), tf.argMax(y, -1)), 'float32')).dataSync()[0]!);
}

/** Copies a model through a standard in-memory save and `tf.loadLayersModel`. */
async function copyModel(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
}

/** Runs the example; see the module comment. */
export async function runLayersModelExample(options: LayersModelExampleOptions): Promise<LayersModelExampleResult> {
  const log = (options.log ?? true) ? (s: string) => console.log(s) : () => {};
  const batchSize = options.batchSize ?? 32;
  await setupBackend({ prefer: ['wasm', 'cpu'] });
  registerShortcut();

  // 1. A Keras-style model, pretrained briefly with plain tfjs-layers.
  const pre = toTensors(shuffled(await loadEmbeddedFashionMnist('calibration'), 1), options.pretrainImages ?? 320);
  const model = mobileNetV2Like(5);
  model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' });
  const ph = await model.fit(pre.x, pre.y, { batchSize, epochs: options.pretrainEpochs ?? 2, verbose: 0, shuffle: false }); // the data is shuffled once, with a seed
  log(`pretrained: loss ${(ph.history.loss as number[]).map((l) => l.toFixed(3)).join(', ')}, accuracy ${(100 * accuracy(model, pre.x, pre.y)).toFixed(1)} % on its own classes`);
  tf.dispose([pre.x, pre.y]);

  const train = toTensors(shuffled(await loadEmbeddedFashionMnist('finetune-train'), 2), options.finetuneImages ?? 640);
  const test = toTensors(shuffled(await loadEmbeddedFashionMnist('finetune-test'), 3), 200);
  const accuracyBefore = accuracy(model, test.x, test.y);

  // 3a. The baseline: the same model, the same 4 layers trained, the rest frozen with `trainable: false`, plain model.fit.
  const plain = await copyModel(model);
  const probe = compressLayersModel(plain, { method: 'vanilla', layers: 4, batchSize });
  const trained = [...probe.trained];
  probe.restore(); // only to learn which layers; plain stays a stock model
  for (const layer of plain.layers) layer.trainable = trained.includes(layer.name);
  const plainMeter = tapeMemoryLoss(tfl.metrics.categoricalCrossentropy);
  plain.compile({ optimizer: tf.train.adam(1e-3), loss: plainMeter.loss });
  const [bx, by] = [tf.slice(train.x, 0, batchSize), tf.slice(train.y, 0, batchSize)];
  await plain.fit(bx, by, { batchSize, epochs: 1, verbose: 0 });
  tf.dispose([bx, by]);
  plain.dispose();

  // 2. The last 4 compressible layers with ASI, under model.fit.
  const ft = compressLayersModel(model, {
    method: 'asi',
    methodOptions: { ranks: [8, 4, 4, 8] },
    partOptions: { predictions: { ranks: [8, 16] } },
    layers: 4,
    batchSize,
  });
  const meter = tapeMemoryLoss(tfl.metrics.categoricalCrossentropy);
  model.compile({ optimizer: tf.train.adam(3e-3), loss: meter.loss });
  const losses: number[] = [];
  await model.fit(train.x, train.y, {
    batchSize,
    epochs: options.finetuneEpochs ?? 2,
    verbose: 0,
    shuffle: false,
    callbacks: { onEpochEnd: async (epoch, logs) => void (losses.push(logs!.loss!), log(`epoch ${epoch + 1}: loss ${logs!.loss!.toFixed(4)}`)) },
  });
  const accuracyAfter = accuracy(model, test.x, test.y);

  const plainFitTapeBytes = plainMeter.steps[0]!.bytes;
  const asiTapeBytes = meter.steps.at(-1)!.bytes;
  log(`trained with ASI: ${ft.trained.join(', ')}`);
  log(`activation memory kept on the tape per step: model.fit alone ${(plainFitTapeBytes / 2 ** 20).toFixed(2)} MiB, with ASI ${(asiTapeBytes / 2 ** 20).toFixed(3)} MiB (${(plainFitTapeBytes / asiTapeBytes).toFixed(1)}× less)`);
  log(`test accuracy on the new classes: ${(100 * accuracyBefore).toFixed(1)} % before, ${(100 * accuracyAfter).toFixed(1)} % after`);

  // 4. A standard LayersModel artifact (stock Conv2D, DepthwiseConv2D, Dense, … in model.json).
  await ft.save(fileHandler(options.dir));
  log(`saved to ${options.dir}`);

  // Predictions on the cpu backend, the one plain-load.mjs uses, for a bit-exact comparison.
  await setupBackend({ prefer: ['cpu'] });
  const sample = tf.slice(test.x, 0, 16);
  const inputs = sample.dataSync() as Float32Array;
  const out = model.predict(sample) as tf.Tensor;
  const predictions = out.dataSync() as Float32Array;
  tf.dispose([sample, out, train.x, train.y, test.x, test.y]);
  ft.restore();
  model.dispose();
  return { plainFitTapeBytes, asiTapeBytes, accuracyBefore, accuracyAfter, losses, trained: ft.trained.slice(), inputs, predictions };
}

const isMain = typeof process !== 'undefined' && process.argv[1] != null && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) await runLayersModelExample({ dir: process.argv[2] ?? 'layers-model-out' });
