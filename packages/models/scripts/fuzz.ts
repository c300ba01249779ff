// Long-mode fuzzing of the safetensors reader, the .pth reader and the checkpoint loader: seeded
// corrupt inputs, each judged by an independent reference (a safetensors reader written from the
// format's description; the tensors that were saved; a reading of the state dict's description),
// then one table of counts.
//   node packages/models/scripts/run-ts.mjs packages/models/scripts/fuzz.ts [count] [--format safetensors|pth|checkpoint] [--seed S]
// (or `pnpm --filter @odl/models fuzz [count]`). count: inputs per format, default 100000.
import { setupBackend } from '@odl/backend';
import { formatFuzzTable, type FuzzCounts } from '@odl/test-utils';
import { checkpointFixture, fuzzCheckpoints } from '../test/fuzz-checkpoint';
import { fuzzPth } from '../test/fuzz-pth';
import { fuzzSafetensors } from '../test/fuzz-safetensors';

const args = process.argv.slice(2).filter((a) => !a.endsWith('.ts'));
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const count = positional[0] != null ? Number(positional[0]) : 100_000;
if (!Number.isSafeInteger(count) || count < 1) {
  console.error(`fuzz: count must be a positive integer, got ${positional[0]}`);
  process.exit(2);
}
const formats = flag('format') ? [flag('format')!] : ['safetensors', 'pth', 'checkpoint'];
const seed = flag('seed');
const rows: Record<string, FuzzCounts> = {};
let failed = false;
for (const format of formats) {
  const t0 = performance.now();
  let result: { counts: FuzzCounts; failures: string[] };
  if (format === 'safetensors') result = await fuzzSafetensors(count, seed);
  else if (format === 'pth') result = await fuzzPth(count, seed);
  else if (format === 'checkpoint') {
    await setupBackend({ prefer: ['wasm'] });
    result = await fuzzCheckpoints(await checkpointFixture(), count, seed);
  } else {
    console.error(`fuzz: unknown --format '${format}'; use safetensors, pth or checkpoint`);
    process.exit(2);
  }
  rows[format] = result.counts;
  console.error(`${format}: ${count} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of result.failures) console.error(`  ${f}`);
  failed ||= result.failures.length > 0;
}
console.log(formatFuzzTable(rows));
process.exit(failed ? 1 : 0);
