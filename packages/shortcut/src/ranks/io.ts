import { writeFileAtomic } from '@odl/backend/node';
import { PerplexityTableError } from '../errors';
import { PERPLEXITY_TABLE_SCHEMA_VERSION, type PerplexityTable } from './table';

/**
 * Serialises a perplexity table to JSON (pretty-printed, stable field order).
 *
 * @example
 * ```ts
 * const json = serializePerplexityTable(table);
 * ```
 */
export function serializePerplexityTable(table: PerplexityTable): string {
  return `${JSON.stringify(table, null, 2)}\n`;
}

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isIntArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => Number.isInteger(v) && v >= 1);

/**
 * Parses and validates a table written by {@link serializePerplexityTable}. Throws
 * {@link PerplexityTableError} naming what is wrong (another schema version, a missing field).
 *
 * @example
 * ```ts
 * const table = parsePerplexityTable(json);
 * ```
 */
export function parsePerplexityTable(json: string): PerplexityTable {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new PerplexityTableError(`perplexity table is not valid JSON (${(e as Error).message}); re-run the measurement`);
  }
  const t = raw as Partial<PerplexityTable> | null;
  if (t == null || typeof t !== 'object' || t.schema !== 'odl.perplexity-table') {
    throw new PerplexityTableError(`not a perplexity table: field "schema" must be "odl.perplexity-table"`);
  }
  if (t.schemaVersion !== PERPLEXITY_TABLE_SCHEMA_VERSION) {
    throw new PerplexityTableError(
      `perplexity table has schema version ${String(t.schemaVersion)}, this @odl/shortcut reads version ${PERPLEXITY_TABLE_SCHEMA_VERSION}; re-run the measurement`,
    );
  }
  if (!Array.isArray(t.epsilons) || !t.epsilons.every(isNum) || !Array.isArray(t.layers)) {
    throw new PerplexityTableError('perplexity table: "epsilons" must be a number array and "layers" an array');
  }
  if (t.storage != null && t.storage !== 'float32' && t.storage !== 'int8') {
    throw new PerplexityTableError(`perplexity table: "storage" must be "float32" or "int8", got ${JSON.stringify(t.storage)}`);
  }
  t.layers.forEach((l, i) => {
    const where = `perplexity table layer ${i}`;
    if (l == null || typeof l.name !== 'string' || l.geometry == null || !isIntArray(l.geometry.inputShape) || !isNum(l.exactGradientNorm) || !Array.isArray(l.candidates)) {
      throw new PerplexityTableError(`${where}: needs name, geometry.inputShape, exactGradientNorm and candidates`);
    }
    l.candidates.forEach((c, j) => {
      const ok = c != null && isNum(c.epsilon) && isIntArray(c.ranks) && c.ranks.length === l.geometry.inputShape.length &&
        Number.isSafeInteger(c.elements) && Number.isSafeInteger(c.bytes) && c.bytes >= 0 && isNum(c.perplexity) && c.perplexity >= 0;
      if (!ok) throw new PerplexityTableError(`${where} ('${l.name}') candidate ${j}: needs epsilon, ranks (one per input axis), integer elements/bytes and a non-negative perplexity`);
    });
  });
  return t as PerplexityTable;
}

/**
 * Writes a table to a JSON file atomically (Node only, through `writeFileAtomic` of
 * `@odl/backend/node`): a reader never sees a half-written file.
 *
 * @example
 * ```ts
 * await savePerplexityTable('ranks/perplexity.json', table);
 * ```
 */
export async function savePerplexityTable(path: string, table: PerplexityTable): Promise<void> {
  await writeFileAtomic(path, serializePerplexityTable(table));
}

/**
 * Reads a table written by {@link savePerplexityTable} (Node only) and validates it.
 *
 * @example
 * ```ts
 * const table = await loadPerplexityTable('ranks/perplexity.json');
 * ```
 */
export async function loadPerplexityTable(path: string): Promise<PerplexityTable> {
  const fs = await import('node:fs/promises');
  return parsePerplexityTable(await fs.readFile(path, 'utf8'));
}
