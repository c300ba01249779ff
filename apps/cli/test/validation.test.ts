// Issue #18's CLI cases: every argument and the output folder are checked before any work, with
// the right exit code, a message that names the problem, and no stack trace. In process.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOdlInProcess as odl } from './cli-helpers';
import { writeClassFolders } from './image-folder';

let dir: string;
const at = (...p: string[]) => join(dir, ...p);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'odl-cli-validation-'));
  writeClassFolders(at('two'), ['cat', 'dog']);
  writeClassFolders(at('one'), ['cat']);
  writeFileSync(at('notes.txt'), 'my notes\n');
  mkdirSync(at('foreign'));
  writeFileSync(at('foreign', 'result.json'), '{"mine": true}\n');
  mkdirSync(at('foreign-model', 'model'), { recursive: true });
  writeFileSync(at('foreign-model', 'model', 'model.json'), '{"format": "layers-model"}\n');
  mkdirSync(at('empty-idx'));
  // an idx pair of 20 4×4 images, labels 0/1 but one stray 255
  mkdirSync(at('stray-idx'));
  const labels = Array.from({ length: 20 }, (_, i) => (i === 7 ? 255 : i % 2));
  writeFileSync(at('stray-idx', 'train-labels-idx1-ubyte'), idx([20], labels));
  writeFileSync(at('stray-idx', 'train-images-idx3-ubyte'), idx([20, 4, 4], new Array<number>(320).fill(9)));
  writeFileSync(at('short.bin'), new Uint8Array(5000));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX file of uint8 values (magic 00 00 08 <ndims>, big-endian dimensions, data). */
function idx(dims: number[], values: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 + dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(values, 4 + 4 * dims.length);
  return out;
}

const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |Error:/);

describe('bad arguments: exit 2 before any work, a message naming the problem, no stack trace', () => {
  // [arguments, what the message must say]
  const cases: [string[], RegExp][] = [
    [['finetune', '--epochs', 'many'], /--epochs must be a whole number in \[1, 10000\], got 'many'/],
    [['finetune', '--epochs', '1.5'], /--epochs must be a whole number/],
    [['finetune', '--epochs', ''], /--epochs must be a whole number/],
    [['finetune', '--lr=-1'], /--lr must be a number in \[0, 100\], got '-1'/],
    [['finetune', '--lr', '-1'], /--lr is followed by an option, not a value/],
    [['finetune', '--batch', '0'], /--batch must be a whole number in \[1, /],
    [['finetune', '--seed=-3'], /--seed must be a whole number/],
    [['finetune', '--momentum', '2'], /--momentum must be a number in \[0, 1\]/],
    [['finetune', '--optimizer', 'adamw'], /--optimizer must be one of sgd, adam, got 'adamw' \(did you mean 'adam'\?\)/],
    [['finetune', '--protocol', 'papers'], /--protocol must be one of odl, paper/],
    [['finetune', '--batch-norm', 'freeze'], /--batch-norm must be one of trained, frozen-statistics, frozen/],
    [['finetune', '--label', ''], /--label must not be empty/],
    [['finetune', '--epochs'], /--epochs needs a value/],
    [['finetune', 'extra'], /unexpected argument 'extra'/],
    [['finetune', '--json=yes'], /--json is a switch and takes no value/],
    [['finetune', '--data', 'x.bin'], /--format is needed with --data 'x.bin'/],
    [['finetune', '--data', 'two', '--format', 'folders'], /--format must be one of idx, cifar10, cifar100, folder, got 'folders' \(did you mean 'folder'\?\)/],
    [['finetune', '--data', 'no-such-folder', '--format', 'folder'], /--data no-such-folder: no such folder/],
    [['finetune', '--data', 'no-such.bin', '--format', 'cifar10'], /--data no-such.bin: no such file/],
    [['finetune', '--format', 'idx'], /--format applies to a --data path/],
    [['finetune', '--test-data', 'x'], /--test-data goes with a --data path/],
    [['finetune', '--model', 'no-such-dir'], /--model no-such-dir: neither a checkpoint folder, a shipped model \(mcunet-in1-fmnist04, vit-fmnist04\) nor an architecture \(mcunet-in1, /],
    [['finetune', '--model', 'resnet18'], /a zoo architecture is trained on --data/],
    [['finetune', '--resolution', '64'], /--resolution applies to a zoo architecture/],
    [['finetune', '--storage', 'int4'], /--storage: storage must be one of 'float32', 'int8', got "int4"/],
    [['finetune', '--method', 'vanilla', '--ranks', '1,2'], /--ranks is not an option of 'vanilla'/],
    [['finetune', '--classes', '10'], /--classes applies to --format idx/],
    [['finetune', '--out', '/proc/odl-out'], /--out \/proc\/odl-out: cannot create \/proc\/odl-out/],
    [['ranks', '--method', 'vanilla'], /method 'vanilla' has no planner/],
    [['ranks', '--model', 'resnet18', '--budget-mib', '1'], /ranks are planned for a trained model/],
    [['ranks', '--budget-mib', '0'], /--budget-mib must be a number in/],
    [['profile', '--mode', 'papr'], /--mode must be one of exact, paper, got 'papr' \(did you mean 'paper'\?\)/],
    [['profile', '--channels', '3.5'], /--channels must be a whole number/],
    [['profile', '--out', '/proc/odl-out'], /cannot create \/proc\/odl-out/],
    [['demo', '--epochs', '0'], /--epochs must be a whole number in \[1, 10000\]/],
    [['demo', '--out', '/proc/odl-out'], /cannot create \/proc\/odl-out/],
    [['experiment', '--layers', '2,x'], /--layers must be a whole number/],
    [['experiment', '--from', 'no-such.json'], /--from .*no-such.json: not a readable JSON file/],
    [['bench', '--out', '/proc/odl-out'], /cannot create \/proc\/odl-out/],
  ];

  it.each(cases)('odl %j', async (args, message) => {
    const r = await odl(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Run 'odl \w+ --help' for the options\.\n$/);
    noStack(r.stderr);
  });
});

describe('the output folder', () => {
  it('a file given as --out, a path under a file, and a file odl did not write are refused (exit 2), never overwritten', async () => {
    const file = await odl(['finetune', '--out', at('notes.txt')]);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/notes\.txt: is a file, not a folder/);
    const under = await odl(['profile', '--out', at('notes.txt', 'sub')]);
    expect(under.code).toBe(2);
    expect(under.stderr).toMatch(/a part of the path is a file/);
    const foreign = await odl(['finetune', '--out', at('foreign')]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/foreign\/result\.json exists and was not written by odl; refusing to overwrite it/);
    const model = await odl(['finetune', '--out', at('foreign-model')]);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(/foreign-model\/model exists and was not written by odl/);
    expect(readFileSync(at('notes.txt'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(at('foreign', 'result.json'), 'utf8')).toBe('{"mine": true}\n');
    for (const r of [file, under, foreign, model]) noStack(r.stderr);
  });

  it('profile --out writes its files, and a second run replaces what the first wrote', async () => {
    const out = at('profile-out');
    expect((await odl(['profile', '--layers', '2', '--method', 'vanilla', '--out', out])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')).kind).toBe('odl-profile');
    expect(readFileSync(join(out, 'profile.md'), 'utf8')).toMatch(/GFLOPs/);
    expect((await odl(['profile', '--layers', '1', '--method', 'vanilla', '--out', out])).code).toBe(0);
    writeFileSync(join(out, 'profile.json'), '{"kind": "someone-else"}');
    const refused = await odl(['profile', '--layers', '1', '--method', 'vanilla', '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/profile\.json exists and was not written by odl/);
  });
});

describe('bad data: exit 1, a message naming the file and the fix, no stack trace', () => {
  it('a one-class folder', async () => {
    const r = await odl(['finetune', '--data', at('one'), '--format', 'folder', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the training data has 1 class \('cat'\); fine-tuning a classifier needs at least 2: add a subfolder of images for each class/);
    expect(r.stderr).not.toMatch(/oneHot/);
    noStack(r.stderr);
  });

  it('idx labels with a stray 255 do not size a 256-class model: without --classes refused, with it the label is reported', async () => {
    const sparse = await odl(['finetune', '--data', at('stray-idx'), '--format', 'idx', '--backend', 'cpu']);
    expect(sparse.code).toBe(1);
    expect(sparse.stderr).toMatch(/the labels run up to 255, yet only 3 different labels occur; pass --classes <n>/);
    const given = await odl(['finetune', '--data', at('stray-idx'), '--format', 'idx', '--classes', '2', '--backend', 'cpu']);
    expect(given.code).toBe(1);
    expect(given.stderr).toMatch(/255/);
    noStack(sparse.stderr);
    noStack(given.stderr);
  });

  it('an idx folder without the files, and a truncated CIFAR file', async () => {
    const idx = await odl(['finetune', '--data', at('empty-idx'), '--format', 'idx']);
    expect(idx.code).toBe(2);
    expect(idx.stderr).toMatch(/no train-images-idx3-ubyte\(\.gz\) and train-labels-idx1-ubyte\(\.gz\) there/);
    const cifar = await odl(['finetune', '--data', at('short.bin'), '--format', 'cifar10', '--backend', 'cpu']);
    expect(cifar.code).toBe(1);
    expect(cifar.stderr).toMatch(/short\.bin/);
    noStack(idx.stderr);
    noStack(cifar.stderr);
  });
});

describe('a run with RGB images, the shipped grey model and --lr 100', () => {
  it('converts the images, warns that the loss diverges, and writes the model before result.json', { timeout: 120_000 }, async () => {
    const out = at('run');
    const args = ['finetune', '--data', at('two'), '--format', 'folder', '--method', 'vanilla', '--layers', '1', '--epochs', '2', '--batch', '4', '--lr', '100', '--backend', 'cpu', '--out', out];
    const r = await odl(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/data: images read as grey \(1 channel/);
    expect(r.stderr).toMatch(/warning: the training (loss is diverging|loss is (NaN|Infinity))/);
    expect(r.stderr).toMatch(/lower --lr \(now 100\)/);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(result.method).toBe('vanilla');
    expect(statSync(join(out, 'result.json')).mtimeMs).toBeGreaterThanOrEqual(statSync(join(out, 'model', 'model.json')).mtimeMs);
    // a second run into the same folder replaces odl's own files; --json prints one document
    const again = await odl([...args, '--lr', '0.01', '--epochs', '1', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).steps).toBe(3);
    expect(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).steps).toBe(3);
  });
});
