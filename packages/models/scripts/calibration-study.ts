// Where the paper's ASI takes its ranks from (docs/reproduction.md §2, "Calibration"): the main
// job (the shipped MCUNet-in1 at 64×64, embedded Fashion-MNIST 5–9, the paper's protocol, 15
// epochs, budget vanilla / 10, the protocol's ε grid) with the rank selection calibrated on the
// fine-tuning images (odl's default) and on pretraining images (Fashion-MNIST classes 0–4, as the
// paper measures its tables on ImageNet). Needs Debian's dataset-fashion-mnist. Run (about 2–3
// minutes on 2 cores):
//   N=2 SEED=0 node packages/models/scripts/run-ts.mjs packages/models/scripts/calibration-study.ts
import { setupBackend } from '@odl/backend';
import { loadFashionMnistFromDebian, selectClasses, selectIndices } from '@odl/datasets';
import { finetune, registerBuiltinMethods, type FinetuneConfig, type LabeledImages } from '@odl/models';

await setupBackend({ prefer: ['wasm'] });
registerBuiltinMethods();

/** The first `n` training images of classes 0–4 (28×28 grey; the session resizes them as it does the training images). */
async function pretrainingImages(n: number): Promise<LabeledImages> {
  const classes04 = selectClasses(await loadFashionMnistFromDebian('train', process.env.FASHION_MNIST_DIR), [0, 1, 2, 3, 4]);
  return selectIndices(classes04, Array.from({ length: n }, (_, i) => i));
}

const lastN = Number(process.env.N ?? 2);
const seed = Number(process.env.SEED ?? 0);
const common: FinetuneConfig = { protocol: 'paper', lastN, epochs: 15, seed };
const vanilla = await finetune({ ...common, method: 'vanilla' });
const budgetBytes = Math.floor(vanilla.activationBytes.analytic / 10);
console.log(`N = ${lastN}, seed ${seed}: vanilla ${(100 * vanilla.top1).toFixed(2)}%`);
for (const [label, calibration] of [['the fine-tuning images', undefined], ['pretraining images (classes 0–4)', await pretrainingImages(512)]] as const) {
  const r = await finetune({ ...common, method: 'asi', budgetBytes, calibration });
  const ranks = r.layers.filter((l) => l.role === 'compressed').map((l) => `[${(l.options.ranks as number[]).join(', ')}]`);
  const ratio = vanilla.activationBytes.analytic / r.activationBytes.analytic;
  console.log(`calibrated on ${label}: ranks ${ranks.join(' ')}, ${ratio.toFixed(1)}× less memory, top-1 ${(100 * r.top1).toFixed(2)}%`);
}
