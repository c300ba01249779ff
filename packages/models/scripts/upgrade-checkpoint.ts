// Rewrites an odl checkpoint folder in the current checkpoint version (e.g. version 1, without
// checksums, to the version that records them), keeping its weights, trainer state and metadata
// exactly, and checks that the rewritten folder loads to the same tensors. Other files in the
// folder (a README) are left alone. Run:
//   node packages/models/scripts/run-ts.mjs packages/models/scripts/upgrade-checkpoint.ts <folder>
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setupBackend, tf } from '@odl/backend';
import { loadCheckpoint, saveCheckpoint, CHECKPOINT_VERSION } from '@odl/models';

await setupBackend({ prefer: ['cpu'] });
const folder = resolve(process.argv[3] ?? '');
if (process.argv[3] == null) throw new Error('usage: upgrade-checkpoint.ts <checkpoint folder>');

const before = await loadCheckpoint(folder);
const scratch = mkdtempSync(join(tmpdir(), 'odl-upgrade-'));
const out = join(scratch, 'checkpoint');
await saveCheckpoint(before.model, out, { trainerState: before.trainerState, metadata: before.metadata });
const after = await loadCheckpoint(out);
const a = new Map(before.model.namedWeights());
for (const [name, w] of after.model.namedWeights()) {
  const same = tf.tidy(() => tf.all(tf.equal(w, a.get(name)!)).dataSync()[0] === 1);
  if (!same) throw new Error(`upgrade-checkpoint: ${name} changed on the round trip`);
}
if (JSON.stringify(after.metadata) !== JSON.stringify(before.metadata)) throw new Error('upgrade-checkpoint: metadata changed on the round trip');
for (const file of ['model.json', 'weights.bin']) copyFileSync(join(out, file), join(folder, file));
rmSync(scratch, { recursive: true, force: true });
console.log(`${folder}: rewritten as checkpoint version ${CHECKPOINT_VERSION}; ${a.size} weights unchanged`);
