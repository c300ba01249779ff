// Writes docs/profiler-tables.md from docs/profiler-tables.ranks.json (render.ts). Run from the
// repository root, after measure.ts or after a change to a method's cost model:
//   node packages/models/scripts/run-ts.mjs packages/models/scripts/profiler-tables/write.ts
import { readFile } from 'node:fs/promises';
import { setupBackend } from '@odl/backend';
import { writeFileAtomic } from '@odl/backend/node';
import { registerBuiltinMethods } from '@odl/models';
import { parseRanksFile } from './ranks-file';
import { renderProfilerTables } from './render';

await setupBackend({ prefer: ['cpu'] });
registerBuiltinMethods();
const file = parseRanksFile(await readFile('docs/profiler-tables.ranks.json', 'utf8'));
await writeFileAtomic('docs/profiler-tables.md', renderProfilerTables(file));
console.log('wrote docs/profiler-tables.md');
