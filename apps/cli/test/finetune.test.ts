import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCliBuilt, runOdl } from './cli-helpers';

// A CIFAR-10 binary batch written by the test: each record is 1 label byte then 3072 bytes
// (1024 red, 1024 green, 1024 blue, row-major 32×32). Classes differ in colour and brightness so
// that a few steps can learn something, but the test checks the plumbing, not accuracy.
function cifarBytes(count: number, classes: number, seed: number): Uint8Array {
  const out = new Uint8Array(count * 3073);
  let s = seed >>> 0;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  for (let i = 0; i < count; i++) {
    const label = i % classes;
    const o = i * 3073;
    out[o] = label;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) {
        const base = c === label % 3 ? 200 : 40;
        out[o + 1 + c * 1024 + p] = Math.min(255, Math.max(0, Math.round(base + 30 * (rand() - 0.5) + (p % 32) * (label / classes))));
      }
    }
  }
  return out;
}

describe('odl finetune --json on a CIFAR-10 file', () => {
  let dir: string;
  beforeAll(() => {
    ensureCliBuilt();
    dir = mkdtempSync(join(tmpdir(), 'odl-cli-'));
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarBytes(48, 4, 1));
    writeFileSync(join(dir, 'test_batch.bin'), cifarBytes(16, 4, 2));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fine-tunes the last 4 layers of MCUNet-in1 with ASI and prints one JSON result', () => {
    const r = runOdl([
      'finetune', '--model', 'mcunet-in1', '--data', join(dir, 'data_batch_1.bin'), '--test-data', join(dir, 'test_batch.bin'),
      '--format', 'cifar10', '--method', 'asi', '--ranks', '4,2,2,8', '--layers', '4', '--epochs', '1', '--batch', '8',
      '--backend', 'wasm', '--json', '--out', join(dir, 'out'),
    ]);
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.method).toBe('asi');
    expect(result.lastN).toBe(4);
    // the last 4 convolutions through ASI, the classifier exactly
    expect(result.layers.map((l: { role: string }) => l.role)).toEqual(['compressed', 'compressed', 'compressed', 'compressed', 'exact']);
    for (const layer of result.layers) expect(layer.method).toBe(layer.role === 'compressed' ? 'asi' : 'vanilla');
    expect(result.steps).toBe(6); // 48 images / batch 8, one epoch
    expect(result.top1).toBeGreaterThanOrEqual(0);
    expect(result.top1).toBeLessThanOrEqual(1);
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.activationBytes.analytic).toBeGreaterThan(0);
    expect(result.activationBytes.measured).toBeGreaterThan(0);
    expect(result.trainingFlops).toBeGreaterThan(0);
    expect(result.msPerStep).toBeGreaterThan(0);
  });

  it('keeps less activation memory with ASI than vanilla on the same layers', () => {
    const common = ['finetune', '--model', 'mcunet-in1', '--data', join(dir, 'data_batch_1.bin'), '--format', 'cifar10', '--layers', '4', '--epochs', '1', '--batch', '8', '--json'];
    const vanilla = JSON.parse(runOdl([...common, '--method', 'vanilla']).stdout);
    const asi = JSON.parse(runOdl([...common, '--method', 'asi', '--ranks', '2,1,1,4']).stdout);
    expect(asi.activationBytes.analytic).toBeLessThan(vanilla.activationBytes.analytic);
    const int8 = JSON.parse(runOdl([...common, '--method', 'asi', '--ranks', '2,1,1,4', '--storage', 'int8', '--label', 'asi-int8']).stdout);
    expect(int8.label).toBe('asi-int8');
    expect(int8.layers.filter((l: { role: string }) => l.role === 'compressed').every((l: { options: { storage?: string } }) => l.options.storage === 'int8')).toBe(true);
    expect(int8.activationBytes.analytic).toBeLessThan(asi.activationBytes.analytic / 2);
  });

  it('rejects bad arguments with a clear message and exit code 2', () => {
    const unknown = runOdl(['finetune', '--method', 'asi', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/frobnicate/);
    const badNumber = runOdl(['finetune', '--epochs', 'many']);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toMatch(/--epochs must be a whole number/);
    const noFormat = runOdl(['finetune', '--data', join(dir, 'data_batch_1.bin')]);
    expect(noFormat.code).toBe(2);
    expect(noFormat.stderr).toMatch(/--format is needed/);
    // method flags come from the options each method declares
    const storage = runOdl(['finetune', '--method', 'vanilla', '--storage', 'int8']);
    expect(storage.code).toBe(2);
    expect(storage.stderr).toMatch(/--storage is not an option of 'vanilla' \(it is one of asi, wasi\)/);
    const storageValue = runOdl(['finetune', '--storage', 'int4']);
    expect(storageValue.code).toBe(2);
    expect(storageValue.stderr).toMatch(/--storage: storage must be one of 'float32', 'int8', got "int4"/);
    const method = runOdl(['finetune', '--method', 'asj']);
    expect(method.code).toBe(2);
    expect(method.stderr).toMatch(/no method named 'asj' is registered \(did you mean 'asi'\?\)/);
    const command = runOdl(['frobnicate']);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('reports a corrupt data file as a data error, exit code 1', () => {
    const bad = join(dir, 'truncated.bin');
    writeFileSync(bad, cifarBytes(3, 4, 3).subarray(0, 5000));
    const r = runOdl(['finetune', '--model', 'mcunet-in1', '--data', bad, '--format', 'cifar10', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/truncated\.bin/);
  });
});
