// The browser benchmark of threads (issue #17): the fine-tuned layers of the `finetune-layers`
// suite (vanilla, ASI and the floor; their one definition is apps/cli/src/bench/finetune-layers-stacks.ts)
// in Debian's Chromium on tfjs-wasm's threaded SIMD build, 1 thread against 2, in one page, with the
// single-threaded SIMD build beside them for reference: one worker each, taking turns round by
// round (never at once). Prints the medians and the
// paired ratios and writes them to bench-results/. Command: `pnpm bench:browser [--rounds N]`
// (docs/benchmarks.md, "Threads in the browser").
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median as medianOf, type BenchRow } from '@odl/test-utils';
import { buildThreadsPage, openThreadsPage } from './threads-page';

const median = (v: number[]) => medianOf(v, 'upper');
const KINDS = ['vanilla', 'asi', 'floor'] as const;
const LABEL = { vanilla: 'vanilla', asi: 'ASI', floor: 'floor (no weight gradient)' };

function argValue(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} takes a whole number >= 1 (got ${process.argv[at + 1]})`);
  return v;
}

async function main(): Promise<void> {
  const rounds = argValue('rounds', 15);
  const out = resolve(process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1]! : 'bench-results');
  const dist = join(tmpdir(), `odl-threads-bench-${process.pid}`);
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  console.log(`browser threads benchmark on ${machine}: building the page …`);
  await buildThreadsPage(dist);
  console.log(`running ${rounds} rounds (+2 warm-up) in Chromium …`);
  const { result, requests, errors } = await openThreadsPage(dist, `mode=bench&threads=1s,1,2&rounds=${rounds}`, { timeoutMs: 30 * 60_000 });
  if (result.error != null) throw new Error(`the page failed: ${result.error}`);
  if (errors.length > 0) console.warn(`page errors: ${errors.join('; ')}`);
  const [base, one, two] = result.workers;
  if (base == null || one == null || two == null) throw new Error('the page ran fewer than three workers');
  for (const w of result.workers) {
    const shared = !w.singleThreadedBuild;
    if (w.info == null || w.info.threads !== w.threads || w.info.sharedMemory !== shared || !w.info.heapKernels) {
      throw new Error(`worker for ${w.threads} thread(s) did not run as asked: ${JSON.stringify(w.info)} (crossOriginIsolated ${result.crossOriginIsolated})`);
    }
  }
  const label = (w: typeof one) => (w.singleThreadedBuild ? 'single-threaded SIMD build' : `threaded build, ${w.threads} thread${w.threads === 1 ? '' : 's'}`);
  const wasmFiles = [...new Set(requests.filter((r) => r.endsWith('.wasm')))];
  const note = `Chromium, wasm (fetched: ${wasmFiles.join(', ')}), odl's heap kernels bound in every worker; ${one.describe}; median of ${rounds} rounds`;
  const rows: BenchRow[] = [];
  for (const w of [base, one, two]) {
    for (const k of KINDS) rows.push({ name: `${LABEL[k]} forward+backward, ${label(w)}`, value: median(w.times[k]), unit: 'ms', note });
  }
  // Paired ratios: in each round the workers ran back to back.
  const paired = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]!));
  for (const k of KINDS) {
    rows.push({ name: `${LABEL[k]}: 2 threads vs 1 (time on 1 / time on 2, threaded build)`, value: paired(one.times[k], two.times[k]), unit: '×', note: k === 'floor' ? "median of the rounds' ratios" : "target ≥ 1.5 (issue #17); median of the rounds' ratios" });
  }
  for (const k of KINDS) {
    rows.push({ name: `${LABEL[k]}: threaded build on 1 thread / single-threaded build (time)`, value: paired(one.times[k], base.times[k]), unit: '×', note: "the cost of the threaded build itself; median of the rounds' ratios" });
  }
  for (const w of [base, one, two]) {
    rows.push({ name: `speed-up of ASI over vanilla, ${label(w)}`, value: paired(w.times.vanilla, w.times.asi), unit: '×', note: "median of the rounds' ratios" });
  }
  for (const w of [base, one, two]) {
    const n = w.numTensors;
    rows.push({ name: `tensors leaked over the measured rounds, ${label(w)}`, value: n[n.length - 1]! - n[0]!, unit: 'tensors' });
  }
  const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v >= 100 ? v.toFixed(1) : v.toFixed(3));
  console.log('\n| figure | value | unit |\n|---|---:|---|');
  for (const r of rows) console.log(`| ${r.name} | ${fmt(r.value)} | ${r.unit} |`);
  console.log(`\n${note}`);
  mkdirSync(out, { recursive: true });
  const file = join(out, `bench-browser-threads-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const payload = JSON.stringify({ machine, date: new Date().toISOString(), results: { 'browser-threads': rows }, raw: result.workers.map((w) => ({ threads: w.threads, singleThreadedBuild: w.singleThreadedBuild, times: w.times })) }, null, 2);
  writeFileSync(`${file}.tmp`, payload);
  renameSync(`${file}.tmp`, file);
  console.log(`results written to ${file}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
