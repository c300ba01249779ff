import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupBackend, type BackendName } from '@odl/backend';
import { loadEmbeddedFashionMnist } from '@odl/datasets';
import { loadPretrainedMcunet, registerBuiltinMethods, selectRanks } from '@odl/models';
import { writeFileAtomic } from '@odl/backend/node';
import { chooseRanks, savePerplexityTable } from '@odl/shortcut';
import { numberOption, parseOptions } from '../args';
import { UsageError } from '../errors';
import { emitJson, markdownTable, say } from '../output';

const HELP = `odl ranks — measure the perplexity table of the trained layers on a calibration batch and
choose ASI ranks for a memory budget (exact: never over budget)

Options:
  --model <dir>        checkpoint folder (default: the shipped pretrained MCUNet-in1)
  --layers <n>         trained layers, counted from the end (default 4)
  --batch <n>          calibration batch = training batch (default 32)
  --budget-mib <MiB>   activation-memory budget of the trained layers (default: no choice, table only)
  --storage <s>        ASI storage the bytes are counted for: float32 (default) or int8
  --seed <n>           (default 0)
  --backend <b>        wasm or cpu (default wasm)
  --out <dir>          write perplexity-table.json and rank-plan.json there
  --json               print {table, plan} as JSON on stdout
  --help`;

/** `odl ranks`: the perplexity table (docs/method.md §5) and the exact budgeted choice. */
export async function runRanks(argv: string[]): Promise<void> {
  const o = parseOptions(argv, {
    model: { type: 'string' },
    layers: { type: 'string' },
    batch: { type: 'string' },
    'budget-mib': { type: 'string' },
    storage: { type: 'string', default: 'float32' },
    seed: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (o.help) return say(HELP);
  if (o.backend !== 'wasm' && o.backend !== 'cpu') throw new UsageError(`--backend must be wasm or cpu, got '${o.backend}'`);
  const lastN = numberOption('layers', o.layers, 4, 1, 10_000);
  const batchSize = numberOption('batch', o.batch, 32, 1, 1 << 16);
  const seed = numberOption('seed', o.seed, 0, 0, 2 ** 31);
  if (o.storage !== 'float32' && o.storage !== 'int8') throw new UsageError(`--storage must be float32 or int8, got '${o.storage}'`);
  const storage = o.storage;
  const budgetBytes = o['budget-mib'] != null ? Math.floor(numberOption('budget-mib', o['budget-mib'], 0, 0) * 2 ** 20) : undefined;
  await setupBackend({ prefer: [o.backend as BackendName] });
  registerBuiltinMethods();
  const pretrained = await loadPretrainedMcunet(o.model);
  try {
    const calibration = await loadEmbeddedFashionMnist('calibration');
    const selection = await selectRanks(pretrained.model, { lastN, calibration, input: pretrained.input, batchSize, seed, storage });
    const table = selection.table;
    const plan = budgetBytes != null ? chooseRanks(table, budgetBytes) : undefined;
    if (o.out != null) {
      mkdirSync(o.out, { recursive: true });
      await savePerplexityTable(join(o.out, 'perplexity-table.json'), table);
      if (plan) await writeFileAtomic(join(o.out, 'rank-plan.json'), JSON.stringify(plan, null, 2));
    }
    if (o.json) return emitJson({ table, plan });
    for (const layer of table.layers) {
      say(`## ${layer.name} (${storage} bytes)\n`);
      say(markdownTable(['ε', 'ranks', 'bytes', 'perplexity'], layer.candidates.map((c) => [c.epsilon, `[${c.ranks.join(', ')}]`, c.bytes, c.perplexity.toPrecision(4)])));
      say('');
    }
    if (plan) {
      say(`plan for ${budgetBytes} bytes: ${plan.totalBytes} bytes, total perplexity ${plan.totalPerplexity.toPrecision(4)}\n`);
      say(markdownTable(['layer', 'ε', 'ranks', 'bytes'], plan.layers.map((l) => [l.name, l.epsilon, `[${l.ranks.join(', ')}]`, l.bytes])));
    }
  } finally {
    pretrained.model.dispose();
  }
}
