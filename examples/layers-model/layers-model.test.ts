import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLayersModelExample, type LayersModelExampleResult } from './layers-model';

const here = dirname(fileURLToPath(import.meta.url));

describe('example: a Keras-style LayersModel fine-tuned with ASI under model.fit, deployed with plain tfjs', () => {
  let dir: string;
  let result: LayersModelExampleResult;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'odl-layers-model-'));
    result = await runLayersModelExample({ dir: join(dir, 'model'), log: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps at least 10× less activation memory on the tape than model.fit alone', () => {
    console.log(`tape bytes per step: model.fit alone ${result.plainFitTapeBytes}, ASI bridge ${result.asiTapeBytes}`);
    expect(result.trained).toEqual(['block_4_depthwise', 'block_4_project', 'Conv_1', 'predictions']);
    expect(result.asiTapeBytes).toBeGreaterThan(0);
    expect(result.plainFitTapeBytes / result.asiTapeBytes).toBeGreaterThanOrEqual(10);
  });

  it('learns the new classes', () => {
    expect(result.losses.every(Number.isFinite)).toBe(true);
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]!);
    expect(result.accuracyAfter).toBeGreaterThan(result.accuracyBefore);
  });

  it('a Node process that imports only tfjs loads the saved model with tf.loadLayersModel and predicts the same', async () => {
    const script = join(here, 'plain-load.mjs');
    expect(await readFile(script, 'utf8')).not.toMatch(/@odl\//);
    const inputs = join(dir, 'inputs.bin');
    await writeFile(inputs, new Uint8Array(result.inputs.buffer, result.inputs.byteOffset, result.inputs.byteLength));
    const { stdout } = await promisify(execFile)(process.execPath, [script, join(dir, 'model'), inputs], { cwd: here, maxBuffer: 1 << 24 });
    const plain = JSON.parse(stdout) as { predictions: number[]; layerClasses: string[]; odlGlobals: string[] };
    expect(plain.odlGlobals).toEqual([]);
    expect(plain.layerClasses).toContain('DepthwiseConv2D');
    expect(plain.layerClasses.filter((c) => c === 'Conv2D')).toHaveLength(10);
    expect(plain.predictions).toEqual(Array.from(result.predictions));
  });
});
