// `--format folder --size`: a folder of photos of mixed sizes (the committed fixture of
// @odl/test-utils) is resized and centre-cropped, trains, and calibrates ASI's ranks on the user's
// own training images. In process.
import { describe, expect, it } from 'vitest';
import { mixedSizeFolderPath } from '@odl/test-utils';
import { runOdlInProcess as odl } from './cli-helpers';

const folder = mixedSizeFolderPath();
const run = ['--data', folder, '--format', 'folder', '--backend', 'cpu', '--json'];

describe('odl finetune --format folder --size on photos of mixed sizes', () => {
  it('fine-tunes the shipped model with ASI on 64×64 crops', { timeout: 120_000 }, async () => {
    const r = await odl(['finetune', ...run, '--size', '64', '--method', 'asi', '--epochs', '1', '--batch', '4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/data: each image's shorter side resized to 73 px \(antialiased bilinear, as torchvision\/PIL\), then centre-cropped to 64×64\n/);
    const result = JSON.parse(r.stdout);
    expect(result.method).toBe('asi');
    expect(result.steps).toBe(8); // 32 training images (80 % of 40, stratified) in batches of 4
    expect(Number.isFinite(result.loss)).toBe(true);
  });

  it('without --size crops to the model input; a zoo architecture takes --size as its resolution; another --size is said', { timeout: 180_000 }, async () => {
    const shipped = await odl(['finetune', ...run, '--method', 'vanilla', '--layers', '1', '--epochs', '1', '--batch', '4']);
    expect(shipped.code, shipped.stderr).toBe(0);
    expect(shipped.stderr).toMatch(/centre-cropped to 64×64 \(the model's input; set --size to change\)/);
    const zoo = await odl(['finetune', ...run.filter((a) => a !== '--json'), '--model', 'mobilenetv2', '--size', '32', '--method', 'vanilla', '--layers', '1', '--epochs', '1', '--batch', '4']);
    expect(zoo.code, zoo.stderr).toBe(0);
    expect(zoo.stderr).toMatch(/model: mobilenetv2 from scratch, input 32×32×3/);
    expect(zoo.stderr).toMatch(/centre-cropped to 32×32\n/);
    const other = await odl(['ranks', ...run, '--size', '48', '--budget-mib', '0.05', '--layers', '2', '--batch', '8']);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/centre-cropped to 48×48; the model's input is 64 px, so each crop is fitted to it once more/);
  });

  it("calibrates on the user's training images: finetune's plan is odl ranks' plan on the same folder, not the embedded data's", { timeout: 120_000 }, async () => {
    const plan = ['--size', '64', '--budget-mib', '0.05', '--layers', '2', '--batch', '8'];
    const ranks = await odl(['ranks', ...run, ...plan]);
    expect(ranks.code, ranks.stderr).toBe(0);
    expect(ranks.stderr).toMatch(/centre-cropped to 64×64/);
    const finetune = await odl(['finetune', ...run, ...plan, '--method', 'asi', '--epochs', '1']);
    expect(finetune.code, finetune.stderr).toBe(0);
    const embedded = await odl(['ranks', '--backend', 'cpu', '--json', '--budget-mib', '0.05', '--layers', '2', '--batch', '8']);
    expect(embedded.code, embedded.stderr).toBe(0);
    const user = JSON.parse(ranks.stdout);
    expect(JSON.parse(finetune.stdout).plan.details).toEqual(user.details);
    expect(JSON.parse(embedded.stdout).details).not.toEqual(user.details);
  });

  it('refuses a --size that is not a whole number in range, or for data of a fixed size (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['finetune', '--data', folder, '--format', 'folder', '--size', '0'], /--size must be a whole number in \[8, 1024\], got '0'/],
      [['finetune', '--data', folder, '--format', 'folder', '--size', '64.5'], /--size must be a whole number in \[8, 1024\], got '64.5'/],
      [['ranks', '--data', folder, '--format', 'folder', '--size', 'big'], /--size must be a whole number in \[8, 1024\], got 'big'/],
      [['finetune', '--size', '64'], /--size applies to --data <folder> --format folder .*the embedded images have a fixed size/],
      [['finetune', '--data', 'x.bin', '--format', 'cifar10', '--size', '64'], /--size applies to --format folder .*--format cifar10 images have a fixed size/],
    ];
    for (const [args, message] of cases) {
      const r = await odl(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
