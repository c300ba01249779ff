import { describe, expect, it } from 'vitest';
import { setupBackend, tf } from '../src/index';
import { maxRelError } from '@odl/test-utils';
import { seededValues } from './kernels-reference';
import { simdAccumulator } from '../src/kernels/simd-accumulate';

// A small network with every layer kind one fine-tuning step of MobileNetV2 / ResNet needs:
// an inverted-residual block with a residual add (1×1 expand, batchNorm, relu6, depthwise 3×3,
// 1×1 project), a stride-2 inverted-residual block, a ResNet basic block (3×3 stride 2, fused
// conv+bias+relu, 1×1 shortcut, max pool), average pooling, a dense layer and softmax
// cross-entropy.
const SHAPES: Record<string, number[]> = {
  aE: [1, 1, 4, 12], aDw: [3, 3, 12, 1], aP: [1, 1, 12, 4],
  bE: [1, 1, 4, 12], bDw: [3, 3, 12, 2], bP: [1, 1, 24, 8],
  r1: [3, 3, 8, 8], r1b: [8], r2: [3, 3, 8, 8], rs: [1, 1, 8, 8],
  g1: [12], be1: [12], g2: [12], be2: [12], g3: [24], be3: [24], g4: [8], be4: [8],
  fc: [8, 5], fcb: [5],
};

function initialValues(): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  Object.entries(SHAPES).forEach(([name, shape], i) => {
    const v = seededValues(shape.reduce((a, b) => a * b), 40 + i);
    const gain = name.startsWith('g') ? 1 : 0;
    out[name] = v.map((e) => gain + 0.4 * e);
  });
  return out;
}

function bn(h: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  // Training-mode batch statistics, so gradients flow through mean and variance as well.
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  return tf.batchNorm(h, mean, variance, b, g, 1e-3);
}

function net(x: tf.Tensor4D, p: Record<string, tf.Tensor>): tf.Tensor2D {
  const c = (t: tf.Tensor) => t as tf.Tensor4D;
  let h = tf.relu6(bn(tf.conv2d(x, c(p.aE), 1, 'same'), p.g1, p.be1));
  h = tf.relu6(bn(tf.depthwiseConv2d(c(h), c(p.aDw), 1, 'same'), p.g2, p.be2));
  const a = tf.add(x, tf.conv2d(c(h), c(p.aP), 1, 'same'));
  h = tf.relu6(bn(tf.conv2d(c(a), c(p.bE), 1, 'same'), p.g1, p.be1));
  h = tf.relu6(bn(tf.depthwiseConv2d(c(h), c(p.bDw), 2, 'same'), p.g3, p.be3));
  const bOut = tf.conv2d(c(h), c(p.bP), 1, 'same');
  let r: tf.Tensor = tf.fused.conv2d({ x: c(bOut), filter: c(p.r1), strides: 2, pad: 'same', bias: p.r1b, activation: 'relu' });
  r = bn(tf.conv2d(c(r), c(p.r2), 1, 'same'), p.g4, p.be4);
  r = tf.relu(tf.add(r, tf.conv2d(c(bOut), c(p.rs), 2, 'same')));
  const m = tf.maxPool(c(r), 3, 1, 'same');
  const pooled = tf.reshape(tf.avgPool(m, [m.shape[1], m.shape[2]], 1, 'valid'), [x.shape[0], 8]);
  return tf.add(tf.matMul(pooled as tf.Tensor2D, p.fc as tf.Tensor2D), p.fcb) as tf.Tensor2D;
}

const X_SHAPE: [number, number, number, number] = [3, 9, 9, 4];
const LABELS = [0, 3, 4];

function gradsOn(backend: 'cpu' | 'wasm'): Promise<Record<string, Float32Array>> {
  return setupBackend({ prefer: [backend] }).then(() => {
    const init = initialValues();
    const names = Object.keys(SHAPES);
    const params = names.map((n) => tf.tensor(init[n], SHAPES[n]));
    const x = tf.tensor4d(seededValues(X_SHAPE.reduce((a, b) => a * b), 7), X_SHAPE);
    const y = tf.oneHot(tf.tensor1d(LABELS, 'int32'), 5);
    const loss = (...ps: tf.Tensor[]) =>
      tf.losses.softmaxCrossEntropy(y, net(x, Object.fromEntries(names.map((n, i) => [n, ps[i]])))) as tf.Scalar;
    const grads = tf.grads(loss)(params);
    const out = Object.fromEntries(names.map((n, i) => [n, grads[i].dataSync() as Float32Array]));
    tf.dispose([...params, ...grads, x, y]);
    return out;
  });
}

describe('training through odl kernels', () => {
  it('gradients of a small conv net agree between cpu and wasm', async () => {
    const cpu = await gradsOn('cpu');
    const wasm = await gradsOn('wasm');
    for (const name of Object.keys(SHAPES)) {
      expect(cpu[name].every(Number.isFinite), name).toBe(true);
      expect(Math.max(...cpu[name].map(Math.abs)), `${name} gradient is not trivially zero`).toBeGreaterThan(1e-6);
      expect(maxRelError(wasm[name], cpu[name]), name).toBeLessThanOrEqual(1e-4);
    }
  });

  it('runs SGD fine-tuning steps on wasm with no missing kernel and no tensor leak', async () => {
    await setupBackend({ prefer: ['wasm'] });
    const init = initialValues();
    const vars = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, tf.variable(tf.tensor(init[n], s), true, `ft-${n}`)]));
    const x = tf.tensor4d(seededValues(X_SHAPE.reduce((a, b) => a * b), 7), X_SHAPE);
    const y = tf.oneHot(tf.tensor1d(LABELS, 'int32'), 5);
    const opt = tf.train.sgd(0.05);
    const losses: number[] = [];
    const counts: number[] = [];
    for (let step = 0; step < 6; step++) {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net(x, vars)) as tf.Scalar, true);
      losses.push((loss as tf.Scalar).dataSync()[0]);
      loss?.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]).toBeLessThan(losses[0]);
    expect(new Set(counts.slice(1)).size).toBe(1);
    opt.dispose();
    tf.dispose([x, y, ...Object.values(vars)]);
  });

  it('uses odl kernels where wasm has none', async () => {
    await setupBackend({ prefer: ['wasm'] });
    for (const name of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'Conv2DBackpropInput']) {
      expect((tf.getKernel(name, 'wasm') as { odl?: boolean } | undefined)?.odl, name).toBe(true);
    }
    expect(simdAccumulator(), 'WebAssembly SIMD is available in Node 20').not.toBeNull();
  });
});
