// Pretrains MCUNet-in1 on Fashion-MNIST classes 0-4 with odl's own Trainer (wasm) and writes a
// checkpoint folder (default /tmp/mcunet-in1-fmnist04-odl). It made the shipped checkpoint until
// 2026-12-03; the shipped one now comes from pretrain-mcunet.py (docs/reproduction.md §3 compares
// the two). Run: node packages/models/scripts/pretrain-mcunet.mjs
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { setupBackend, tf } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { mcunetIn1, saveCheckpoint, Trainer, type InputSpec, type LabeledImages } from '@odl/models';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i].replace(/^--/, ''), process.argv[i + 1]);
const dataDir = args.get('data') ?? '/usr/share/datasets/fashion-mnist';
const out = resolve(args.get('out') ?? '/tmp/mcunet-in1-fmnist04-odl');
const epochs = Number(args.get('epochs') ?? 5);
const seed = Number(args.get('seed') ?? 0);
const batchSize = Number(args.get('batch') ?? 64);
const lr = Number(args.get('lr') ?? 0.1);
const limit = Number(args.get('limit') ?? Infinity);
const resolution = Number(args.get('resolution') ?? 64);
// Random shifts of about 2 source pixels (the 28×28 images are resized to `resolution`).
const maxShift = Number(args.get('shift') ?? Math.round((2 * resolution) / 28));
const classes = [0, 1, 2, 3, 4];

/** Parses a gzipped IDX file (magic 0x0000 08 <rank>, big-endian dims, uint8 data). */
function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const buf = gunzipSync(readFileSync(file));
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08) throw new Error(`${file}: not an unsigned-byte IDX file`);
  const rank = buf[3];
  const dims = Array.from({ length: rank }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const data = new Uint8Array(buf.buffer, buf.byteOffset + 4 + 4 * rank, dims.reduce((a, b) => a * b, 1));
  return { dims, data };
}

function load(prefix: string): LabeledImages {
  const img = readIdx(join(dataDir, `${prefix}-images-idx3-ubyte.gz`));
  const lab = readIdx(join(dataDir, `${prefix}-labels-idx1-ubyte.gz`));
  const keep: number[] = [];
  for (let i = 0; i < lab.dims[0] && keep.length < limit; i++) if (classes.includes(lab.data[i])) keep.push(i);
  const [, h, w] = img.dims;
  const images = new Uint8Array(keep.length * h * w);
  const labels = new Int32Array(keep.length);
  keep.forEach((i, k) => {
    images.set(img.data.subarray(i * h * w, (i + 1) * h * w), k * h * w);
    labels[k] = classes.indexOf(lab.data[i]);
  });
  return { images, shape: [keep.length, h, w, 1], labels, numClasses: classes.length };
}

const backend = await setupBackend({ prefer: ['wasm'] });
const train = load('train');
const test = load('t10k');
console.log(`backend ${backend.backend}; train ${train.shape[0]} images, test ${test.shape[0]} images (classes ${classes.join(',')})`);

const input: InputSpec = { height: resolution, width: resolution, channels: 1, resize: 'bilinear', mean: 0.286, std: 0.353 };
const model = mcunetIn1({ inputChannels: 1, numClasses: classes.length, seed });
const t0 = performance.now();
const trainer = new Trainer(model, {
  optimizer: { type: 'sgd', learningRate: lr, momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
  schedule: { kind: 'cosine', warmupSteps: 100 },
  epochs,
  batchSize,
  seed,
  input,
  augment: { maxShift, horizontalFlip: true },
  onStep: (p) => {
    if (p.step % 50 === 0) {
      const el = (performance.now() - t0) / 1000;
      console.log(`step ${p.step}/${p.totalSteps} epoch ${p.epoch} loss ${p.loss.toFixed(4)} lr ${p.learningRate.toFixed(4)} ${p.msPerStep.toFixed(0)} ms/step, ${el.toFixed(0)} s, tensors ${tf.memory().numTensors}`);
    }
  },
  onEpoch: (r) => console.log(`epoch ${r.epoch}: train loss ${r.loss.toFixed(4)}${r.eval ? `, test top-1 ${(100 * r.eval.top1).toFixed(2)}% loss ${r.eval.loss.toFixed(4)}` : ''}`),
});
const history = await trainer.fit(train, { evalData: test });
const result = history.at(-1)!.eval!;
const seconds = (performance.now() - t0) / 1000;
const command = `node packages/models/scripts/pretrain-mcunet.mjs --epochs ${epochs} --seed ${seed} --batch ${batchSize} --lr ${lr} --resolution ${resolution}`;
const metadata = {
  description: 'MCUNet-in1 pretrained on Fashion-MNIST classes 0-4 (T-shirt/top, Trouser, Pullover, Dress, Coat)',
  dataset: 'fashion-mnist',
  classes,
  input,
  epochs,
  seed,
  batchSize,
  optimizer: trainer.config.optimizer,
  augment: trainer.config.augment,
  trainImages: train.shape[0],
  testImages: test.shape[0],
  testTop1: result.top1,
  testLoss: result.loss,
  trainSeconds: Math.round(seconds),
  backend: backend.backend,
  command,
  history,
};
await saveCheckpoint(model, out, { metadata });
const params = model.parameterCount();
await writeFileAtomic(
  join(out, 'README.md'),
  `# MCUNet-in1, Fashion-MNIST classes 0–4

MCUNet-in1 pretrained with odl's own Trainer: a checkpoint folder for \`odl finetune --model <this
folder>\` and \`loadPretrainedMcunet(<this folder>)\`. It was the shipped default until 2026-12-03
(docs/reproduction.md §3 compares it with the one that ships now).

| | |
|---|---|
| Architecture | MCUNet-in1 (${params.toLocaleString('en-US')} parameters), 1 input channel, 5 classes |
| Input | ${resolution}×${resolution}×1: the 28×28 grayscale image resized bilinearly (half-pixel centres, as torchvision's Resize), scaled to [0, 1], normalised with mean ${input.mean} and std ${input.std} |
| Data | Fashion-MNIST train images of classes 0–4 (${train.shape[0]}), Debian \`dataset-fashion-mnist\` |
| Training | ${epochs} epochs, batch ${batchSize}, SGD (Nesterov momentum 0.9, lr ${lr}, weight decay 5e-4), 100 warm-up steps then cosine; random shifts ≤ ${maxShift} px and horizontal flips; BatchNorm with batch statistics; seed ${seed}; ${backend.backend} backend, ${Math.round(seconds)} s on a shared 2-core machine |
| **Test top-1 (classes 0–4, ${test.shape[0]} images)** | **${(100 * result.top1).toFixed(2)}%** (mean loss ${result.loss.toFixed(4)}) |
| Test top-1 after each epoch | ${history.map((h) => `${(100 * h.eval!.top1).toFixed(2)}%`).join(', ')} |

Why ${resolution}×${resolution}: MCUNet-in1 halves the resolution five times (stem and four stride-2 blocks). At
32×32 the last stage's maps are 1×1, so every fine-tuned layer's input is a plain batch × channels
matrix and ASI has no spatial structure to compress (docs/asi-accuracy.md). At ${resolution}×${resolution} the last
stage keeps ${resolution / 32}×${resolution / 32} maps, as the paper's layers keep spatial extent; MCUNet's native 96×96 would
cost 2.25× more again on the shared 2-core CPU, for the pretraining and for every fine-tuning run.
One channel because the data is grayscale (the stem then costs a third of an RGB one).

Reproduce (about ${Math.ceil(seconds / 60)} minutes here):

\`\`\`sh
${command}
\`\`\`

Files: \`model.json\` (tfjs layout, \`weightsManifest\`; odl metadata under \`userDefinedMetadata.odl\`)
and \`weights.bin\` (float32 little-endian).
`,
);
console.log(`saved ${out}: test top-1 ${(100 * result.top1).toFixed(2)}% in ${seconds.toFixed(0)} s`);
