import { tf } from '../engine';
import { ArgumentError } from '../errors';
import { engineInternal, type TapeNodeInternal } from './engine-internals';
import { countSaved } from './saved-on-tape';

/** Result of {@link measureSavedForBackward}. */
export interface SavedForBackward {
  /** Bytes of the unique buffers (by dataId) that the tape keeps for backward. */
  bytes: number;
  /** Number of those unique buffers. */
  tensors: number;
  /**
   * The same bytes split by the kernel that first saved each buffer. A `tf.customGrad` node is
   * named after its enclosing scope (`tf.tidy(name, …)`), or `'customGrad'` at the top of `f`.
   */
  byKernel: Record<string, number>;
  /** The same bytes split by dtype (float32 and int32: 4 bytes per element, bool 1). */
  byDtype: Partial<Record<tf.DataType, number>>;
  /** Sum over tape nodes of their saved tensors' bytes without de-duplication (what naive counting reports). */
  bytesWithDuplicates: number;
  /** Tape nodes recorded by the forward pass. */
  nodes: number;
  /**
   * Bytes saved by the nodes on a path from `xs` to the output (what backward will actually read);
   * the rest is kept by tfjs anyway until the tape is dropped.
   */
  bytesOnPath: number;
}

/**
 * Runs the forward pass `f` under a gradient tape (as `tf.grads` / `tf.variableGrads` would),
 * then reports the buffers saved on the tape for backward, read at the point where backward would
 * start: every tape node's `saved` tensors (inputs/outputs named by the kernel's gradient, and
 * whatever `tf.customGrad` functions pass to `save()`), counted ONCE per buffer (dataId). This is
 * the activation memory of training, unlike `tf.memory().numBytes`, which counts shared buffers
 * more than once (docs/traps.md). On the cpu backend a saved clone shares its input's buffer; on wasm
 * a clone is a copy, so the saved copies are what is counted there.
 *
 * Backward itself is not run: the saved tensors and the output are disposed afterwards, so the
 * call leaks nothing. `xs` (default: every trainable variable) only selects `bytesOnPath`. Unlike
 * {@link savedOnActiveTape} (which reads a tape that is being recorded), variables count here.
 * Called inside an outer gradient tape, it measures its own nodes and leaves them to the outer tape.
 *
 * @example
 * ```ts
 * const m = measureSavedForBackward(() => tf.sum(tf.mul(x, w)), [w]);
 * // m.bytes === (x.size + w.size) * 4; m.byKernel.Multiply === m.bytes
 * ```
 */
export function measureSavedForBackward(f: () => tf.Tensor, xs?: tf.Tensor[]): SavedForBackward {
  if (typeof f !== 'function') throw new ArgumentError('measureSavedForBackward: f must be a function returning a tensor');
  const engine = engineInternal();
  const outer = engine.state.gradientDepth > 0;
  let nodes: TapeNodeInternal[] = [];
  let y!: tf.Tensor;
  const dropTape = () => {
    if (outer) return;
    // What Engine.gradients does after backward at depth 0: drop the tape and its saved tensors.
    for (const node of engine.state.activeTape ?? []) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
  };
  engine.startTape();
  try {
    y = tf.tidy('customGrad', () => {
      const tape = engine.state.activeTape!;
      const start = tape.length;
      const out = f();
      if (!(out instanceof tf.Tensor)) {
        throw new ArgumentError('measureSavedForBackward: f must return a tf.Tensor');
      }
      nodes = tape.slice(start);
      return out;
    });
  } catch (e) {
    dropTape();
    throw e;
  } finally {
    engine.endTape();
  }
  const sources = xs ?? Object.values(engine.state.registeredVariables).filter((v) => v.trainable);
  const onPath = nodesOnPath(nodes, sources, y);
  // Counted like savedOnActiveTape, with the variables' buffers: they are what backward reads too.
  const { bytes, buffers, byKernel, byDtype, bytesWithDuplicates, bytesOnPath } = countSaved(nodes, { includeVariables: true }, onPath);
  const result: SavedForBackward = { bytes, tensors: buffers, byKernel, byDtype, bytesWithDuplicates, nodes: nodes.length, bytesOnPath };
  y.dispose();
  dropTape();
  return result;
}

/** Ids of the nodes reachable from `xs` that lead to `y` (tfjs' getFilteredNodesXToY). */
function nodesOnPath(nodes: TapeNodeInternal[], xs: tf.Tensor[], y: tf.Tensor): Set<number> {
  const fromX = new Set<number>(xs.map((x) => x.id));
  const nodesFromX = new Set<number>();
  for (const node of nodes) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodesFromX.add(node.id);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set<number>([y.id]);
  const result = new Set<number>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      if (nodesFromX.has(node.id)) result.add(node.id);
    }
  }
  return result;
}
