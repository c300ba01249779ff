import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '@odl/backend';
import { loadEmbeddedFashionMnist } from '@odl/datasets';
import { evaluate, loadPretrainedMcunet, resolvePretrainedDir } from '@odl/models';

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
});
