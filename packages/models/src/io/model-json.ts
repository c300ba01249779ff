import type { tf } from '@odl/backend';
import { CheckpointError } from './checkpoint-error';

/** The fields of a tfjs `model.json`, validated; `paths` are the weight files in manifest order. */
export interface ParsedModelJson {
  /** Artifacts without weight data (`weightSpecs` concatenated over the manifest's groups). */
  artifacts: Omit<tf.io.ModelArtifacts, 'weightData'>;
  /** Weight file paths as written in the manifest, in order. */
  paths: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/**
 * Parses the text of a tfjs `model.json` and checks its structure: a JSON object whose
 * `weightsManifest` is a list of `{ paths: string[], weights: [] }` groups, paths relative
 * and inside the folder (no `..`, not absolute), `modelTopology` and `userDefinedMetadata`
 * objects when present, `format`/`generatedBy` strings when present. The weight entries
 * themselves are checked later against the weight data (`checkWeightSpecs`). Throws a
 * {@link CheckpointError} naming `file`.
 *
 * @example
 * ```ts
 * const { artifacts, paths } = parseModelJson(readFileSync('ckpt/model.json', 'utf8'), 'ckpt/model.json');
 * ```
 */
export function parseModelJson(text: string, file: string): ParsedModelJson {
  const fail = (message: string): never => {
    throw new CheckpointError(message, file);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`not valid JSON (${(e as Error).message}); the checkpoint is corrupt`);
  }
  if (!isRecord(json)) return fail(`holds ${show(json)}, not a model.json object; the checkpoint is corrupt`);
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) return fail(`weightsManifest is ${show(manifest)}, not a list; it is not a tfjs model.json or it is corrupt`);
  const specs: unknown[] = [];
  const paths: string[] = [];
  for (const [i, group] of manifest.entries()) {
    if (!isRecord(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) fail(`weightsManifest[${i}] is ${show(group)}, not { paths: [...], weights: [...] }; the checkpoint is corrupt`);
    const g = group as { paths: unknown[]; weights: unknown[] };
    for (const p of g.paths) {
      if (typeof p !== 'string' || p.length === 0 || p.startsWith('/') || p.startsWith('\\') || /^[a-z]:/i.test(p) || p.split(/[\\/]/).includes('..')) {
        fail(`weightsManifest[${i}] names weight file ${show(p)}; weight files must be relative paths inside the checkpoint folder`);
      }
      paths.push(p as string);
    }
    specs.push(...g.weights);
  }
  for (const field of ['modelTopology', 'userDefinedMetadata'] as const) {
    if (json[field] != null && !isRecord(json[field])) fail(`${field} is ${show(json[field])}, not an object; the checkpoint is corrupt`);
  }
  for (const field of ['format', 'generatedBy', 'convertedBy'] as const) {
    if (json[field] != null && typeof json[field] !== 'string') fail(`${field} is ${show(json[field])}, not a string; the checkpoint is corrupt`);
  }
  return {
    artifacts: {
      modelTopology: json.modelTopology as object | undefined,
      format: json.format as string | undefined,
      generatedBy: json.generatedBy as string | undefined,
      convertedBy: (json.convertedBy as string | null | undefined) ?? undefined,
      weightSpecs: specs as tf.io.WeightsManifestEntry[],
      userDefinedMetadata: json.userDefinedMetadata as Record<string, object> | undefined,
    },
    paths,
  };
}
