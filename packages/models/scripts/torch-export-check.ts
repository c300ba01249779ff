// Dev-time check of the PyTorch export, step 1 (step 2 is make-torch-fixtures.py --check): odl
// exports MobileNetV2, the ViT and the Swin Transformer loaded from the torch fixtures, a seeded
// MCUNet-in1 (MCUNet zoo names and BatchNorm ε 1e-3) and a seeded ResNet-18 to safetensors, with
// odl's logits on each one's fixture input beside it.
//   node packages/models/scripts/run-ts.mjs packages/models/scripts/torch-export-check.ts <fixtures dir> <out dir>
//   /usr/bin/python3 packages/models/scripts/make-torch-fixtures.py --check <out dir>
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend, tf } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { createModel, createModelFromTorch, parseSafetensors, saveTorchWeights, type ZooModel } from '@odl/models';

const [fixtures, out] = process.argv.slice(2).filter((a) => !a.endsWith('.ts'));
if (fixtures == null || out == null) {
  console.error('usage: torch-export-check.ts <fixtures dir> <out dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
await setupBackend({ prefer: ['cpu'] });
/** A fixture input (NCHW in the file) as NHWC. */
function fixtureInput(file: string): tf.Tensor4D {
  const input = parseSafetensors(readFileSync(join(fixtures, file))).tensors.get('input')!;
  return tf.tidy(() => tf.transpose(tf.tensor4d(input.data, input.shape as [number, number, number, number]), [0, 2, 3, 1])) as tf.Tensor4D;
}

/** Seeded BatchNorm statistics and affine parameters, so that the check covers them. */
function randomizeBatchNorm(model: ZooModel, seed: number): void {
  for (const [name, v] of model.namedWeights()) {
    if (v.rank !== 1) continue;
    const t = /running_var$/.test(name) ? tf.randomUniform(v.shape, 0.5, 1.5, 'float32', seed++) : tf.randomNormal(v.shape, /running_mean$/.test(name) ? 0 : 1, 0.1, 'float32', seed++);
    v.assign(t);
    t.dispose();
  }
}

const cases: [string, string, () => Promise<ZooModel>][] = [
  ['mobilenetv2', 'input.safetensors', async () => (await createModelFromTorch('mobilenetv2', join(fixtures, 'mobilenet_v2_w025.pth'))).model],
  ['mcunet-in1', 'input.safetensors', async () => createModel('mcunet-in1', { numClasses: 7, seed: 3, batchNormEpsilon: 1e-3 })],
  ['resnet18', 'input.safetensors', async () => createModel('resnet18', { numClasses: 7, seed: 4 })],
  ['vit', 'vit_input.safetensors', async () => (await createModelFromTorch('vit', join(fixtures, 'vit_small.pth'), { zoo: { vit: { numHeads: 2 } } })).model],
  // the export must carry the int64 relative_position_index buffers for strict loading
  ['swin', 'swin_d16.input.safetensors', async () => (await createModelFromTorch('swin', join(fixtures, 'swin_d16.pth'))).model],
];
for (const [name, inputFile, make] of cases) {
  const x = fixtureInput(inputFile);
  const model = await make();
  if (name !== 'mobilenetv2') randomizeBatchNorm(model, 17);
  await saveTorchWeights(model, join(out, `${name}.safetensors`));
  let logits = tf.tidy(() => model.forward(x));
  if (name === 'mcunet-in1') {
    // The logits of the file imported back with the defaults: the MCUNet names must give ε 1e-3.
    const imported = await createModelFromTorch('mcunet-in1', join(out, `${name}.safetensors`));
    if (imported.report.batchNormEpsilon !== 1e-3) throw new Error(`mcunet-in1 imported with BatchNorm ε ${imported.report.batchNormEpsilon}, not 1e-3`);
    logits.dispose();
    logits = tf.tidy(() => imported.model.forward(x));
    imported.model.dispose();
  }
  const { architecture, numClasses, widthMultiplier } = model.config;
  await writeFileAtomic(join(out, `${name}.json`), JSON.stringify({ architecture, numClasses, widthMultiplier, logits: Array.from(logits.dataSync()) }));
  console.log(`${name}: exported to ${join(out, `${name}.safetensors`)}`);
  logits.dispose();
  model.dispose();
  x.dispose();
}
