// Loads a LayersModel saved by layers-model.ts with plain tfjs only (no odl package is imported,
// directly or indirectly) and prints its predictions as JSON:
//   node plain-load.mjs <folder with model.json> <inputs.bin: float32 [n, 28, 28, 1]>
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';

const [dir, inputsFile] = process.argv.slice(2);
await tf.setBackend('cpu');
// tfjs' own reader of a model.json and its weight files (tf.io.getModelArtifactsForJSON).
const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
  const specs = manifest.flatMap((group) => group.weights);
  const buffers = await Promise.all(manifest.flatMap((group) => group.paths.map((p) => readFile(join(dir, p)))));
  const data = tf.io.concatenateArrayBuffers(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  return [specs, data];
});
const model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
const bytes = await readFile(inputsFile);
const inputs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const x = tf.tensor4d(inputs, [inputs.length / 784, 28, 28, 1]);
const predictions = model.predict(x);
const odl = Object.keys(globalThis).filter((k) => /odl/i.test(k));
process.stdout.write(JSON.stringify({
  predictions: Array.from(predictions.dataSync()),
  layerClasses: model.layers.map((l) => l.getClassName()),
  odlGlobals: odl,
}));
