// --weights (PyTorch state dicts for a zoo architecture) and --export (safetensors with PyTorch
// names), in process, on the fixtures of @odl/models written by torch 1.13
// (packages/models/scripts/make-torch-fixtures.py).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { mcunetIn1, parsePth, parseSafetensors, saveTorchWeights, type ZooModel } from '@odl/models';
import { maxRelError, mixedSizeFolderPath } from '@odl/test-utils';
import { loadZooWeights } from '../src/model-arg';
import { runOdlInProcess as odl } from './cli-helpers';
import { writeClassFolders } from './image-folder';

const FIXTURES = join(__dirname, '..', '..', '..', 'packages', 'models', 'test', 'fixtures', 'torch');
const PTH = join(FIXTURES, 'mobilenet_v2_w025.pth');
const SAFETENSORS = join(FIXTURES, 'mobilenet_v2_w025.safetensors');
const VIT = join(FIXTURES, 'vit_small.pth'); // torchvision VisionTransformer: image 32, patch 8, width 32, 2 heads

let dir: string;
const at = (...p: string[]) => join(dir, ...p);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'odl-cli-weights-'));
  writeClassFolders(at('two'), ['cat', 'dog']);
  const bytes = readFileSync(PTH);
  writeFileSync(at('truncated.pth'), bytes.subarray(0, bytes.length - 100));
  copyFileSync(SAFETENSORS, at('weights.bin')); // the name does not matter: the magic bytes do
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at /);

/**
 * max |odl − torch| / max |torch| of a model's logits on a fixture input (NCHW in the file) against
 * PyTorch's (`maxRelError` of @odl/test-utils, the measure of @odl/models' weights tests).
 */
function logitsRelativeError(model: ZooModel, inputFile: string, logitsFile: string): number {
  const raw = parseSafetensors(readFileSync(join(FIXTURES, inputFile))).tensors.get('input')!;
  const reference = JSON.parse(readFileSync(join(FIXTURES, logitsFile), 'utf8')) as { logits: number[] };
  const got = tf.tidy(() => model.forward(tf.transpose(tf.tensor4d(raw.data, raw.shape as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D).dataSync());
  return maxRelError(got, reference.logits);
}

describe('--weights and --export: bad arguments are usage errors (exit 2) before any work', () => {
  const cases: [string[], RegExp][] = [
    [['finetune', '--weights', PTH], /--weights applies to a zoo architecture \(--model mcunet-in1\|mobilenetv2\|resnet18\|resnet34\|vit\|/],
    [['finetune', '--model', 'mobilenetv2', '--weights', 'nope.pth'], /--weights nope\.pth: no such file; pass a PyTorch state dict/],
    [['finetune', '--model', 'mobilenetv2', '--weights', FIXTURES], /is a folder; pass the \.pth or \.safetensors file/],
    [['finetune', '--model', 'mobilenetv2', '--weights', PTH, '--channels', '3'], /--channels does not go with --weights/],
    [['finetune', '--model', 'mobilenetv2', '--weights', PTH, '--export', 'out.pth'], /--export out\.pth: the file must end in \.safetensors/],
    [['finetune', '--model', 'mobilenetv2', '--weights', PTH, '--export', '/no/such/dir/x.safetensors'], /the folder \/no\/such\/dir does not exist/],
    [['profile', '--model', 'mobilenetv2', '--weights', PTH, '--classes', '10'], /--classes and --channels come from the --weights file/],
    [['ranks', '--model', 'mobilenetv2'], /ranks are planned for a trained model; pass --weights/],
    [['finetune', '--bn-eps', '1e-3'], /--bn-eps goes with --weights/],
    [['finetune', '--model', 'mcunet-in1', '--bn-eps', '1e-3'], /--bn-eps goes with --weights/],
    [['finetune', '--model', 'mobilenetv2', '--weights', PTH, '--bn-eps', '0'], /--bn-eps must be a number > 0 \(1e-3 for MCUNet zoo weights, 1e-5 for torchvision's\), got '0'/],
    [['ranks', '--model', 'mobilenetv2', '--weights', PTH, '--bn-eps', 'small'], /--bn-eps must be a number > 0.*got 'small'/],
    [['profile', '--model', 'mobilenetv2', '--weights', PTH, '--bn-eps', '1e-3'], /unknown option '--bn-eps'/], // costs do not depend on ε
    [['finetune', '--model', 'vit', '--weights', VIT], /--model vit --weights needs --heads <n>: a state dict does not store the number of attention heads/],
    [['ranks', '--model', 'vit', '--weights', VIT], /--model vit --weights needs --heads <n>/],
    [['finetune', '--model', 'mobilenetv2', '--weights', PTH, '--heads', '2'], /--heads goes with --model vit --weights/],
    [['finetune', '--model', 'vit', '--heads', '2'], /--heads goes with --model vit --weights/],
    [['finetune', '--heads', '2'], /--heads goes with --model vit --weights/],
    [['finetune', '--model', 'vit', '--weights', VIT, '--heads', '0'], /--heads must be a positive integer, got '0'/],
    [['ranks', '--model', 'vit', '--weights', VIT, '--heads', 'two'], /--heads must be a positive integer, got 'two'/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await odl(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      noStack(r.stderr);
    });
  }

  it('a damaged weights file is a data error (exit 1) naming the file', async () => {
    const r = await odl(['finetune', '--model', 'mobilenetv2', '--weights', at('truncated.pth'), '--data', at('two'), '--format', 'folder', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${at('truncated.pth')}: `);
    expect(r.stderr).toMatch(/truncated or corrupt/);
    noStack(r.stderr);
  });

  it('weights of another architecture name the missing tensor and the fix (exit 1)', async () => {
    const r = await odl(['finetune', '--model', 'resnet18', '--weights', PTH, '--data', at('two'), '--format', 'folder', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/no classifier weight of resnet18 \(fc\.weight, rank 2\).*Check --model/);
  });
});

describe('odl finetune --model mobilenetv2 --weights <torch file> --export <file>', () => {
  it('fine-tunes the imported model with ASI and exports PyTorch names; layers it did not train are exported unchanged', { timeout: 180_000 }, async () => {
    const exported = at('finetuned.safetensors');
    const r = await odl([
      'finetune', '--model', 'mobilenetv2', '--weights', PTH, '--data', at('two'), '--format', 'folder', '--resolution', '32',
      '--method', 'asi', '--layers', '2', '--epochs', '1', '--batch', '4', '--backend', 'cpu', '--export', exported,
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/model: mobilenetv2 from .*mobilenet_v2_w025\.pth \(pth, torchvision names, width 0\.25, 5 classes, BatchNorm ε 0\.00001 \(the torchvision names' default\)\), input 32×32×3/);
    expect(r.stderr).toMatch(/asi: top-1 [\d.]+%.*\nweights exported to .*finetuned\.safetensors/s);
    const original = parsePth(readFileSync(PTH)).tensors;
    const after = parseSafetensors(readFileSync(exported)).tensors;
    expect([...after.keys()]).toEqual([...original.keys()]);
    expect(after.get('classifier.1.weight')!.shape).toEqual([2, 1280]); // a fresh head for the data's 2 classes
    expect(after.get('features.0.0.weight')!.data).toEqual(original.get('features.0.0.weight')!.data); // frozen
    expect(after.get('features.17.conv.2.weight')!.data).not.toEqual(original.get('features.17.conv.2.weight')!.data); // trained
  });

  it('ranks plans ASI for the imported model on calibration images', { timeout: 120_000 }, async () => {
    const r = await odl(['ranks', '--model', 'mobilenetv2', '--weights', PTH, '--data', at('two'), '--format', 'folder', '--layers', '2', '--batch', '4', '--budget-mib', '1', '--backend', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(Object.keys(plan.layerOptions)).toEqual(['features.17.conv.2', 'features.18.0']);
  });

  it('profile reads classes and width from a safetensors file (any name)', async () => {
    const r = await odl(['profile', '--model', 'mobilenetv2', '--weights', at('weights.bin'), '--resolution', '64', '--batch', '2', '--method', 'vanilla', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.layers).toEqual(['features.17.conv.0.0', 'features.17.conv.1.0', 'features.17.conv.2', 'features.18.0']);
    const full = JSON.parse((await odl(['profile', '--model', 'mobilenetv2', '--resolution', '64', '--batch', '2', '--method', 'vanilla', '--json'])).stdout);
    expect(JSON.stringify(report.tables ?? report)).not.toEqual(JSON.stringify(full.tables ?? full)); // width 0.25, not 1
  });
});

describe('--bn-eps: the BatchNorm ε of imported weights (a state dict does not store it)', () => {
  let file: string;
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
    const model = mcunetIn1({ numClasses: 3, seed: 5 });
    file = at('mcunet-in1.safetensors');
    await saveTorchWeights(model, file); // the MCUNet zoo's names
    model.dispose();
  });

  it("MCUNet zoo names get the MCUNet zoo's 1e-3, --bn-eps another, and the model line names it", async () => {
    const defaults = await loadZooWeights({ kind: 'zoo', architecture: 'mcunet-in1', resolution: 32, weights: file });
    expect(defaults.source).toMatch(/\(safetensors, mcunet names, 3 classes, BatchNorm ε 0\.001 \(the mcunet names' default\)\)$/);
    expect(new Set(defaults.model.convLayers().map((l) => l.bn!.epsilon))).toEqual(new Set([1e-3]));
    defaults.model.dispose();
    const given = await loadZooWeights({ kind: 'zoo', architecture: 'mcunet-in1', resolution: 32, weights: file, batchNormEpsilon: 2e-4 });
    expect(given.source).toMatch(/BatchNorm ε 0\.0002 \(--bn-eps\)\)$/);
    expect(given.model.config.batchNormEpsilon).toBe(2e-4);
    given.model.dispose();
  });

  it('odl ranks --weights <MCUNet file> --bn-eps prints the ε in its model line', { timeout: 120_000 }, async () => {
    const r = await odl(['ranks', '--model', 'mcunet-in1', '--weights', file, '--bn-eps', '2e-4', '--data', at('two'), '--format', 'folder', '--resolution', '32', '--layers', '1', '--batch', '4', '--budget-mib', '1', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/model: mcunet-in1 from .*mcunet-in1\.safetensors \(safetensors, mcunet names, 3 classes, BatchNorm ε 0\.0002 \(--bn-eps\)\), input 32×32×3/);
  });
});

describe('--heads: the attention heads of an imported ViT (a state dict does not store them)', () => {
  it("the ViT the command builds with --heads 2 gives PyTorch's logits on the fixture input (1e-4 relative); --heads 4 does not", { timeout: 60_000 }, async () => {
    await setupBackend({ prefer: ['wasm'] });
    const relativeError = async (numHeads: number) => {
      const { model, input, source } = await loadZooWeights({ kind: 'zoo', architecture: 'vit', resolution: 32, weights: VIT, numHeads });
      try {
        expect(input).toMatchObject({ height: 32, width: 32, channels: 3 });
        expect(source).toContain(`${numHeads} heads`);
        return logitsRelativeError(model, 'vit_input.safetensors', 'vit_small.logits.json');
      } finally {
        model.dispose();
      }
    };
    expect(await relativeError(2)).toBeLessThan(1e-4);
    // the same weights split into 4 heads compute another attention: the flag reaches the model
    expect(await relativeError(4)).toBeGreaterThan(1e-3);
  });

  it('odl finetune --model vit --weights <file> --heads 2 fine-tunes the imported ViT', { timeout: 180_000 }, async () => {
    const r = await odl(['finetune', '--model', 'vit', '--weights', VIT, '--heads', '2', '--data', at('two'), '--format', 'folder', '--resolution', '32', '--method', 'asi', '--layers', '2', '--epochs', '1', '--batch', '4', '--backend', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { steps: number; layers: { name: string; method: string }[] };
    expect(out.steps).toBeGreaterThan(0);
    expect(out.layers.filter((l) => l.method === 'asi').map((l) => l.name)).toEqual(['encoder.layers.encoder_layer_1.mlp.0', 'encoder.layers.encoder_layer_1.mlp.3']);
  });

  it('a head count that does not divide the width is an error naming both', async () => {
    const r = await odl(['finetune', '--model', 'vit', '--weights', VIT, '--heads', '3', '--data', at('two'), '--format', 'folder', '--resolution', '32', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/hiddenDim 32 must be a multiple of vit\.numHeads 3/);
    noStack(r.stderr);
  });
});

describe('odl finetune --model mobilenetv2 --weights fixture.pth --data <mixed-size photos> --size 224 --method asi', () => {
  it("the model the command builds from --weights gives PyTorch's logits on the fixture input (1e-4 relative)", { timeout: 60_000 }, async () => {
    await setupBackend({ prefer: ['wasm'] });
    const { model, input } = await loadZooWeights({ kind: 'zoo', architecture: 'mobilenetv2', resolution: 224, weights: PTH });
    try {
      expect(input).toMatchObject({ height: 224, width: 224, channels: 3 });
      expect(logitsRelativeError(model, 'input.safetensors', 'mobilenet_v2_w025.logits.json')).toBeLessThan(1e-4);
    } finally {
      model.dispose();
    }
  });

  it('runs on the committed folder of mixed-size PNG and JPEG photos at 224×224', { timeout: 300_000 }, async () => {
    const r = await odl(['finetune', '--model', 'mobilenetv2', '--weights', PTH, '--data', mixedSizeFolderPath(), '--format', 'folder', '--size', '224', '--method', 'asi', '--epochs', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/shorter side resized to 256 px .*centre-cropped to 224×224/);
    const out = JSON.parse(r.stdout) as { label: string; top1: number; steps: number; layers: { name: string; method: string }[] };
    expect(out.label).toBe('asi');
    expect(out.steps).toBeGreaterThan(0);
    expect(out.top1).toBeGreaterThanOrEqual(0);
    expect(out.layers.map((l) => l.name)).toEqual(['features.17.conv.0.0', 'features.17.conv.1.0', 'features.17.conv.2', 'features.18.0', 'classifier.1']);
  });
});
