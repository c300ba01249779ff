import { ArgumentError, tf } from '@odl/backend';
import { createLayerCompressor, type CalibrationLayer, type CompressedActivation, type LayerCompressor } from '@odl/core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Calibration } from './compress';
import { install, uninstall, type PlannedLayer } from './install';
import type { Layer } from './layer-access';

/** A vanilla compressor that also keeps the last input it compressed and the last output gradient it saw. */
class Capturing implements LayerCompressor {
  input: tf.Tensor | null = null;
  dy: tf.Tensor | null = null;
  constructor(private readonly inner: LayerCompressor) {}
  get method(): string {
    return this.inner.method;
  }
  get geometry() {
    return this.inner.geometry;
  }
  compress(input: tf.Tensor): CompressedActivation {
    if (this.input != null) tf.dispose(this.input);
    this.input = tf.keep(tf.clone(input));
    return this.inner.compress(input);
  }
  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    if (this.dy != null) tf.dispose(this.dy);
    this.dy = tf.keep(tf.clone(dy));
    return this.inner.weightGradient(saved, dy);
  }
  getState() {
    return null;
  }
  setState(): void {}
  dispose(): void {
    this.inner.dispose();
    tf.dispose([this.input, this.dy].filter((t): t is tf.Tensor => t != null));
  }
}

/**
 * Runs one exact (vanilla) training-mode forward and backward pass of the calibration batch with
 * the model prepared as it will be trained, and returns every part's input and output gradient:
 * what a method's planner chooses from (docs/method.md §5). Leaves the model's calls as they were;
 * the caller restores the `trainable` flags.
 */
export function calibrate(
  model: LayersModel,
  layers: readonly Layer[],
  planned: readonly PlannedLayer[],
  trainedRegion: ReadonlySet<Layer>,
  calibration: Calibration,
  batchSize: number,
): CalibrationLayer[] {
  const { x, y, loss } = calibration;
  if (x?.shape?.[0] !== batchSize || y?.shape?.[0] !== batchSize) {
    throw new ArgumentError(`compressLayersModel: the calibration batch must hold batchSize = ${batchSize} examples (x and y), got x [${x?.shape?.join(', ')}] and y [${y?.shape?.join(', ')}]`);
  }
  if (typeof loss !== 'function') throw new ArgumentError('compressLayersModel: calibration.loss must be a loss function (yTrue, yPred) => loss');
  const captures = new Map<string, Capturing>();
  for (const p of planned) for (const { part, name } of p.named) captures.set(name, new Capturing(createLayerCompressor('vanilla', part.geometry, {})));
  const names = (layer: Layer) => planned.find((p) => p.layer === layer)!.named.map((n) => n.name);
  install(layers, planned, trainedRegion, (layer) => names(layer).map((n) => captures.get(n)!));
  try {
    const variables = planned.flatMap((p) => p.named.map((n) => n.part.weight.read() as tf.Variable));
    const { value, grads } = tf.variableGrads(() => tf.mean(loss(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, variables);
    tf.dispose([value, ...Object.values(grads)]);
    return planned.flatMap((p) =>
      p.named.map(({ part, name }) => {
        const c = captures.get(name)!;
        if (c.input == null || c.dy == null) throw new ArgumentError(`compressLayersModel: part '${name}' recorded no input or gradient on the calibration batch; is it connected to the model's output?`);
        const out: CalibrationLayer = { name, index: p.index, geometry: part.geometry, input: c.input, dy: c.dy };
        c.input = null;
        c.dy = null;
        return out;
      }),
    );
  } finally {
    uninstall(layers);
    for (const c of captures.values()) c.dispose();
  }
}
