import { beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupBackend, tf } from '@odl/backend';
import { loadEmbeddedFashionMnist } from '@odl/datasets';
import { CHECKPOINT_VERSION, CheckpointError, evaluate, loadPretrainedMcunet, resolvePretrainedDir } from '@odl/models';

describe('pretrained MCUNet-in1 (Fashion-MNIST 0–4)', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('loads from the package folder and classifies the embedded calibration split (classes 0–4) as its README states', async () => {
    expect(await resolvePretrainedDir()).toMatch(/pretrained[\\/]mcunet-in1-fmnist04[\\/]?$/);
    const { model, input, metadata } = await loadPretrainedMcunet();
    expect(model.config).toMatchObject({ architecture: 'mcunet-in1', inputChannels: 1, numClasses: 5 });
    expect(input).toMatchObject({ height: 64, width: 64, channels: 1 });
    const calibration = await loadEmbeddedFashionMnist('calibration');
    const { top1, count } = await evaluate(model, calibration, input);
    expect(count).toBe(calibration.shape[0]);
    // the calibration split holds training images of classes 0–4; the README's test accuracy is a lower bound for them
    expect(top1).toBeGreaterThanOrEqual((metadata.testTop1 as number) - 0.02);
    model.dispose();
  });

  it('ships in the current checkpoint version, so a damaged copy of its weights is refused', async () => {
    const dir = await resolvePretrainedDir();
    const topology = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).modelTopology;
    expect(topology.version).toBe(CHECKPOINT_VERSION);
    const copy = mkdtempSync(join(tmpdir(), 'odl-pretrained-'));
    try {
      cpSync(dir, copy, { recursive: true });
      const weights = readFileSync(join(copy, 'weights.bin'));
      weights[weights.length >> 1] ^= 0x10; // one bit of one float in the middle of the file
      writeFileSync(join(copy, 'weights.bin'), weights);
      const before = tf.memory().numTensors;
      await expect(loadPretrainedMcunet(copy)).rejects.toBeInstanceOf(CheckpointError);
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
