import { isRecordingGradients, tf, withoutTape } from '@odl/backend';
import { compressedConv2d, compressedDense, compressedDepthwiseConv2d, frozenBatchNorm, relu6Masked, reluMasked, type LayerCompressor } from '@odl/core';
import type { CompressiblePart } from './compressible';
import { fieldsOf, oneInput, type Layer, type LayerCall } from './layer-access';

/** ReLU and ReLU6 keep a 1-bit mask for backward (`@odl/core`'s masked ops); other activations run as tfjs-layers runs them. */
function activate(name: string, x: tf.Tensor, stock: (x: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (name === 'relu') return reluMasked(x);
  if (name === 'relu6') return relu6Masked(x);
  return stock(x);
}

/**
 * The call of a compressed layer: its convolutions or matrix product run through `@odl/core`'s
 * compressed ops (exact forward, input and bias gradients; the weight gradient from what the
 * method's compressor kept), then the layer's activation. `inputGradient` is false when nothing
 * trained lies upstream (the first trained layer after the frozen prefix). With no gradient tape
 * (predict, evaluate, validation) it is the stock call, so predictions equal plain tfjs' bit for bit.
 */
export function compressedCall(layer: Layer, stock: LayerCall, parts: readonly CompressiblePart[], compressors: readonly LayerCompressor[], inputGradient: boolean): LayerCall {
  const f = fieldsOf(layer);
  return (inputs, kwargs) => {
    if (!isRecordingGradients()) return stock.call(layer, inputs, kwargs);
    return tf.tidy(() => {
      let y = oneInput(inputs);
      parts.forEach((part, i) => {
        const c = compressors[i]!;
        const w = part.weight.read() as tf.Tensor4D;
        const b = part.bias == null ? null : (part.bias.read() as tf.Tensor1D);
        const opts = { inputGradient: i === 0 ? inputGradient : true };
        if (part.geometry.kind === 'conv2d') y = compressedConv2d(y as tf.Tensor4D, w, b, opts, c);
        else if (part.geometry.kind === 'depthwise') y = compressedDepthwiseConv2d(y as tf.Tensor4D, w, b, opts, c);
        else y = compressedDense(y, w as unknown as tf.Tensor2D, b, c, opts);
      });
      const act = f.activation;
      return act == null ? y : activate(act.getClassName(), y, (x) => act.apply(x));
    });
  };
}

/**
 * The frozen prefix's outputs still to be consumed in this training step, by tensor. tfjs-layers'
 * executor keeps every intermediate output of a training step alive until the step ends (it frees
 * them early only in inference); the frozen prefix records nothing on the tape, so each of its
 * outputs is released as soon as the last prefix layer that reads it has run.
 */
export class ConsumedRelease {
  private readonly left = new WeakMap<tf.Tensor, number>();
  /**
   * Counts one use of each input and releases an input whose uses are all done, unless the layer
   * passed it through as its output (`outputs`: an identity layer; {@link ConsumedRelease.produced}
   * then carries its count on).
   */
  consume(inputs: readonly tf.Tensor[], outputs: readonly tf.Tensor[]): void {
    for (const t of inputs) {
      const n = this.left.get(t);
      if (n == null) continue;
      if (n > 1 || outputs.includes(t)) {
        this.left.set(t, n - 1);
        continue;
      }
      this.left.delete(t);
      if (!t.isDisposed) t.dispose();
    }
  }
  /**
   * Registers the outputs of a prefix layer that `uses` prefix inputs will read (`null`: a layer
   * outside the prefix reads them, so they are never released). An output that is one of the
   * `inputs` (an identity layer) keeps its count plus `uses`, or becomes untracked.
   */
  produced(outputs: readonly tf.Tensor[], uses: number | null, inputs: readonly tf.Tensor[]): void {
    for (const o of outputs) {
      if (inputs.includes(o)) {
        const n = this.left.get(o);
        if (n == null) continue;
        if (uses == null) this.left.delete(o);
        else this.left.set(o, n + uses);
      } else if (uses != null) {
        this.left.set(o, uses);
      }
    }
  }
}

const asList = (t: tf.Tensor | tf.Tensor[]): tf.Tensor[] => (Array.isArray(t) ? t : [t]);

/**
 * The call of a layer of the frozen prefix (nothing trained upstream): the stock call with the
 * gradient tape paused, so it records nothing and keeps nothing for backward; BatchNormalization
 * runs in inference mode (its moving statistics, not the batch's; nothing is updated), as Keras
 * runs a BatchNormalization layer whose `trainable` is false. In a training step its inputs are
 * released once every prefix layer reading them has run (`release`), and its output is
 * registered with its `uses` when only prefix layers read it.
 */
export function frozenPrefixCall(layer: Layer, stock: LayerCall, release: ConsumedRelease, uses: number | null): LayerCall {
  const isBatchNorm = layer.getClassName() === 'BatchNormalization';
  return (inputs, kwargs) => {
    const out = withoutTape(() => stock.call(layer, inputs, isBatchNorm ? { ...kwargs, training: false } : kwargs));
    if (isRecordingGradients()) {
      release.consume(asList(inputs), asList(out));
      release.produced(asList(out), uses, asList(inputs));
    }
    return out;
  };
}

/**
 * The call of a frozen layer downstream of a trained one (its input gradient is needed): a
 * BatchNormalization over the last axis in inference mode keeping only per-channel constants
 * (`frozenBatchNorm`), ReLU / ReLU6 keeping 1-bit masks; any other layer runs its stock call
 * (BatchNormalization over another axis in inference mode). With no gradient tape, the stock call
 * (BatchNormalization in inference mode).
 */
export function frozenSuffixCall(layer: Layer, stock: LayerCall): LayerCall {
  const lean = leanSuffixCall(layer, stock);
  const isBatchNorm = layer.getClassName() === 'BatchNormalization';
  return (inputs, kwargs) => {
    if (isRecordingGradients()) return lean(inputs, kwargs);
    return stock.call(layer, inputs, isBatchNorm ? { ...kwargs, training: false } : kwargs);
  };
}

function leanSuffixCall(layer: Layer, stock: LayerCall): LayerCall {
  const f = fieldsOf(layer);
  const cls = layer.getClassName();
  if (cls === 'BatchNormalization') {
    return (inputs, kwargs) => {
      const x = oneInput(inputs);
      const axis = Array.isArray(f.axis) ? (f.axis.length === 1 ? f.axis[0] : null) : f.axis;
      if (axis !== -1 && axis !== x.rank - 1) return stock.call(layer, inputs, { ...kwargs, training: false });
      return frozenBatchNorm(x, {
        mean: f.movingMean!.read() as tf.Tensor1D,
        variance: f.movingVariance!.read() as tf.Tensor1D,
        scale: f.gamma == null ? null : (f.gamma.read() as tf.Tensor1D),
        offset: f.beta == null ? null : (f.beta.read() as tf.Tensor1D),
        epsilon: f.epsilon,
      });
    };
  }
  if (cls === 'Activation' && f.activation != null) {
    const act = f.activation;
    return (inputs) => activate(act.getClassName(), oneInput(inputs), (x) => act.apply(x));
  }
  if (cls === 'ReLU' && (f.maxValue == null || f.maxValue === 6)) {
    return (inputs) => (f.maxValue == null ? reluMasked(oneInput(inputs)) : relu6Masked(oneInput(inputs)));
  }
  return (inputs, kwargs) => stock.call(layer, inputs, kwargs);
}
