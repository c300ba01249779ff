import { ArgumentError } from '@odl/backend';
import type { LayerRole, ModelLayerSpec } from '../zoo/types';

/**
 * How the classifier trains when it comes after the fine-tuned layers: `'exact'` (default, as in
 * the paper: plain backpropagation, neither compressed nor counted) or `'method'` (compressed by
 * the run's method like the other fine-tuned layers, and counted among the last N).
 */
export type ClassifierTraining = 'exact' | 'method';

/** The layers of a model split by how a fine-tuning run treats them. */
export interface FineTunedLayers {
  /** The last N compressible layers, in model order: trained through the run's method. */
  compressed: ModelLayerSpec[];
  /** The classifier when it comes after the fine-tuned layers and the method does not take it: trained exactly. */
  exact: ModelLayerSpec[];
  /**
   * Layers after the first fine-tuned one that are not counted (a transformer's attention
   * projections): frozen, but run on the gradient tape so the gradient reaches the fine-tuned
   * layers before them (`'frozen-on-tape'`, keeping nothing for a weight gradient). None in a CNN.
   */
  frozenOnTape: ModelLayerSpec[];
  /** Every layer before the first fine-tuned one: frozen, run off the gradient tape. */
  frozen: ModelLayerSpec[];
}

/**
 * "The last N layers" of a model, with one meaning everywhere (the session, the profiler, the
 * CLI, the web demo; docs/method.md §7): the last N compressible layers in model order (the
 * convolutions of a CNN, depthwise and pointwise alike; the MLP linears of a transformer, as in
 * the paper). Every layer before the first of them is frozen; the classifier after them trains
 * exactly unless `classifier` is `'method'`, which makes it one of the N; other layers after the
 * first of them (a transformer's attention projections) stay frozen on the gradient tape.
 *
 * @param specs - the model's layers in order (`model.layerSpecs(inputShape)` or `describeModel(…)`)
 * @param lastN - N, or `'all'` for every compressible layer
 * @example
 * ```ts
 * const { compressed, exact } = selectFineTunedLayers(model.layerSpecs([128, 64, 64, 1]), 2);
 * compressed.map((l) => l.name); // ['features.14.conv.1.0', 'features.14.conv.2'] (MCUNet-in1)
 * exact.map((l) => l.name);      // ['classifier']
 * ```
 */
export function selectFineTunedLayers(specs: readonly ModelLayerSpec[], lastN: number | 'all', classifier: ClassifierTraining = 'exact'): FineTunedLayers {
  if (classifier !== 'exact' && classifier !== 'method') {
    throw new ArgumentError(`classifier must be 'exact' or 'method', got ${JSON.stringify(classifier)}`);
  }
  const candidates = specs.filter((s) => s.compressible || (classifier === 'method' && s.role === 'classifier'));
  const n = lastN === 'all' ? candidates.length : lastN;
  if (!Number.isInteger(n) || n < 1 || n > candidates.length) {
    throw new ArgumentError(
      `lastN must be an integer in 1..${candidates.length} (the model's ${classifier === 'method' ? 'compressible layers and classifier' : 'compressible layers: convolutions, or MLP linears of a transformer'}) or 'all', got ${String(lastN)}`,
    );
  }
  const compressed = candidates.slice(candidates.length - n);
  const first = compressed[0]!.index;
  const chosen = new Set(compressed.map((s) => s.name));
  const after = specs.filter((s) => s.index > first && !chosen.has(s.name));
  return {
    compressed,
    exact: after.filter((s) => s.role === 'classifier' || s.compressible),
    frozenOnTape: after.filter((s) => s.role !== 'classifier' && !s.compressible),
    frozen: specs.filter((s) => s.index < first),
  };
}

/** Each layer role in words, plural, as "the last N …" says it. */
const ROLE_PLURALS: Readonly<Record<LayerRole, string>> = {
  conv: 'convolutions',
  'patch-embedding': 'patch embeddings',
  attention: 'attention projections',
  mlp: 'MLP linears',
  'patch-merging': 'patch-merging linears',
  classifier: 'classifiers',
};

/** What "the last N layers" counts in a model (see {@link describeLastN}). */
export interface LastNDescription {
  /** How many layers N may count at most: the model's compressible layers. */
  count: number;
  /** What they are, in words, plural (`'convolutions'`, `'MLP linears'`; roles joined by " and "). */
  layers: string;
  /** Their names, in model order. */
  names: string[];
}

/**
 * What "the last N layers" counts in a model, in words, for labels and messages (docs/method.md
 * §7): the compressible layers of its layer specs and their roles (a CNN's convolutions, a
 * transformer's MLP linears). One place for the wording, so that forms and CLIs say what
 * {@link selectFineTunedLayers} does.
 *
 * @param specs - the model's layers in order (`model.layerSpecs(inputShape)` or `describeModel(…)`)
 * @example
 * ```ts
 * const d = describeLastN(model.layerSpecs([1, 32, 32, 1])); // the shipped ViT
 * `last N of ${d.count} ${d.layers}`; // 'last N of 8 MLP linears'
 * ```
 */
export function describeLastN(specs: readonly ModelLayerSpec[]): LastNDescription {
  const counted = specs.filter((s) => s.compressible);
  const roles = [...new Set(counted.map((s) => s.role))];
  return { count: counted.length, layers: roles.map((r) => ROLE_PLURALS[r]).join(' and '), names: counted.map((s) => s.name) };
}
