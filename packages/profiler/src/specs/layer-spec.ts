import { ArgumentError } from '@odl/backend';
import { convOutputSize, type LayerGeometry } from '@odl/core';

/** One conv/dense layer of a model, in model order: its name and static geometry. */
export interface LayerSpec {
  /** Layer name, unique in the model (e.g. `'blocks.13.expand'`, `'layer4.1.conv2'`). */
  name: string;
  /** The layer's geometry (NHWC shapes, HWIO weights). */
  geometry: LayerGeometry;
}

/** Options shared by the spec generators. */
export interface SpecOptions {
  /** Input resolution (square images), pixels; default 224. */
  resolution?: number;
  /** Batch size; default 128. */
  batch?: number;
  /** Append the classifier as a dense layer; default false (convolutions only, as the paper counts). */
  includeClassifier?: boolean;
  /** Classes of the classifier; default 1000. */
  numClasses?: number;
}

/** Output [H', W'] of a k×k conv or pooling with stride s and symmetric padding (@odl/core's arithmetic). */
const spatialOut = (h: number, w: number, k: number, s: number, pad: number): [number, number] =>
  convOutputSize([h, w], [k, k], [s, s], [1, 1], [[pad, pad], [pad, pad]]);

/**
 * Tracks the running activation shape while a generator emits layers.
 *
 * @example
 * ```ts
 * const b = new SpecBuilder(128, 224);
 * b.conv('stem', 16, 3, 2);
 * b.layers[0].geometry.outputShape; // [128, 112, 112, 16]
 * ```
 */
export class SpecBuilder {
  /** Layers emitted so far. */
  readonly layers: LayerSpec[] = [];
  /** Current activation `[B, H, W, C]`. */
  shape: [number, number, number, number];

  /** @param batch - batch size; @param resolution - input size; @param channels - input channels */
  constructor(batch: number, resolution: number, channels = 3) {
    if (!Number.isInteger(batch) || batch < 1) throw new ArgumentError(`batch must be a positive integer, got ${batch}`);
    if (!Number.isInteger(resolution) || resolution < 8) throw new ArgumentError(`resolution must be an integer >= 8, got ${resolution}`);
    this.shape = [batch, resolution, resolution, channels];
  }

  /** Emits a conv2d (kernel k, stride s, symmetric padding ⌊k/2⌋ unless given) and advances the shape. */
  conv(name: string, cout: number, k: number, s = 1, pad = Math.floor(k / 2), input = this.shape): [number, number, number, number] {
    const [B, H, W, C] = input;
    const out: [number, number, number, number] = [B, ...spatialOut(H, W, k, s, pad), cout];
    this.layers.push({
      name,
      geometry: { kind: 'conv2d', inputShape: [...input], weightShape: [k, k, C, cout], outputShape: [...out], strides: [s, s], dilations: [1, 1], pad: [[pad, pad], [pad, pad]], groups: 1 },
    });
    this.shape = out;
    return out;
  }

  /** Emits a depthwise conv (multiplier 1) and advances the shape. */
  depthwise(name: string, k: number, s = 1, pad = Math.floor(k / 2)): void {
    const [B, H, W, C] = this.shape;
    const out: [number, number, number, number] = [B, ...spatialOut(H, W, k, s, pad), C];
    this.layers.push({
      name,
      geometry: { kind: 'depthwise', inputShape: [...this.shape], weightShape: [k, k, C, 1], outputShape: [...out], strides: [s, s], dilations: [1, 1], pad: [[pad, pad], [pad, pad]] },
    });
    this.shape = out;
  }

  /** Applies a pooling that changes only the spatial size. */
  pool(k: number, s: number, pad: number): void {
    const [B, H, W, C] = this.shape;
    this.shape = [B, ...spatialOut(H, W, k, s, pad), C];
  }

  /** Emits the classifier on globally pooled features. */
  classifier(name: string, numClasses: number): void {
    const [B, , , C] = this.shape;
    this.layers.push({ name, geometry: { kind: 'dense', inputShape: [B, C], weightShape: [C, numClasses], outputShape: [B, numClasses] } });
  }
}

/**
 * The last `n` layers of a model (the fine-tuned ones, docs/method.md §7); all when `n` ≥ the count.
 *
 * @example
 * ```ts
 * lastLayers(resnet18Specs(), 2).map((l) => l.name); // ['layer4.1.conv1', 'layer4.1.conv2']
 * ```
 */
export function lastLayers(specs: readonly LayerSpec[], n: number): LayerSpec[] {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`the number of fine-tuned layers must be a positive integer, got ${n}`);
  return specs.slice(Math.max(0, specs.length - n));
}
