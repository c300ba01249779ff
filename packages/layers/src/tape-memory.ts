import { isRecordingGradients, savedOnActiveTape, type SavedOnTape, type tf } from '@odl/backend';

/** A loss function as `model.compile` takes it: `(yTrue, yPred) => loss`. */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** What {@link tapeMemoryLoss} returns. */
export interface TapeMemoryLoss {
  /** The loss to give `model.compile`: the same values as the wrapped one. */
  loss: LossFunction;
  /**
   * One reading per training step of `model.fit` / `fitDataset`, in step order: the bytes the
   * gradient tape keeps for backward when the loss starts (`savedOnActiveTape` of `@odl/backend`:
   * unique buffers, variables and the model output left out).
   */
  readonly steps: SavedOnTape[];
}

/**
 * Wraps a loss function so that every training step of `model.fit` / `model.fitDataset` reads
 * what tfjs' gradient tape keeps for backward at the moment the loss is computed (the whole
 * forward pass has run): the activation memory of the step, measured the way odl measures its
 * zoo models (`savedOnActiveTape` of `@odl/backend`, docs/profiler-tables.md). Evaluation and
 * `predict` calls (no tape) are not recorded. The model output is not counted (the loss keeps it
 * whatever the method).
 *
 * @example
 * ```ts
 * const meter = tapeMemoryLoss(tf.metrics.categoricalCrossentropy);
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: meter.loss });
 * await model.fit(xs, ys, { epochs: 1 });
 * console.log(meter.steps.at(-1)!.bytes / 2 ** 20, 'MiB kept for backward');
 * ```
 */
export function tapeMemoryLoss(loss: LossFunction): TapeMemoryLoss {
  const steps: SavedOnTape[] = [];
  return {
    steps,
    loss: (yTrue, yPred) => {
      if (isRecordingGradients()) steps.push(savedOnActiveTape({ exclude: [yPred] }));
      return loss(yTrue, yPred);
    },
  };
}
