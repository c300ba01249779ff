// The guide's code is the guide's plugin: the ```ts guide blocks of docs/guides/writing-a-compressor.md,
// in order, form one module. This test extracts it, type-checks it against the packages' sources,
// imports it, runs its conformance check and trains a small model with it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { setupBackend, tf } from '@odl/backend';
import { registerMethod, unregisterMethod, type MethodPlugin } from '@odl/core';
import type { ConformanceReport } from '@odl/core/testing';
import { finetune, mcunetIn1 } from '@odl/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandImages as bands } from '@odl/test-utils';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const guide = readFileSync(join(root, 'docs/guides/writing-a-compressor.md'), 'utf8');

/** The guide's ```ts guide blocks, in order. */
function guideSource(): string {
  return [...guide.matchAll(/^```ts guide\n([\s\S]*?)^```$/gm)].map((m) => m[1]).join('\n');
}

describe("the guide's plugin (docs/guides/writing-a-compressor.md)", () => {
  const dir = mkdtempSync(join(tmpdir(), 'odl-guide-'));
  const file = join(dir, 'guide-plugin.ts');
  let mod: { subsamplePlugin: MethodPlugin; checkSubsample: () => ConformanceReport };
  beforeAll(async () => {
    writeFileSync(file, guideSource());
    await setupBackend({ prefer: ['wasm'] });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('has code blocks to extract', () => {
    expect(guideSource().split('\n').length).toBeGreaterThan(80);
  });

  it('type-checks as one module against the packages (no undefined helper, no stale name)', { timeout: 120_000 }, () => {
    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!;
    const program = ts.createProgram([file], { ...config.options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file || d.file == null);
    const text = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(text).toEqual([]);
  });

  it('runs: its conformance check passes, and it trains a small model', async () => {
    mod = await import(pathToFileURL(file).href);
    const report = mod.checkSubsample();
    expect(report.cases.map((c) => c.gradientError).every((e) => e < 1e-4)).toBe(true);
    registerMethod(mod.subsamplePlugin);
    try {
      const before = tf.memory().numTensors;
      const model = mcunetIn1({ inputChannels: 1, numClasses: 4, seed: 2 });
      const r = await finetune({
        model, input: { height: 32, width: 32, channels: 1, mean: 0.3, std: 0.3 }, train: bands(64, 28, 4, 1), test: bands(32, 28, 4, 2),
        method: 'subsample', methodOptions: { rows: 8 }, lastN: 2, epochs: 4, batchSize: 16, learningRate: 0.1, seed: 3,
      });
      model.dispose();
      expect(tf.memory().numTensors).toBe(before);
      expect(r.layers.filter((l) => l.role === 'compressed').every((l) => l.method === 'subsample')).toBe(true);
      expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0]!.loss);
    } finally {
      unregisterMethod('subsample');
    }
  });
});
