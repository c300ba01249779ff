// The command-line conventions every command shares: help on stdout, --version, did-you-mean,
// `--`, exit codes, progress on a terminal, human units. In process, through runCli.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LossWatch } from '../src/loss-watch';
import { showProgress } from '../src/output';
import { describeFailure, UsageError } from '../src/errors';
import { runOdlInProcess as odl } from './cli-helpers';

const COMMANDS = ['demo', 'finetune', 'ranks', 'profile', 'experiment', 'bench'];

describe('help', () => {
  it.each(COMMANDS)('odl %s --help and -h print the options on stdout, exit 0', async (command) => {
    const r = await odl([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith(`odl ${command} — `)).toBe(true);
    expect(r.stdout).toMatch(/--help, -h/);
    // the command's own part (a method list, generated from the registry, follows in some)
    expect(r.stdout.split(/\nMethods/)[0]).toMatchSnapshot();
    expect(await odl([command, '-h'])).toEqual(r);
  });

  it('help wins over a mistake beside it, and `odl help <command>` is `odl <command> --help`', async () => {
    const r = await odl(['finetune', '--epochs', 'many', '--metod', 'x', '-h']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^odl finetune — /);
    expect((await odl(['help', 'profile'])).stdout).toBe((await odl(['profile', '--help'])).stdout);
  });

  it('odl --help, -h and help print the usage on stdout (exit 0); odl alone prints it on stderr (exit 2)', async () => {
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await odl(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^odl — on-device learning/);
      for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\s`));
    }
    const bare = await odl([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^odl — on-device learning/);
  });
});

describe('version', () => {
  it('odl --version and -v print the package version on stdout', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await odl([flag]);
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe('did-you-mean', () => {
  it.each([
    [['finetnue'], /unknown command 'finetnue' \(did you mean 'finetune'\?\)/],
    [['profiel'], /did you mean 'profile'/],
    [['finetune', '--metod', 'asi'], /unknown option '--metod' \(did you mean '--method'\?\)/],
    [['finetune', '--metod=asi'], /unknown option '--metod' \(did you mean '--method'\?\)/],
    [['profile', '--layer', '2'], /did you mean '--layers'/],
    [['finetune', '--backend', 'wsam'], /--backend must be one of wasm, cpu, got 'wsam' \(did you mean 'wasm'\?\)/],
    [['finetune', '--method', 'asj'], /did you mean 'asi'/],
    [['profile', '--model', 'resnet19'], /did you mean 'resnet18'/],
    [['demo', '--runs', 'hosdv'], /unknown run 'hosdv' \(did you mean 'hosvd'\?\)/],
    [['bench', '--only', 'conv-kernel'], /unknown suite 'conv-kernel' \(did you mean 'conv-kernels'\?\)/],
  ])('odl %j: exit 2 with a suggestion', async (args, message) => {
    const r = await odl(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message as RegExp);
  });
});

describe('`--`', () => {
  it('is accepted before the command and among the options (no command takes positional arguments)', async () => {
    expect((await odl(['--', 'profile', '--help'])).code).toBe(0);
    const r = await odl(['profile', '--', '--model', 'resnet19']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--model must be one of/);
  });
});

describe('errors', () => {
  it('a usage error names the help; --debug adds the stack trace', async () => {
    const r = await odl(['finetune', '--epochs', 'many']);
    expect(r.stderr).toBe("odl finetune: --epochs must be a whole number in [1, 10000], got 'many'\nRun 'odl finetune --help' for the options.\n");
    const debug = await odl(['finetune', '--epochs', 'many', '--debug']);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('an unexpected error shows its message and the --debug hint, not a stack trace', () => {
    const plain = describeFailure(new TypeError("Cannot read properties of null (reading 'x')"), 'finetune', false);
    expect(plain.code).toBe(1);
    expect(plain.text).toBe("odl finetune: unexpected error: Cannot read properties of null (reading 'x')\n(run again with --debug for the stack trace)");
    expect(describeFailure(new TypeError('x'), 'finetune', true).text).toMatch(/\n\s+at /);
    expect(describeFailure(new UsageError('bad'), 'profile', false).code).toBe(2);
    const fsError = Object.assign(new Error("ENOSPC: no space left on device, write '/x/result.json'"), { code: 'ENOSPC' });
    expect(describeFailure(fsError, 'finetune', false)).toEqual({ code: 1, text: "odl finetune: ENOSPC: no space left on device, write '/x/result.json'" });
  });
});

describe('progress', () => {
  const tty = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');
  afterEach(() => {
    if (tty) Object.defineProperty(process.stderr, 'isTTY', tty);
    else delete (process.stderr as { isTTY?: boolean }).isTTY;
  });

  it('goes to stderr whenever it is a terminal, --json or not; off a terminal --json silences it', () => {
    Object.defineProperty(process.stderr, 'isTTY', { value: true, configurable: true });
    expect(showProgress(true)).toBe(true);
    expect(showProgress(false)).toBe(true);
    Object.defineProperty(process.stderr, 'isTTY', { value: false, configurable: true });
    expect(showProgress(true)).toBe(false);
    expect(showProgress(false)).toBe(true);
  });
});

describe('units', () => {
  it('odl profile prints human units and keeps the raw counts in --json', async () => {
    const table = await odl(['profile', '--layers', '2', '--method', 'vanilla']);
    expect(table.code).toBe(0);
    expect(table.stderr).toMatch(/27\.6 MiB/);
    expect(table.stderr).toMatch(/\d+\.?\d* GFLOPs/);
    expect(table.stderr).not.toMatch(/\d{9,}/);
    const json = JSON.parse((await odl(['profile', '--layers', '2', '--method', 'vanilla', '--json'])).stdout);
    expect(Number.isInteger(json.tables[0].total.totalFlops)).toBe(true);
    expect(json.tables[0].total.activationBytes).toBe(28901376);
  });
});

describe('LossWatch', () => {
  it('warns once when the loss is not finite or grows past 10× the first step', () => {
    const lines: string[] = [];
    const watch = new LossWatch((l) => lines.push(l), 'lower --lr');
    watch.step(1, 1.6);
    watch.epoch(0, 15);
    expect(lines).toEqual([]);
    watch.epoch(1, 2256);
    watch.epoch(2, 5000);
    expect(lines).toEqual(['the training loss is diverging: 2256 in epoch 2, more than 10× the 1.600 of the first step; lower --lr']);
    watch.step(7, Number.NaN);
    watch.step(8, Number.POSITIVE_INFINITY);
    expect(lines.slice(1)).toEqual(['the training loss is NaN at step 7: training diverged; lower --lr']);
  });
});
