// Run by scripts/release-dry-run.mjs inside the scratch project (outside the workspace), once per
// end of @odl/backend's tfjs-core peer range and backend: `node peer-training.mjs <backend> <tfjs-core version>`.
// Fine-tunes the shipped pretrained MCUNet-in1's last 2 layers for 4 steps on 64 embedded
// Fashion-MNIST images and checks the installed tfjs-core version, the active backend, finite
// losses and no tensor leak between steps.
import { setupBackend, tf } from '@odl/backend';
import { loadEmbeddedFashionMnist, selectIndices } from '@odl/datasets';
import { FineTuneSession } from '@odl/models';

const [backend, expectedVersion] = process.argv.slice(2);
const check = (ok, message) => {
  if (!ok) {
    console.error(`peer-training: ${message}`);
    process.exit(1);
  }
};

check(tf.version_core === expectedVersion, `tfjs-core ${tf.version_core} is installed, expected ${expectedVersion}`);
const info = await setupBackend({ prefer: [backend] });
check(info.backend === backend, `setupBackend chose ${info.backend}, expected ${backend}`);
const all = await loadEmbeddedFashionMnist('finetune-train');
const train = selectIndices(all, Array.from({ length: 64 }, (_, i) => i * 37));
const session = await FineTuneSession.create({ train, test: train, lastN: 2, epochs: 1, batchSize: 16, seed: 0, evaluateEveryEpoch: false });
const losses = [];
const tensors = [];
while (!session.done) {
  const { progress } = await session.next();
  losses.push(progress.loss);
  tensors.push(tf.memory().numTensors);
}
session.dispose();
check(losses.length === 4, `expected 4 steps, took ${losses.length}`);
check(losses.every(Number.isFinite), `a loss is not finite: ${losses.join(', ')}`);
check(tensors[1] === tensors[3], `tensors leak between steps: ${tensors.join(', ')}`);
console.log(`tfjs-core ${tf.version_core} on ${info.backend}: losses ${losses.map((l) => l.toFixed(3)).join(', ')}; ${tensors[3]} tensors after each step`);
