// Measures the ranks behind docs/profiler-tables.md and writes docs/profiler-tables.ranks.json.
// For each architecture at 224×224, batch 128: the model (MCUNet-in1: the shipped pretrained
// checkpoint, fully convolutional so it runs at 224; the others: He-initialised from seed 0, one
// input channel, as no weights ship for them) with a fresh 5-class head, as a session would; the
// first 128 images of the embedded Fashion-MNIST fine-tuning split, resized bilinearly to 224 and
// normalised like the shipped model's input; one exact forward and backward capturing the last
// N convolutions' inputs and output gradients (captureLayerTensors); then, per row of setup.ts,
// the method's planner at the smallest and the largest reference budget of the model and N, or
// its costOptionsFor on the captured inputs. Heavy (minutes per model on wasm): one model at a
// time, progress on stdout, the file rewritten after each model.
//
// Run from the repository root (then regenerate the document with write.ts):
//   node packages/models/scripts/run-ts.mjs packages/models/scripts/profiler-tables/measure.ts [--models mcunet-in1,resnet18] [--out docs/profiler-tables.ranks.json]
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ArgumentError, OdlError, setupBackend, tf } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { getMethod, resolveOptions, type CalibrationLayer } from '@odl/core';
import { loadEmbeddedFashionMnist } from '@odl/datasets';
import {
  ARCHITECTURES,
  captureLayerTensors,
  createModel,
  loadPretrainedMcunet,
  registerBuiltinMethods,
  selectFineTunedLayers,
  type ArchitectureName,
  type InputSpec,
  type ZooModel,
} from '@odl/models';
import { BudgetTooSmallError } from '@odl/shortcut';
import { parseRanksFile, RANKS_FILE_VERSION, type MeasuredModel, type MeasuredRow, type MeasuredSetting, type RanksFile } from './ranks-file';
import { BATCH, BUDGETS_SOURCE, DATASETS, LAST_N, mibToBytes, MODELS, REFERENCE_BUDGETS_MIB, referenceBudget, RESOLUTION, TABLE_ROWS, type TableRow } from './setup';

const COMMAND = 'node packages/models/scripts/run-ts.mjs packages/models/scripts/profiler-tables/measure.ts';
const SEED = 0;

// argv: node, run-ts.mjs, this file, then the flags
const args = parseArgs({
  args: process.argv.slice(3),
  options: {
    models: { type: 'string' },
    out: { type: 'string', default: 'docs/profiler-tables.ranks.json' },
    resolution: { type: 'string' },
    batch: { type: 'string' },
  },
  strict: true,
}).values;
if (!existsSync('pnpm-workspace.yaml')) throw new ArgumentError('run measure.ts from the repository root (it writes docs/profiler-tables.ranks.json there)');
const chosen = (args.models?.split(',').map((m) => m.trim()) ?? [...MODELS]) as ArchitectureName[];
for (const m of chosen) if (!ARCHITECTURES.includes(m)) throw new ArgumentError(`unknown model '${m}'; use ${ARCHITECTURES.join(', ')}`);
// a smaller resolution or batch is for trying the script out: the file then says so, and render.ts refuses it
const resolution = Number(args.resolution ?? RESOLUTION);
const batch = Number(args.batch ?? BATCH);

const t0 = performance.now();
const seconds = (from: number) => Math.round((performance.now() - from) / 1000);
const say = (line: string) => console.log(`[${seconds(t0).toString().padStart(5)} s] ${line}`);
const today = () => new Date().toISOString().slice(0, 10);
const pick = (options: Record<string, unknown>, keys: readonly string[] = []) => Object.fromEntries(keys.map((k) => [k, options[k]]));

await setupBackend({ prefer: ['wasm'] });
registerBuiltinMethods();
const train = await loadEmbeddedFashionMnist('finetune-train');
const shipped = await loadPretrainedMcunet();
const input: InputSpec = { ...shipped.input, height: resolution, width: resolution, resize: 'bilinear' };
const data =
  `the first ${batch} images of the embedded Fashion-MNIST fine-tuning split (classes 5–9, @odl/datasets 'finetune-train'), ` +
  `28×28 grayscale resized bilinearly to ${resolution}×${resolution}, scaled to [0, 1] and normalised like the shipped model's input ` +
  `(mean ${String(shipped.input.mean)}, std ${String(shipped.input.std)}), 1 channel; labels of the fresh 5-class head`;

/** The model of an architecture with its fresh head, and what its weights are. */
function modelFor(architecture: ArchitectureName): { model: ZooModel; weights: string; trained: boolean } {
  if (architecture === shipped.model.config.architecture) {
    shipped.model.resetClassifier(train.numClasses, SEED);
    return {
      model: shipped.model,
      trained: true,
      weights: `the shipped pretrained checkpoint (packages/models/pretrained/mcunet-in1-fmnist04: Fashion-MNIST classes 0–4 at ${shipped.input.height}×${shipped.input.width}, 1 channel), run at ${resolution}×${resolution} (fully convolutional), fresh ${train.numClasses}-class head (seed ${SEED})`,
    };
  }
  const model = createModel(architecture, { inputChannels: 1, numClasses: train.numClasses, seed: SEED });
  model.resetClassifier(train.numClasses, SEED);
  return {
    model,
    trained: false,
    weights: `He-initialised from seed ${SEED} (no weights ship for it), 1 input channel, BatchNorm at its initial statistics, fresh ${train.numClasses}-class head (seed ${SEED})`,
  };
}

/** One `plan` row: the method's planner at the row's reference budget. */
function planRow(row: TableRow & { source: { from: 'plan' } }, architecture: ArchitectureName, lastN: number, layers: CalibrationLayer[]): MeasuredRow {
  const plugin = getMethod(row.method);
  if (plugin.planner == null) throw new ArgumentError(`row '${row.id}': method '${row.method}' has no planner`);
  const { mib, datasets } = referenceBudget(architecture, lastN, row.source.budget);
  const budget = { mib, bytes: mibToBytes(mib), datasets };
  try {
    const plan = plugin.planner.plan({ layers, options: resolveOptions(plugin, { ...row.options }), budgetBytes: budget.bytes, seed: SEED });
    const layerOptions = Object.fromEntries(layers.map((l) => [l.name, pick(plan.layerOptions[l.name] as Record<string, unknown>, row.records)]));
    return { method: row.method, budget, layerOptions, plan: { summary: plan.summary, totalBytes: plan.totalBytes } };
  } catch (e) {
    if (!(e instanceof OdlError)) throw e;
    const error: MeasuredRow['error'] = { code: e.code, message: e.message };
    if (e instanceof BudgetTooSmallError) error.smallestBytes = e.smallestBytes;
    return { method: row.method, budget, error };
  }
}

/** One `measured` row: the method's storage for the captured batch (`costOptionsFor`). */
function measuredRow(row: TableRow, layers: CalibrationLayer[]): MeasuredRow {
  const plugin = getMethod(row.method);
  if (plugin.costOptionsFor == null) throw new ArgumentError(`row '${row.id}': method '${row.method}' has no costOptionsFor`);
  const options = resolveOptions(plugin, { ...row.options });
  const layerOptions = Object.fromEntries(layers.map((l) => [l.name, pick(plugin.costOptionsFor!(l.geometry, options, l.input) as Record<string, unknown>, row.records)]));
  return { method: row.method, layerOptions };
}

async function measure(architecture: ArchitectureName): Promise<MeasuredModel> {
  const start = performance.now();
  const { model, weights, trained } = modelFor(architecture);
  const deepest = Math.max(...LAST_N);
  say(`${architecture}: ${weights}`);
  say(`${architecture}: exact forward and backward of ${batch} images at ${resolution}×${resolution}, capturing the last ${deepest} convolutions' inputs and output gradients`);
  // The last N of the last 4 convolutions see the same inputs and output gradients as a capture of
  // the last N alone (an exact pass either way), so one capture serves every N.
  const captured = captureLayerTensors(model, { lastN: deepest, images: train, input, batchSize: batch });
  try {
    say(`${architecture}: captured ${captured.map((l) => `${l.name} [${l.input.shape.join('×')}]`).join(', ')}`);
    const specs = model.layerSpecs([batch, resolution, resolution, model.config.inputChannels]);
    const settings: MeasuredSetting[] = [];
    for (const lastN of LAST_N) {
      const layers = captured.slice(captured.length - lastN);
      const expected = selectFineTunedLayers(specs, lastN).compressed.map((s) => s.name);
      if (expected.join() !== layers.map((l) => l.name).join()) throw new ArgumentError(`${architecture} N=${lastN}: captured ${layers.map((l) => l.name).join(', ')}, the last ${lastN} are ${expected.join(', ')}`);
      const rows: Record<string, MeasuredRow> = {};
      for (const row of TABLE_ROWS) {
        if (row.source.from === 'fixed') continue;
        const t = performance.now();
        rows[row.id] = row.source.from === 'plan' ? planRow(row as TableRow & { source: { from: 'plan' } }, architecture, lastN, layers) : measuredRow(row, layers);
        const r = rows[row.id]!;
        const what = r.error ? `no plan: ${r.error.message}` : `${Object.values(r.layerOptions ?? {}).map((o) => JSON.stringify(Object.values(o)[0])).join(' ')}${r.plan ? ` (${r.plan.summary})` : ''}`;
        say(`${architecture} N=${lastN} ${row.id}${r.budget ? ` at ${r.budget.mib} MiB` : ''}: ${what} [${seconds(t)} s]`);
      }
      const budgets = REFERENCE_BUDGETS_MIB[architecture]![lastN]!;
      settings.push({ lastN, layers: layers.map((l) => l.name), referenceBudgetsMiB: Object.fromEntries(DATASETS.map((d, i) => [d, budgets[i]!])), rows });
    }
    return { architecture, weights, trained, inputChannels: model.config.inputChannels, numClasses: model.config.numClasses, date: today(), seconds: seconds(start), settings };
  } finally {
    tf.dispose(captured.flatMap((l) => [l.input, l.dy]));
    model.dispose();
  }
}

const previous: RanksFile | null = existsSync(args.out!) ? parseRanksFile(await readFile(args.out!, 'utf8')) : null;
const file: RanksFile = {
  schemaVersion: RANKS_FILE_VERSION,
  date: today(),
  command: COMMAND,
  backend: tf.getBackend(),
  resolution,
  batch,
  data,
  budgetsSource: BUDGETS_SOURCE,
  models: (previous?.resolution === resolution && previous.batch === batch ? previous.models : []).filter((m) => !chosen.includes(m.architecture)),
};
for (const architecture of MODELS.filter((m) => chosen.includes(m))) {
  const measured = await measure(architecture);
  file.models = [...file.models.filter((m) => m.architecture !== architecture), measured].sort((a, b) => MODELS.indexOf(a.architecture) - MODELS.indexOf(b.architecture));
  file.date = today();
  // number lists (ranks) on one line each
  const json = JSON.stringify(file, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, list: string) => `[${list.split(/,\s+/).join(', ')}]`);
  await writeFileAtomic(args.out!, `${json}\n`);
  say(`${architecture}: done in ${measured.seconds} s; wrote ${args.out}`);
}
if (!chosen.includes(shipped.model.config.architecture)) shipped.model.dispose();
