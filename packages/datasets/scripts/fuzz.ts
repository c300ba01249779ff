// Long-mode fuzzing of the dataset parsers: every target of test/fuzz/targets.ts (the ones the
// test run fuzzes with a few thousand inputs) with COUNT seeded inputs each, every input judged
// by its independent reference; prints the counts table and the first failures, and exits 1
// when any input threw untyped, was accepted wrongly, was refused although valid, or took > 2 s.
//
//   pnpm --filter @odl/datasets fuzz [count=100000] [name filter]
//   node packages/models/scripts/run-ts.mjs packages/datasets/scripts/fuzz.ts [count] [filter]
import { formatFuzzTable, runFuzzTarget, type FuzzCounts } from '@odl/test-utils';
import { createNodeImageDecoder } from '@odl/datasets';
import { datasetFuzzTargets } from '../test/fuzz/targets';

const args = process.argv.slice(2).filter((a) => !/\.(ts|mjs)$/.test(a));
const count = Number(args[0] ?? 100_000);
const filter = (args[1] ?? '').toLowerCase();
if (!Number.isInteger(count) || count < 1) {
  console.error(`fuzz: count must be a positive integer, got '${args[0]}'`);
  process.exit(2);
}

const rows: Record<string, FuzzCounts> = {};
for (const target of datasetFuzzTargets(await createNodeImageDecoder())) {
  if (!target.name.toLowerCase().includes(filter)) continue;
  const t0 = performance.now();
  const { counts, maxMs, failures } = await runFuzzTarget(target, { count, seed: `odl-fuzz-long:${target.name}` });
  rows[target.name] = counts;
  console.error(`${target.name}: ${count} inputs in ${((performance.now() - t0) / 1000).toFixed(1)} s, slowest ${maxMs.toFixed(0)} ms`);
  for (const f of failures) console.error(`  FAIL ${f}`);
}
console.log(formatFuzzTable(rows));
const bad = Object.values(rows).reduce((s, c) => s + c['untyped-error'] + c['accepted-wrong'] + c['rejected-valid'] + c.slow, 0);
process.exit(bad === 0 ? 0 : 1);
