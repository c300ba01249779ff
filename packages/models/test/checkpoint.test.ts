import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom, setupBackend, tf } from '@odl/backend';
import { CheckpointError, fileHandler, loadCheckpoint, mcunetIn1, saveCheckpoint, type LoadedCheckpoint } from '@odl/models';
import { checkpointCases, checkpointFixture, compareWithFixture, editModelJson, loadCase, releaseLoaded, type CheckpointFixture } from './fuzz-checkpoint';

type Json = Record<string, any>;  

describe('checkpoint validation', () => {
  let fx: CheckpointFixture;
  const dir = mkdtempSync(join(tmpdir(), 'odl-ckpt-'));
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
    fx = await checkpointFixture();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const edited = (edit: (json: Json) => void, legacy = false) => ({ modelJson: editModelJson(fx.modelJson, fx.weights, edit, legacy), weights: fx.weights });
  const rejects = (c: { modelJson: Uint8Array; weights: Uint8Array }, pattern: RegExp) => {
    const before = tf.memory().numTensors;
    let err: unknown;
    try {
      releaseLoaded(loadCase(c));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/^fuzz(\/model\.json)?: /);
    expect((err as Error).message).toMatch(pattern);
    expect(tf.memory().numTensors).toBe(before);
  };
  const spec = (json: Json, name: string) => json.weightsManifest[0].weights.find((s: Json) => s.name === name);
  const pickSpec = (json: Json, rng: SeededRandom, filter: (s: Json) => boolean): Json => {
    const all = (json.weightsManifest[0].weights as Json[]).filter(filter);
    return all[rng.nextInt(all.length)]!;
  };

  it('round trip: exactly the saved tensors, trainer state and metadata', () => {
    const got = loadCase(fx);
    expect(compareWithFixture(got, fx, true)).toBeNull();
    releaseLoaded(got);
  });

  it('a manifest that lies about dtype or shape is a CheckpointError naming the weight, never loaded', () => {
    for (const legacy of [false, true]) {
      rejects(edited((j) => (spec(j, 'features.1.conv.0.1.running_var').dtype = 'int32'), legacy), /weight 'features\.1\.conv\.0\.1\.running_var' is stored as int32; model weights are float32/);
      rejects(edited((j) => spec(j, 'features.0.0.weight').shape.reverse(), legacy), /weight 'features\.0\.0\.weight'|first convolution/);
      rejects(edited((j) => {
        const s = spec(j, 'features.2.conv.0.0.weight');
        s.shape = [...s.shape.slice(1), s.shape[0]];
      }, legacy), /weight 'features\.2\.conv\.0\.0\.weight' has shape/);
      rejects(edited((j) => (spec(j, 'classifier.bias').shape = [1, 3, 1]), legacy), /weight 'classifier\.bias' has shape \[1, 3, 1\], mcunet-in1 \(from the checkpoint's config\) expects \[3\]/);
    }
  });

  it('null or malformed structures are CheckpointErrors, not TypeErrors', () => {
    rejects(edited((j) => (j.modelTopology = null)), /not an odl checkpoint/);
    rejects(edited((j) => (j.weightsManifest = null)), /weightsManifest is null/);
    rejects(edited((j) => (j.weightsManifest = [null])), /weightsManifest\[0\] is null/);
    rejects(edited((j) => (j.weightsManifest[0].weights[3] = null)), /weights manifest entry 3 is null/);
    rejects(edited((j) => (j.weightsManifest[0].paths = ['../../etc/passwd'])), /relative paths inside the checkpoint folder/);
    rejects(edited((j) => (j.modelTopology.config.numClasses = 1e9)), /config\.numClasses is 1000000000, the weights manifest's classifier/);
    rejects(edited((j) => (j.modelTopology.config = null)), /modelTopology\.config is null/);
    rejects(edited((j) => (j.userDefinedMetadata = 5)), /userDefinedMetadata is 5/);
    rejects({ modelJson: new TextEncoder().encode('null'), weights: fx.weights }, /not a model\.json object/);
  });

  it('a corrupt trainer state is a CheckpointError naming the field, before anything is returned', () => {
    rejects(edited((j) => (j.userDefinedMetadata.odl.trainer.step = -5)), /trainer state: step is -5; it must be a non-negative integer/);
    rejects(edited((j) => (j.userDefinedMetadata.odl.trainer.orderRng.words = 5)), /trainer state: orderRng is .*4 uint32 words/);
    rejects(edited((j) => j.userDefinedMetadata.odl.trainer.augmentRng.words.pop()), /trainer state: augmentRng/);
    rejects(edited((j) => (j.userDefinedMetadata.odl.trainer.history = [{}])), /trainer state: history holds 1 epochs, epoch is 0/);
    const layer = 'features.14.conv.2';
    rejects(edited((j) => (j.userDefinedMetadata.odl.trainer.compressorValues[layer] = null)), /belongs to layer 'features\.14\.conv\.2', which has no compressor state/);
    const toAdam = (j: Json) => {
      const s = j.weightsManifest[0].weights.find((x: Json) => x.name.endsWith('/momentum'));
      s.name = s.name.replace(/momentum$/, 'm');
    };
    rejects(edited(toAdam), /the trainer state lists other tensors than the weights manifest holds \(unlisted '__optimizer\/.*\/m'/);
    rejects(edited(toAdam, true), /Adam stores m and v together/); // version 1 has no list: the pairing check catches it
    rejects(edited((j) => (j.userDefinedMetadata.odl.trainer = null)), /is trainer state, but the checkpoint holds none/);
  });

  it('damaged bytes fail the CRC-32s', () => {
    const w = fx.weights.slice();
    w[1000] ^= 4;
    rejects({ modelJson: fx.modelJson, weights: w }, /weight data fails its CRC-32 check/);
    const text = new TextDecoder().decode(fx.modelJson).replace('"note":"fuzz"', '"note":"fuzy"');
    rejects({ modelJson: new TextEncoder().encode(text), weights: fx.weights }, /fail their CRC-32 check/);
  });

  it('1,000 corrupt checkpoints leak no tensors (nearly all fail after the model is built)', () => {
    // lies that only the model built from the config can expose: the loader has allocated by then
    const deep: ((j: Json, r: SeededRandom) => void)[] = [
      (j, r) => (pickSpec(j, r, (x) => !x.name.startsWith('__')).dtype = 'int32'),
      (j, r) => {
        const x = pickSpec(j, r, (y) => !y.name.startsWith('__') && new Set(y.shape).size > 1);
        x.shape = [...x.shape.slice(1), x.shape[0]];
      },
      (j, r) => (pickSpec(j, r, (x) => !x.name.startsWith('__')).name += '_'),
      (j, r) => (pickSpec(j, r, (x) => x.name.startsWith('__optimizer/')).name = `__optimizer/features.${20 + r.nextInt(9)}.weight/momentum`),
      (j, r) => (pickSpec(j, r, (x) => x.name.startsWith('__compressor/')).name = '__compressor/features.99/U1'),
      (j, r) => (pickSpec(j, r, (x) => x.name.endsWith('/momentum')).name = pickSpec(j, r, (x) => x.name.endsWith('/momentum')).name.replace(/momentum$/, 'v')),
      (j) => (j.userDefinedMetadata.odl.trainer.compressorValues['features.14.conv.2'] = null),
      (j) => (j.userDefinedMetadata.odl.trainer = null),
    ];
    const rng = new SeededRandom('leak');
    const before = tf.memory().numTensors;
    let allocating = 0;
    for (let i = 0; i < 1000; i++) {
      const c = edited((j) => deep[i % deep.length]!(j, rng), true);
      const probe = tf.scalar(0);
      const id0 = probe.id;
      probe.dispose();
      let got: LoadedCheckpoint | undefined;
      try {
        got = loadCase(c);
      } catch (e) {
        expect(e).toBeInstanceOf(CheckpointError);
      }
      expect(got, `case ${i} loaded`).toBeUndefined();
      releaseLoaded(got);
      const after = tf.scalar(0);
      if (after.id - id0 > 1) allocating++;
      after.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(allocating).toBeGreaterThan(990); // a few rotated shapes are caught by the classifier/stem pre-check first
  });

  describe('folders', () => {
    const stepped = async (path: string, step: number) => {
      mkdirSync(path, { recursive: true });
      writeFileSync(join(path, 'model.json'), editModelJson(fx.modelJson, fx.weights, (j) => (j.userDefinedMetadata.odl.trainer.step = step)));
      writeFileSync(join(path, 'weights.bin'), fx.weights);
    };
    const ours = (kind: 'old' | 'tmp', time: string) => `.${kind}-${process.pid}-${time}-1`;

    it('after two crashes, the newest complete leftover by recorded step is restored, not the last by name', async () => {
      const base = join(dir, 'two-crashes');
      await stepped(base + ours('old', 'zzzz'), 3); // sorts last by name, older by step
      await stepped(base + ours('old', 'aaaa'), 7);
      mkdirSync(base + ours('tmp', 'bbbb')); // an incomplete save: no model.json
      const loaded = await loadCheckpoint(base);
      expect(loaded.trainerState!.step).toBe(7);
      releaseLoaded(loaded);
      expect(readdirSync(dir).filter((f) => f.startsWith('two-crashes')).sort()).toEqual(['two-crashes']);
      const again = await loadCheckpoint(base);
      expect(again.trainerState!.step).toBe(7);
      releaseLoaded(again);
    });

    it('a complete .tmp-* newer than the .old-* of the same crash wins; a corrupt leftover is passed over', async () => {
      const base = join(dir, 'mid-swap');
      await stepped(base + ours('old', 'cccc'), 3);
      await stepped(base + ours('tmp', 'cccc'), 9);
      await stepped(base + ours('old', 'dddd'), 12);
      writeFileSync(join(base + ours('old', 'dddd'), 'weights.bin'), fx.weights.subarray(0, 100));
      const loaded = await loadCheckpoint(base);
      expect(loaded.trainerState!.step).toBe(9);
      releaseLoaded(loaded);
      expect(readdirSync(dir).filter((f) => f.startsWith('mid-swap')).sort()).toEqual(['mid-swap']);
    });

    it('a save interrupted between its renames leaves the previous checkpoint loadable', async () => {
      const base = join(dir, 'between');
      const model = mcunetIn1({ inputChannels: 1, numClasses: 3, seed: 1 });
      await saveCheckpoint(model, base, { metadata: { n: 1 } });
      const { encodeCheckpoint } = await import('@odl/models');
      const crashing = fileHandler(base, {
        betweenRenames: () => {
          throw new Error('killed');
        },
      });
      await expect(crashing.save!(await encodeCheckpoint(model, { metadata: { n: 2 } }))).rejects.toThrow(/killed/);
      expect(readdirSync(dir).filter((f) => f.startsWith('between'))).toEqual([expect.stringMatching(/^between\.old-/)]);
      const loaded = await loadCheckpoint(base);
      expect(loaded.metadata).toEqual({ n: 1 });
      releaseLoaded(loaded);
      expect(readdirSync(dir).filter((f) => f.startsWith('between'))).toEqual(['between']);
      model.dispose();
    });

    it('stale leftovers are removed by the next save and load; a live process\'s are kept', async () => {
      const base = join(dir, 'leftovers');
      const model = mcunetIn1({ inputChannels: 1, numClasses: 3, seed: 1 });
      await saveCheckpoint(model, base);
      const live = `${base}.tmp-${process.ppid}-x-1`; // the parent process runs
      for (const p of [base + ours('tmp', 'eeee'), base + ours('old', 'ffff'), live]) mkdirSync(p);
      await saveCheckpoint(model, base);
      expect(readdirSync(dir).filter((f) => f.startsWith('leftovers')).sort()).toEqual(['leftovers', `leftovers.tmp-${process.ppid}-x-1`]);
      mkdirSync(base + ours('tmp', 'gggg'));
      releaseLoaded(await loadCheckpoint(base));
      expect(readdirSync(dir).filter((f) => f.startsWith('leftovers')).sort()).toEqual(['leftovers', `leftovers.tmp-${process.ppid}-x-1`]);
      model.dispose();
    });

    it('corrupt folders through loadCheckpoint: a CheckpointError naming the folder, or exactly what was saved', async () => {
      const base = join(dir, 'fuzzed');
      const before = tf.memory().numTensors;
      let typed = 0;
      for (const c of checkpointCases(fx, 60, 'folders')) {
        rmSync(base, { recursive: true, force: true });
        mkdirSync(base);
        writeFileSync(join(base, 'model.json'), c.modelJson);
        writeFileSync(join(base, 'weights.bin'), c.weights);
        let got: LoadedCheckpoint | undefined;
        try {
          got = await loadCheckpoint(base);
          expect(compareWithFixture(got, fx, !c.restamped), c.description).toBeNull();
        } catch (e) {
          expect(e, c.description).toBeInstanceOf(CheckpointError);
          expect((e as CheckpointError).message, c.description).toContain(base);
          typed++;
        }
        releaseLoaded(got);
      }
      expect(typed).toBeGreaterThan(40);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('a corrupt folder names the file in the error', async () => {
      const base = join(dir, 'corrupt');
      await stepped(base, 1);
      writeFileSync(join(base, 'model.json'), '{"weightsManifest": null}');
      await expect(loadCheckpoint(base)).rejects.toThrow(new RegExp(`${base.replace(/[/\\.]/g, '\\$&')}/model\\.json: weightsManifest is null`));
      await expect(loadCheckpoint(base)).rejects.toBeInstanceOf(CheckpointError);
    });
  });
});
