import { setupBackend } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import type { BenchRow } from '@odl/test-utils';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { suggest } from '@odl/core';
import { parseOptions } from '../args';
import { prepareOutputFolder } from '../out-dir';
import { print, say } from '../output';
import { markdownTable } from '@odl/profiler';
import { UsageError } from '../errors';
import { benchConvKernels } from '../../../../packages/backend/bench/conv-kernels';
import { benchOrthonormalBasis } from '../../../../packages/backend/bench/linalg-qr';
import { benchActivationMask } from '../../../../packages/backend/bench/activation-mask';
import { benchContractions } from '../../../../packages/core/bench/contractions';
import { benchAsiCompression } from '../../../../packages/shortcut/bench/asi-vs-hosvd';
import { benchLowrank } from '../../../../packages/lowrank/bench/compressors';
import { benchTrainingStep } from '../../../../packages/profiler/bench/training-step';
import { benchDataPipeline } from '../../../../packages/datasets/bench/pipeline';
import { benchFinetuneLayers } from '../bench/finetune-layers';
import { benchWholeStep } from '../bench/whole-step';
import { benchVitMethods } from '../bench/vit-methods';

type Suite = { name: string; run: () => Promise<BenchRow[]> };

// Each suite measures the figures it compares side by side in one run (the machines are shared
// and noisy: ratios, not absolute times, are what the issues' targets are about).
const suites: Suite[] = [
  { name: 'conv-kernels', run: () => benchConvKernels() },
  { name: 'orthonormal-basis', run: () => benchOrthonormalBasis() },
  { name: 'activation-mask', run: () => benchActivationMask() },
  { name: 'tucker-contractions', run: () => benchContractions() },
  { name: 'asi-vs-hosvd', run: () => benchAsiCompression() },
  { name: 'finetune-layers', run: () => benchFinetuneLayers() },
  { name: 'lowrank-compressors', run: () => benchLowrank() },
  { name: 'training-step', run: () => benchTrainingStep() },
  { name: 'data-pipeline', run: () => benchDataPipeline() },
  { name: 'vit-methods', run: () => benchVitMethods() },
  { name: 'whole-step', run: () => benchWholeStep({ onTable: (title, md) => say(`\n### ${title}\n\n${md}`) }) },
];

const HELP = `odl bench — the performance suite (ratios measured side by side in one run)

Options:
  --only <names>   comma-separated suites to run (default: all): ${'${suites}'}
  --out <dir>      folder for the JSON results (default: bench-results; checked first)
  --debug          show the stack trace of an error
  --help, -h`;

/** `odl bench`: runs the suites and writes their rows to a new, dated JSON file. */
export async function runBench(argv: string[]): Promise<void> {
  const opts = parseOptions(argv, {
    only: { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
    help: { type: 'boolean', default: false },
  });
  const names = suites.map((s) => s.name);
  if (opts.help) return print(HELP.replace('${suites}', names.join(', ')));
  const wanted = opts.only?.split(',').map((s) => s.trim());
  for (const w of wanted ?? []) {
    if (!names.includes(w)) throw new UsageError(`--only: unknown suite '${w}'${suggest(w, names)}; suites: ${names.join(', ')}`);
  }
  const out = prepareOutputFolder('out', opts.out!);
  await setupBackend();
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  say(`odl bench on ${machine}`);
  const results: Record<string, BenchRow[]> = {};
  for (const suite of suites) {
    if (wanted && !wanted.includes(suite.name)) continue;
    say(`\n## ${suite.name}\n`);
    const rows = await suite.run();
    results[suite.name] = rows;
    say(markdownTable(['figure', 'value', 'unit', 'note'], rows.map((r) => [r.name, fmt(r.value), r.unit, r.note ?? '']), { aligned: true }));
  }
  const file = join(out, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFileAtomic(file, JSON.stringify({ machine, date: new Date().toISOString(), results }, null, 2));
  say(`\nresults written to ${file}`);
}

function fmt(v: number): string {
  if (!Number.isFinite(v) || Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(3) : v.toPrecision(3);
}
