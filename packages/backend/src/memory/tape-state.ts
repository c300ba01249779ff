import type { tf } from '../engine';
import { engineInternal } from './engine-internals';

/**
 * True when tfjs is recording a gradient tape right now (inside `tf.grads`, `variableGrads`,
 * `minimize`, and not inside another op's kernel). The compressed ops compress only then.
 *
 * @example
 * ```ts
 * tf.grads(() => { console.log(isRecordingGradients()); return tf.sum(x); }); // true
 * ```
 */
export function isRecordingGradients(): boolean {
  const engine = engineInternal();
  return typeof engine.isTapeOn === 'function' ? engine.isTapeOn() : engine.state.gradientDepth > 0 && engine.state.kernelDepth === 0;
}

/**
 * Runs `fn` with the gradient tape paused: ops inside record no tape node and save no tensor
 * for backward, even inside `tf.variableGrads`. Used for the frozen part of a fine-tuned model,
 * whose outputs are constants for the gradient. Never use it around an op whose inputs depend on
 * a trained variable (its gradient would silently be lost).
 *
 * tfjs records an op only when `gradientDepth > 0 && kernelDepth === 0`; a kernel runs with
 * `kernelDepth` raised for exactly this reason, and this helper does the same.
 *
 * @example
 * ```ts
 * const features = withoutTape(() => tf.conv2d(x, frozenWeight, 1, 'same'));
 * ```
 */
export function withoutTape<T>(fn: () => T): T {
  const state = engineInternal().state;
  state.kernelDepth++;
  try {
    return fn();
  } finally {
    state.kernelDepth--;
  }
}

/** One node of the gradient tape: the kernel (or custom-gradient scope) that ran and what it saved for backward. */
export interface TapeNode {
  /** The kernel's name, or the enclosing scope's name for a `tf.customGrad` node. */
  readonly kernelName: string;
  /** The kernel's named inputs. */
  readonly inputs: Readonly<Record<string, tf.Tensor>>;
  /** Its outputs. */
  readonly outputs: readonly tf.Tensor[];
  /** The tensors it keeps for its gradient (clones: a shared buffer on cpu, a copy on wasm). */
  readonly saved?: readonly tf.Tensor[];
}

/**
 * The nodes of the gradient tape being recorded now, in recording order (empty when no tape is
 * recording). A read-only view for tests and meters: what ran under the tape and what it saved.
 *
 * @example
 * ```ts
 * tf.variableGrads(() => { const loss = f(); console.log(activeTapeNodes().map((n) => n.kernelName)); return loss; });
 * ```
 */
export function activeTapeNodes(): readonly TapeNode[] {
  return engineInternal().state.activeTape ?? [];
}
