// Turns the PyTorch state dict written by pretrain-vit.py or pretrain-mcunet.py into an odl
// checkpoint, through odl's own weights loader, after checking odl's logits against PyTorch's on two
// test images and the test top-1 with odl's input pipeline. The ViT is the one that ships with
// @odl/models (packages/models/pretrained/vit-fmnist04/, the default --out); an MCUNet-in1 needs
// --out: packages/models/pretrained/mcunet-in1-fmnist04 for the shipped default (its README has the
// commands), any other folder for a study (docs/reproduction.md §3).
// Run: node packages/models/scripts/run-ts.mjs packages/models/scripts/import-pretrained.ts --from /tmp/vit-fmnist04
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setupBackend, tf } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { parseIdx } from '@odl/datasets';
import { createModelFromTorch, evaluate, PRETRAINED_MCUNET_NAME, PRETRAINED_VIT_NAME, saveCheckpoint, type InputSpec, type LabeledImages, type VitConfig, type ZooModel } from '@odl/models';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) if (process.argv[i]!.startsWith('--')) args.set(process.argv[i]!.slice(2), process.argv[++i]!);
const from = resolve(args.get('from') ?? '/tmp/vit-fmnist04');
const dataDir = args.get('data') ?? '/usr/share/datasets/fashion-mnist';

/** pretrain-vit.py's config: the zoo's ViT config (without LayerNorm ε: torchvision's 1e-6) and the classifier's sides. */
type VitMetaConfig = Omit<VitConfig, 'layerNormEpsilon'> & { inputChannels: number; numClasses: number };
/** pretrain-mcunet.py's config. */
interface McunetConfig {
  resolution: number;
  inputChannels: number;
  numClasses: number;
  bnEps: number;
}
interface Meta {
  /** Written by pretrain-mcunet.py; pretrain-vit.py's files predate it (a ViT). */
  architecture?: 'mcunet-in1' | 'vit';
  classes: number[];
  config: VitMetaConfig | McunetConfig;
  input: InputSpec;
  training: Record<string, unknown>;
  trainImages: number;
  testImages: number;
  testTop1: number;
  testLoss: number;
  trainSeconds: number;
  history: { epoch: number; trainLoss: number; testTop1: number; testLoss: number }[];
  check: { inputsNCHW: number[]; shapeNCHW: number[]; logits: number[] };
}
const meta = JSON.parse(readFileSync(join(from, 'meta.json'), 'utf8')) as Meta;
const architecture = meta.architecture ?? 'vit';
// run from the repository root (the bundle runs from node_modules/.cache, so no path relative to this file)
const outArg = args.get('out');
if (architecture !== 'vit' && outArg == null) throw new Error(`${from}: an ${architecture} import needs --out <folder> (packages/models/pretrained/${PRETRAINED_MCUNET_NAME} for the shipped default)`);
const out = resolve(outArg ?? join('packages', 'models', 'pretrained', PRETRAINED_VIT_NAME));

/** The elements and dimensions of a gzipped unsigned-byte IDX file. */
function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  const idx = parseIdx(readFileSync(file), file);
  if (idx.dtype !== 'uint8') throw new Error(`${file}: not an unsigned-byte IDX file`);
  return { dims: idx.dims, data: idx.data as Uint8Array };
}

function loadTest(): LabeledImages {
  const img = readIdx(join(dataDir, 't10k-images-idx3-ubyte.gz'));
  const lab = readIdx(join(dataDir, 't10k-labels-idx1-ubyte.gz'));
  const keep: number[] = [];
  for (let i = 0; i < lab.dims[0]; i++) if (meta.classes.includes(lab.data[i])) keep.push(i);
  const [, h, w] = img.dims;
  const images = new Uint8Array(keep.length * h * w);
  const labels = new Int32Array(keep.length);
  keep.forEach((i, k) => {
    images.set(img.data.subarray(i * h * w, (i + 1) * h * w), k * h * w);
    labels[k] = meta.classes.indexOf(lab.data[i]);
  });
  return { images, shape: [keep.length, h, w, 1], labels, numClasses: meta.classes.length };
}

const backend = await setupBackend({ prefer: ['wasm'] });
const { model, report } =
  architecture === 'vit'
    ? await createModelFromTorch('vit', join(from, 'model.pth'), { zoo: { vit: { numHeads: (meta.config as VitMetaConfig).numHeads } } })
    : await createModelFromTorch('mcunet-in1', join(from, 'model.pth'), { batchNormEpsilon: (meta.config as McunetConfig).bnEps });
console.log(`imported ${report.loaded?.length ?? '?'} tensors into ${model.config.architecture}`);

// odl's logits vs PyTorch's on the two check images (NCHW → NHWC)
const [n, c, h, w] = meta.check.shapeNCHW;
const x = tf.tidy(() => tf.transpose(tf.tensor4d(meta.check.inputsNCHW, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D);
const logits = model.forward(x);
const ours = Array.from(await logits.data());
tf.dispose([x, logits]);
const scale = Math.max(...meta.check.logits.map(Math.abs));
const maxRel = Math.max(...ours.map((v, i) => Math.abs(v - meta.check.logits[i]!) / scale));
console.log(`logits vs PyTorch: max error ${maxRel.toExponential(2)} of the largest logit`);
if (!(maxRel <= 1e-4)) throw new Error(`odl's logits differ from PyTorch's by ${maxRel} (> 1e-4): the import is wrong`);

const test = loadTest();
const result = await evaluate(model, test, meta.input);
console.log(`test top-1 with odl's input pipeline: ${(100 * result.top1).toFixed(2)}% (PyTorch: ${(100 * meta.testTop1).toFixed(2)}%)`);

/** What both checkpoints record of the pretraining and the import. */
function importMetadata(description: string, maxRel: number, result: { top1: number; loss: number }, command: string): Record<string, unknown> {
  return {
    description,
    dataset: 'fashion-mnist',
    classes: meta.classes,
    input: meta.input,
    training: meta.training,
    trainImages: meta.trainImages,
    testImages: meta.testImages,
    testTop1: result.top1,
    testLoss: result.loss,
    torchTestTop1: meta.testTop1,
    logitsMaxRelativeError: maxRel,
    trainSeconds: meta.trainSeconds,
    history: meta.history,
    command,
  };
}

if (architecture === 'vit') await saveVit(model, maxRel, result);
else await saveMcunet(model, maxRel, result);
model.dispose();
console.log(`saved ${out}`);

async function saveVit(model: ZooModel, maxRel: number, result: { top1: number; loss: number }): Promise<void> {
  const command = 'node packages/models/scripts/run-ts.mjs packages/models/scripts/import-pretrained.ts --from <out of pretrain-vit.py>';
  const pretrainCommand = `/usr/bin/python3 packages/models/scripts/pretrain-vit.py --out /tmp/vit-fmnist04 --epochs ${String(meta.training.epochs)} --patch ${(meta.config as VitMetaConfig).patchSize} --mlp ${(meta.config as VitMetaConfig).mlpDim} --threads ${String(meta.training.threads)}`;
  const description = 'ViT (torchvision VisionTransformer layout) pretrained on Fashion-MNIST classes 0-4 (T-shirt/top, Trouser, Pullover, Dress, Coat)';
  await saveCheckpoint(model, out, { metadata: { ...importMetadata(description, maxRel, result, `${pretrainCommand} && ${command}`), vit: meta.config } });
  const cfg = meta.config as VitMetaConfig;
  await writeFileAtomic(
    join(out, 'README.md'),
    `# ViT, Fashion-MNIST classes 0–4

  The pretrained vision transformer of \`@odl/models\` (\`loadPretrainedVit()\`), the starting point of
  the transformer demo (\`odl demo --model vit\`: classes 5–9 with a fresh head).

  | | |
  |---|---|
  | Architecture | ViT in torchvision's \`VisionTransformer\` layout and names (architecture \`'vit'\`): ${cfg.imageSize}×${cfg.imageSize} input, ${cfg.patchSize}×${cfg.patchSize} patches (${(cfg.imageSize / cfg.patchSize) ** 2} + 1 tokens), width ${cfg.hiddenDim}, ${cfg.numLayers} blocks, ${cfg.numHeads} heads, MLP ${cfg.mlpDim}; ${model.parameterCount().toLocaleString('en-US')} parameters, 1 input channel, 5 classes |
  | Input | the 28×28 grayscale image resized bilinearly (half-pixel centres) to ${cfg.imageSize}×${cfg.imageSize}, scaled to [0, 1], normalised with mean ${meta.input.mean} and std ${meta.input.std} |
  | Data | Fashion-MNIST train images of classes 0–4 (${meta.trainImages}), Debian \`dataset-fashion-mnist\` |
  | Training | PyTorch ${String(meta.training.torch)} (torchvision's class, dev time only), ${String(meta.training.epochs)} epochs, batch ${String(meta.training.batchSize)}, AdamW (lr ${String(meta.training.lr)}, weight decay ${String(meta.training.weightDecay)}), ${String(meta.training.schedule)}, gradient-norm clip ${String(meta.training.clipNorm)}, ${String(meta.training.augment)}; seed ${String(meta.training.seed)}; ${meta.trainSeconds} s on a shared 2-core machine (${String(meta.training.threads)} thread) |
  | Imported | through odl's PyTorch loader (\`createModelFromTorch('vit', …)\`); odl's logits match PyTorch's within ${maxRel.toExponential(1)} of the largest logit on two test images |
  | **Test top-1 (classes 0–4, ${meta.testImages} images, odl ${backend.backend})** | **${(100 * result.top1).toFixed(2)}%** (PyTorch: ${(100 * meta.testTop1).toFixed(2)}%) |
  | Test top-1 after each epoch (PyTorch) | ${meta.history.map((e) => `${(100 * e.testTop1).toFixed(2)}%`).join(', ')} |

  Why this size: a transformer that trains in minutes on two shared cores and fine-tunes in the
  demo's time; the last N MLP linears see \`[B, ${(cfg.imageSize / cfg.patchSize) ** 2 + 1}, ${cfg.hiddenDim}]\` and \`[B, ${(cfg.imageSize / cfg.patchSize) ** 2 + 1}, ${cfg.mlpDim}]\` inputs, which ASI
  compresses with its three-mode decomposition (docs/method.md).

  Reproduce:

  \`\`\`sh
  ${pretrainCommand}
  ${command.replace('<out of pretrain-vit.py>', '/tmp/vit-fmnist04')}
  \`\`\`

  Files: \`model.json\` (tfjs layout, \`weightsManifest\`; odl metadata under \`userDefinedMetadata.odl\`)
  and \`weights.bin\` (float32 little-endian).
  `,
  );
}

async function saveMcunet(model: ZooModel, maxRel: number, result: { top1: number; loss: number }): Promise<void> {
  const cfg = meta.config as McunetConfig;
  const t = meta.training;
  // every setting the script records, so the command remakes these weights (pretrain-mcunet.py's defaults differ)
  const contrastive = typeof t.contrastive === 'number' && t.contrastive > 0 ? ` --contrastive ${String(t.contrastive)} --temperature ${String(t.temperature)}` : '';
  const pretrainCommand = `/usr/bin/python3 packages/models/scripts/pretrain-mcunet.py --out /tmp/mcunet-fmnist04 --image-size ${cfg.resolution} --epochs ${String(t.epochs)} --batch ${String(t.batchSize)} --lr ${String(t.lr)} --weight-decay ${String(t.weightDecay)} --seed ${String(t.seed)} --threads ${String(t.threads)}${contrastive}`;
  const shippedDir = resolve(join('packages', 'models', 'pretrained', PRETRAINED_MCUNET_NAME));
  const shipped = out === shippedDir;
  const outForCommand = shipped ? `packages/models/pretrained/${PRETRAINED_MCUNET_NAME}` : `/tmp/mcunet-in1-fmnist04-${cfg.resolution}`;
  const command = `node packages/models/scripts/run-ts.mjs packages/models/scripts/import-pretrained.ts --from /tmp/mcunet-fmnist04 --out ${outForCommand}`;
  const description = 'MCUNet-in1 pretrained on Fashion-MNIST classes 0-4 (T-shirt/top, Trouser, Pullover, Dress, Coat)';
  await saveCheckpoint(model, out, { metadata: importMetadata(description, maxRel, result, `${pretrainCommand} && ${command}`) });
  const size = cfg.resolution;
  const maps = size / 32;
  await writeFileAtomic(
    join(out, 'README.md'),
    `# MCUNet-in1, Fashion-MNIST classes 0–4, ${size}×${size}

${
      shipped
        ? `The default pretrained model of \`@odl/models\` (\`loadPretrainedMcunet()\`), the starting point of
the README's main job and of the fine-tuning demo (classes 5–9 with a fresh head). Pretrained with
PyTorch at development time and imported through odl's own loader.`
        : `MCUNet-in1 pretrained with PyTorch and imported through odl's loader: a checkpoint folder for
\`odl finetune --model <this folder>\` and \`loadPretrainedMcunet(<this folder>)\` (fine-tuned on
classes 5–9 with a fresh head). docs/reproduction.md §3 says what fine-tuning it gave.`
    }

| | |
|---|---|
| Architecture | MCUNet-in1 in the MCUNet zoo's layout (${model.parameterCount().toLocaleString('en-US')} parameters), 1 input channel, 5 classes |
| Input | ${size}×${size}×1: the 28×28 grayscale image resized bilinearly (half-pixel centres, as torchvision's Resize), scaled to [0, 1], normalised with mean ${meta.input.mean} and std ${meta.input.std} |
| Data | Fashion-MNIST train images of classes 0–4 (${meta.trainImages}), Debian \`dataset-fashion-mnist\` |
| Training | PyTorch ${String(t.torch)} (dev time only), ${String(t.epochs)} epochs, batch ${String(t.batchSize)}, ${String(t.optimizer)}, lr ${String(t.lr)}, weight decay ${String(t.weightDecay)}, ${String(t.schedule)}; ${String(t.augment)}; BatchNorm with batch statistics (ε ${cfg.bnEps}); seed ${String(t.seed)}; ${meta.trainSeconds} s on a shared 2-core machine (${String(t.threads)} threads) |
| Imported | through odl's PyTorch loader (\`createModelFromTorch('mcunet-in1', …)\`, the MCUNet zoo's names); odl's logits match PyTorch's within ${maxRel.toExponential(1)} of the largest logit on two test images |
| **Test top-1 (classes 0–4, ${meta.testImages} images, odl ${backend.backend})** | **${(100 * result.top1).toFixed(2)}%** (PyTorch: ${(100 * meta.testTop1).toFixed(2)}%) |
| Test top-1 after each epoch (PyTorch) | ${meta.history.map((e) => `${(100 * e.testTop1).toFixed(2)}%`).join(', ')} |

Why ${size}×${size}: MCUNet-in1 halves the resolution five times (stem and four stride-2 blocks), so
the last stage's maps are ${maps}×${maps} and the fine-tuned layers' inputs keep spatial extent, as
in the paper (7×7 at 224×224). At 32×32 they are 1×1 and ASI has nothing to compress there but the
batch and channels; at 64×64 (the shipped checkpoint) they are 2×2; 96×96 is MCUNet-in1's native
resolution. One channel because the data is grayscale.
${
  contrastive === ''
    ? ''
    : `
Why two views and a SimCLR term: pretrained on the cross-entropy alone, the features collapse onto
classes 0–4, and the new classes' directions carry little of the activations' energy, which is what
ASI's ranks keep. The contrastive term keeps the features more general: fine-tuned on classes 5–9
with the paper's protocol, every method reaches more and the paper's ASI lands closer to vanilla
(docs/reproduction.md §3, "A more general backbone from the same five classes").
`
}
Reproduce:

\`\`\`sh
${pretrainCommand}
${command}
\`\`\`

Files: \`model.json\` (tfjs layout, \`weightsManifest\`; odl metadata under \`userDefinedMetadata.odl\`,
with CRC-32s of the content and the weights, so a damaged copy is refused) and \`weights.bin\`
(float32 little-endian).
`,
  );
}
