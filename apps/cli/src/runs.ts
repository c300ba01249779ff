// Fine-tuning runs side by side: each run is `odl finetune … --json` in a child process (tfjs'
// wasm backend uses one core), the runs of a lane one after the other, the lanes at once. Used by
// `odl demo` and `odl experiment`.
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { getMethod, optionFlag } from '@odl/core';
import { FineTuneSession } from '@odl/models';
import type { FinetuneSummary } from './commands/finetune';
import { DataError, UsageError } from './errors';
import { say } from './output';

/** One run: a label, a method with its options, the layers, and the lane it runs on. */
export interface PlannedRun {
  /** Unique name of the run in reports. */
  label: string;
  /** Registered method. */
  method: string;
  /** The method's options (its declared option names). */
  methodOptions?: Record<string, unknown>;
  /** N: the last N convolutions. */
  lastN: number;
  /** Memory budget, for a method that plans. */
  budgetBytes?: number;
  /** Which lane (0 or 1) runs it. */
  lane: 0 | 1;
}

/** The `odl finetune` command line of one run (its method options as their generated flags). */
export function finetuneFlags(run: PlannedRun, common: string[]): string[] {
  const plugin = getMethod(run.method);
  const flags = ['finetune', '--json', '--label', run.label, '--method', run.method, '--layers', String(run.lastN), ...common];
  for (const [name, value] of Object.entries(run.methodOptions ?? {})) {
    const spec = plugin.options.find((o) => o.name === name);
    if (spec == null) throw new UsageError(`run '${run.label}': '${run.method}' has no option '${name}'`);
    flags.push(`--${optionFlag(spec)}`, Array.isArray(value) ? value.join(',') : String(value));
  }
  if (run.budgetBytes != null) flags.push('--budget-mib', String(run.budgetBytes / 2 ** 20));
  return flags;
}

/** Runs `odl <flags>` in a child process of this CLI; resolves with its JSON summary. */
export function runChild(flags: string[]): Promise<FinetuneSummary> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [process.argv[1]!, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const lines = err.trim().split('\n');
      for (const w of lines.filter((l) => l.startsWith('warning:'))) say(w);
      if (code !== 0) {
        const message = `odl ${flags.join(' ')} failed (exit ${code}): ${lines.find((l) => l.startsWith('odl ')) ?? lines.at(-1) ?? ''}`;
        return fail(code === 2 ? new UsageError(message) : new DataError('run-failed', message));
      }
      try {
        ok(JSON.parse(out) as FinetuneSummary);
      } catch {
        fail(new DataError('run-failed', `odl ${flags.join(' ')} printed no JSON result`));
      }
    });
  });
}

/**
 * Runs every run, lane by lane, the lanes at once (one lane on a 1-core machine); reports each
 * run's start and end. Resolves with the summaries by label.
 */
export async function runInLanes(runs: readonly PlannedRun[], common: string[], log: (line: string) => void): Promise<Map<string, FinetuneSummary>> {
  const lanes = Math.min(2, cpus().length);
  const results = new Map<string, FinetuneSummary>();
  const lane = async (queue: PlannedRun[]) => {
    for (const run of queue) {
      const t0 = Date.now();
      log(`${run.label}: running`);
      const r = await runChild(finetuneFlags(run, common));
      results.set(run.label, r);
      log(`${run.label}: top-1 ${(100 * r.top1).toFixed(2)}% after ${r.steps} steps, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  };
  await Promise.all([0, 1].map((l) => lane(runs.filter((r) => (lanes === 1 ? 0 : r.lane) === l))));
  return results;
}

/**
 * Vanilla's analytic activation memory of the last N layers of a model (a checkpoint folder;
 * default the shipped MCUNet-in1), and their names, before any training.
 */
export async function vanillaMemory(protocol: 'paper' | 'odl', lastN: number, seed: number, model?: string): Promise<{ bytes: number; layers: string[] }> {
  const probe = await FineTuneSession.create({ protocol, method: 'vanilla', lastN, epochs: 0, seed, model });
  try {
    return { bytes: probe.costs.analyticBytes, layers: probe.layers.filter((l) => l.role === 'compressed').map((l) => l.name) };
  } finally {
    probe.dispose();
  }
}
