import { ArgumentError, SeededRandom } from '@odl/backend';
import { CorruptFileError } from '../errors';

/**
 * Normalises a relative path: backslashes become `/`, a leading `./` and repeated slashes go.
 *
 * @example
 * ```ts
 * normalizeRelativePath('.\\cat\\1.png'); // 'cat/1.png'
 * ```
 */
export function normalizeRelativePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/\/+/g, '/').replace(/^(\.\/)+/, '').replace(/^\//, '');
}

/**
 * Parses a split list: one relative image path per line (relative to the dataset root, e.g.
 * `cat/001.png`); blank lines and lines starting with `#` are skipped. A path listed twice is
 * a {@link CorruptFileError}.
 *
 * @example
 * ```ts
 * const train = parseSplitList(await readText('splits/train.txt'), 'splits/train.txt');
 * ```
 */
export function parseSplitList(text: string, file = '<split>'): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const p = normalizeRelativePath(t);
    if (p.split('/').includes('..')) throw new CorruptFileError(file, `line ${i + 1}: '${t}' leaves the dataset root ('..'); list paths relative to the root`);
    if (seen.has(p)) throw new CorruptFileError(file, `line ${i + 1}: '${t}' is listed twice`);
    seen.add(p);
    out.push(p);
  });
  return out;
}

/** Options of {@link ratioSplit}. */
export interface RatioSplitOptions {
  /** Fraction of items that go to the first part (default 0.8, the paper's 80/20 split of train). */
  ratio?: number;
  /** Seed of the selection (default 0). */
  seed?: number;
  /** Split each class separately so both parts keep the class proportions (default true). */
  stratified?: boolean;
}

/** The two parts of a {@link ratioSplit}, as sorted index lists. */
export interface SplitIndices {
  /** Indices of the first part (≈ ratio of the items). */
  train: Int32Array;
  /** Indices of the second part (the rest). */
  val: Int32Array;
}

/**
 * A seeded split of items into two parts (train/val), by default stratified by label: in each
 * class, round(ratio × count) items (drawn by a seeded shuffle) go to `train`. Indices come back
 * sorted, so the split does not reorder the data.
 *
 * @example
 * ```ts
 * const { train, val } = ratioSplit(ds.labels, { ratio: 0.8, seed: 0 });
 * const trainSet = selectIndices(ds, train);
 * ```
 */
export function ratioSplit(labels: ArrayLike<number>, options: RatioSplitOptions = {}): SplitIndices {
  const ratio = options.ratio ?? 0.8;
  if (!(ratio >= 0 && ratio <= 1)) throw new ArgumentError(`ratioSplit: ratio must be in [0, 1], got ${ratio}`);
  const stratified = options.stratified ?? true;
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const key = stratified ? labels[i] : 0;
    let g = groups.get(key);
    if (g == null) groups.set(key, (g = []));
    g.push(i);
  }
  const rng = new SeededRandom(options.seed ?? 0);
  const train: number[] = [];
  const val: number[] = [];
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const g = rng.shuffle(groups.get(key)!);
    const k = Math.round(ratio * g.length);
    for (let j = 0; j < g.length; j++) (j < k ? train : val).push(g[j]);
  }
  return { train: Int32Array.from(train.sort((a, b) => a - b)), val: Int32Array.from(val.sort((a, b) => a - b)) };
}
