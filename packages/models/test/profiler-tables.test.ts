// docs/profiler-tables.md is rendered from the measured ranks it is generated from
// (docs/profiler-tables.ranks.json, packages/models/scripts/profiler-tables/): this test re-renders
// it and fails when the committed document is out of date with the ranks, the zoo or a cost model.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend } from '@odl/backend';
import { registerBuiltinMethods } from '@odl/models';
import { parseRanksFile, RanksFileError, type RanksFile } from '../scripts/profiler-tables/ranks-file';
import { renderProfilerTables, WRITE_COMMAND } from '../scripts/profiler-tables/render';
import { DATASETS, referenceBudget, REFERENCE_BUDGETS_MIB, TABLE_ROWS } from '../scripts/profiler-tables/setup';

const docs = join(__dirname, '../../../docs');
let text: string;
let ranks: RanksFile;

beforeAll(async () => {
  await setupBackend({ prefer: ['cpu'] });
  registerBuiltinMethods();
  text = await readFile(join(docs, 'profiler-tables.ranks.json'), 'utf8');
  ranks = parseRanksFile(text);
});

describe('docs/profiler-tables.md', () => {
  it(`is up to date with the measured ranks and the cost models (regenerate: ${WRITE_COMMAND})`, async () => {
    const committed = await readFile(join(docs, 'profiler-tables.md'), 'utf8');
    expect(committed).toBe(renderProfilerTables(ranks));
  });

  it("the ranks were measured at the setup's reference budgets: the smallest and the largest of each model and N", () => {
    for (const m of ranks.models) {
      for (const s of m.settings) {
        expect(DATASETS.map((d) => s.referenceBudgetsMiB[d]), `${m.architecture} N=${s.lastN}`).toEqual(REFERENCE_BUDGETS_MIB[m.architecture]?.[s.lastN]);
        for (const row of TABLE_ROWS) {
          if (row.source.from !== 'plan') continue;
          const r = s.rows[row.id]!;
          expect(r.budget?.mib, `${m.architecture} N=${s.lastN} ${row.id}`).toBe(referenceBudget(m.architecture, s.lastN, row.source.budget).mib);
          // a plan never exceeds its budget; without one, the planner's error names the smallest memory, above the budget
          if (r.plan != null) expect(r.plan.totalBytes).toBeLessThanOrEqual(r.budget!.bytes);
          else expect(r.error?.smallestBytes).toBeGreaterThan(r.budget!.bytes);
        }
      }
    }
  });

  it("a budget no plan fits shows the planner's error in place of numbers", () => {
    const tight = structuredClone(ranks);
    const row = TABLE_ROWS.find((r) => r.source.from === 'plan')!;
    const setting = tight.models[0]!.settings[0]!;
    const message = 'no rank plan fits a budget of 1 bytes: the smallest possible activation memory is 99 bytes';
    setting.rows[row.id] = { method: row.method, budget: { mib: 1 / 2 ** 20, bytes: 1, datasets: ['pets'] }, error: { code: 'budget-too-small', message, smallestBytes: 99 } };
    const md = renderProfilerTables(tight);
    expect(md).toContain(`| 2 | ${row.label.replace('{budget}', String(1 / 2 ** 20))} | — | — |`);
    expect(md).toContain(`the planner found no plan (budget-too-small): ${message}`);
  });

  it('refuses a file of another layout, resolution or layer list, naming the fix', () => {
    expect(() => parseRanksFile('{"schemaVersion": 0}')).toThrow(RanksFileError);
    expect(() => parseRanksFile('not json')).toThrow(/regenerate it with node packages\/models\/scripts\/run-ts.mjs/);
    expect(() => renderProfilerTables({ ...ranks, resolution: 64 })).toThrow(/the tables are at 224×224, batch 128/);
    const moved = structuredClone(ranks);
    moved.models[0]!.settings[0]!.layers.reverse();
    expect(() => renderProfilerTables(moved)).toThrow(/are not the zoo's last 2/);
  });
});
