import { ArgumentError, tf } from '@odl/backend';
import type { CalibrationLayer, CompressedActivation, LayerCompressor } from '@odl/core';
import { makeBatch, type InputSpec, type LabeledImages } from '../train/data';
import { crossEntropy } from '../train/loss';
import type { ZooModel } from '../zoo/model';
import type { ClassifierTraining } from './layers';
import { prepareFineTune, resetFineTune } from './prepare';

class CapturingCompressor implements LayerCompressor {
  input: tf.Tensor | null = null;
  dy: tf.Tensor | null = null;
  constructor(private readonly inner: LayerCompressor) {}
  get method() {
    return this.inner.method;
  }
  get geometry() {
    return this.inner.geometry;
  }
  compress(input: tf.Tensor): CompressedActivation {
    this.input?.dispose();
    this.input = tf.keep(tf.clone(input));
    return this.inner.compress(input);
  }
  weightGradient(saved: CompressedActivation, dy: tf.Tensor): tf.Tensor {
    this.dy?.dispose();
    this.dy = tf.keep(tf.clone(dy));
    return this.inner.weightGradient(saved, dy);
  }
  getState() {
    return this.inner.getState();
  }
  setState(s: Parameters<LayerCompressor['setState']>[0]) {
    this.inner.setState(s);
  }
  dispose() {
    this.inner.dispose();
    this.input?.dispose();
    this.dy?.dispose();
  }
}

/** Options of {@link captureLayerTensors}. */
export interface CaptureOptions {
  /** N: the last N compressible layers (docs/method.md §7), or `'all'`. */
  lastN: number | 'all';
  /** Whether the classifier counts among them (default `'exact'`: it does not). */
  classifier?: ClassifierTraining;
  /** Images; the first `batchSize` form the batch. Labels are taken modulo the model's classes. */
  images: LabeledImages;
  /** Input preparation. */
  input: InputSpec;
  /** Batch size. */
  batchSize: number;
}

/**
 * Runs one exact (vanilla) forward and backward pass of the first `batchSize` images and returns,
 * for each of the last N layers, its input and output gradient: what a method's planner chooses
 * from (ASI's rank selection, docs/method.md §5) and what a data-dependent method's cost counts
 * (`costOptionsFor`). Leaves the model un-prepared. Labels are taken modulo the model's classes.
 *
 * @example
 * ```ts
 * const layers = captureLayerTensors(model, { lastN: 4, images, input, batchSize: 32 });
 * tf.dispose(layers.flatMap((l) => [l.input, l.dy]));
 * ```
 */
export function captureLayerTensors(model: ZooModel, options: CaptureOptions): CalibrationLayer[] {
  const b = options.batchSize;
  const n = options.images.shape[0];
  if (n < b) throw new ArgumentError(`the calibration set has ${n} images, fewer than the batch size ${b}; pass more images or a smaller batch`);
  const inputShape: [number, number, number, number] = [b, options.input.height, options.input.width, options.input.channels];
  const setup = prepareFineTune(model, { lastN: options.lastN, inputShape, method: 'vanilla', classifier: options.classifier });
  const captured = setup.trained.filter((l) => l.role === 'compressed');
  const captures = new Map<string, CapturingCompressor>();
  for (const l of captured) {
    const rt = model.runtime.get(l.name)!;
    const cap = new CapturingCompressor(rt.compressor!);
    rt.compressor = cap;
    captures.set(l.name, cap);
  }
  const out: CalibrationLayer[] = [];
  try {
    const k = model.config.numClasses;
    const labels = { ...options.images, labels: Int32Array.from(options.images.labels, (v) => v % k), numClasses: k };
    const { x, y } = makeBatch(labels, Array.from({ length: b }, (_, i) => i), options.input);
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true }), y), [...model.trainableWeights().values()]);
    tf.dispose([x, y, value, ...Object.values(grads)]);
    for (const l of captured) {
      const cap = captures.get(l.name)!;
      if (!cap.input || !cap.dy) throw new ArgumentError(`layer '${l.name}' recorded no input/gradient during calibration`);
      out.push({ name: l.name, index: l.spec.index, geometry: l.spec.geometry, input: tf.keep(tf.clone(cap.input)), dy: tf.keep(tf.clone(cap.dy)) });
    }
    return out;
  } catch (e) {
    tf.dispose(out.flatMap((l) => [l.input, l.dy]));
    throw e;
  } finally {
    resetFineTune(model);
  }
}
