import type { tf } from '../engine';
import { tensorBufferBytes } from './buffer-bytes';
import { engineInternal, gradientConfig, type TapeNodeInternal } from './engine-internals';

/** Which saved tensors {@link savedOnActiveTape} counts. */
export interface SavedTapeFilter {
  /**
   * Tensors that do not count (e.g. the model output a loss saves): a saved buffer that is one of
   * them, or the copy a kernel saved of one of them (on backends where a saved clone is a
   * physical copy, each saved tensor is matched to the input or output it copies through the
   * kernel's registered gradient config).
   */
  exclude?: readonly tf.Tensor[];
  /** Count only the tensors saved by the tape nodes that produced these tensors (e.g. a layer's output). */
  producedBy?: readonly tf.Tensor[];
  /**
   * Count the buffers of variables (and the copies kernels saved of them) too. Default false:
   * parameters are not activations.
   */
  includeVariables?: boolean;
}

/** Bytes held for backward by the tensors saved on the active gradient tape. */
export interface SavedOnTape {
  /** Unique bytes (each buffer counted once, by data id), excluding variables and excluded tensors. */
  bytes: number;
  /** Number of unique buffers counted. */
  buffers: number;
  /** Bytes by the kernel (or custom-gradient scope) that saved them; a shared buffer counts for its first saver. */
  byKernel: Record<string, number>;
}

/** Everything {@link countSaved} adds up (the public results are views of it). */
export interface SavedTally extends SavedOnTape {
  /** The same bytes split by dtype. */
  byDtype: Partial<Record<tf.DataType, number>>;
  /** Sum of the counted saved tensors' bytes without de-duplication. */
  bytesWithDuplicates: number;
  /** Unique bytes saved by the nodes whose ids are in `onPath`. */
  bytesOnPath: number;
}

/**
 * The tensors a kernel's saved tensors are copies of, in order, following the engine's rule
 * (inputs named in the gradient config, then the flagged outputs); null when unknown (custom
 * gradients have no registered config).
 */
function savedSources(node: TapeNodeInternal): tf.Tensor[] | null {
  const config = gradientConfig(node.kernelName);
  if (config == null) return null;
  const inputs = config.saveAllInputs ? Object.values(node.inputs) : (config.inputsToSave ?? []).map((n) => node.inputs[n]!);
  const outputs = node.outputs.filter((_, i) => config.outputsToSave?.[i]);
  return [...inputs, ...outputs];
}

/**
 * The one count of saved-for-backward buffers over tape nodes: each buffer once (by data id),
 * minus variables (unless `includeVariables`), excluded tensors and the copies kernels saved of
 * either; `onPath` selects the nodes whose saved bytes also go to `bytesOnPath`.
 */
export function countSaved(nodes: readonly TapeNodeInternal[], filter: SavedTapeFilter = {}, onPath: ReadonlySet<number> = new Set()): SavedTally {
  const skip = new Set<unknown>();
  if (!filter.includeVariables) for (const v of Object.values(engineInternal().state.registeredVariables)) skip.add(v.dataId);
  const excluded = new Set<unknown>((filter.exclude ?? []).map((t) => t.dataId));
  const produced = filter.producedBy ? new Set<unknown>(filter.producedBy.map((t) => t.dataId)) : null;
  const matchSources = skip.size > 0 || excluded.size > 0;
  const seen = new Set<unknown>();
  const seenOnPath = new Set<unknown>();
  const byKernel: Record<string, number> = {};
  const byDtype: Partial<Record<tf.DataType, number>> = {};
  let bytes = 0;
  let bytesWithDuplicates = 0;
  let bytesOnPath = 0;
  for (const node of nodes) {
    if (produced && !node.outputs.some((o) => o != null && produced.has(o.dataId))) continue;
    const saved = node.saved ?? [];
    const sources = matchSources ? savedSources(node) : null;
    saved.forEach((t, i) => {
      if (t == null || t.isDisposed || skip.has(t.dataId) || excluded.has(t.dataId)) return;
      const source = sources != null && sources.length === saved.length ? sources[i] : null;
      if (source != null && (excluded.has(source.dataId) || skip.has(source.dataId))) return;
      const b = tensorBufferBytes(t);
      bytesWithDuplicates += b;
      if (onPath.has(node.id) && !seenOnPath.has(t.dataId)) {
        seenOnPath.add(t.dataId);
        bytesOnPath += b;
      }
      if (seen.has(t.dataId)) return;
      seen.add(t.dataId);
      bytes += b;
      const k = node.kernelName || '(unnamed)';
      byKernel[k] = (byKernel[k] ?? 0) + b;
      byDtype[t.dtype] = (byDtype[t.dtype] ?? 0) + b;
    });
  }
  return { bytes, buffers: seen.size, byKernel, byDtype, bytesWithDuplicates, bytesOnPath };
}

/**
 * Reads the tensors saved for backward on the gradient tape that is being recorded now (call
 * it inside the function given to `tf.variableGrads` / `tf.grad`, after the loss is computed:
 * that is the moment backward starts). Buffers are counted once (by data id, so clones that
 * share a buffer are not double counted); variables' buffers and the copies kernels saved of
 * them (parameters, not activations) and those selected by `filter` are left out. Returns zeros
 * when no tape is recording. {@link measureSavedForBackward} runs a forward pass under its own
 * tape and counts the same way.
 *
 * @example
 * ```ts
 * let saved;
 * tf.variableGrads(() => { const loss = f(); saved = savedOnActiveTape(); return loss; });
 * ```
 */
export function savedOnActiveTape(filter: SavedTapeFilter = {}): SavedOnTape {
  const { bytes, buffers, byKernel } = countSaved(engineInternal().state.activeTape ?? [], filter);
  return { bytes, buffers, byKernel };
}
