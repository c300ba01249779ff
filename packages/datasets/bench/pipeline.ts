// Data pipeline throughput next to the training step that consumes it (wasm backend).
import { setupBackend, tf } from '@odl/backend';
import {
  FASHION_MNIST_STATS, compose, grayscaleToRgb, jsBatches, loadEmbeddedFashionMnist, normalize, resize, toTensorBatch,
  type JsBatch,
} from '../src/index';
import { heNormal, median, type BenchRow } from '@odl/test-utils';

/** Options of {@link benchDataPipeline}. */
export interface PipelineBenchOptions {
  /** Output side in pixels (default 32). */
  size?: number;
  /** Batch size (default 64). */
  batchSize?: number;
  /** Timed training steps per round (default 8, after 2 warm-up steps). */
  trainSteps?: number;
  /** Alternating rounds of (one data epoch, trainSteps training steps) (default 3). */
  rounds?: number;
}

/** A small convnet: conv3x3(3→16)+ReLU, maxpool 2, conv3x3(16→32)+ReLU, global mean, dense(32→5). */
function makeNet(channels: number, classes: number): { vars: tf.Variable[]; loss: (x: tf.Tensor4D, y: tf.Tensor1D) => tf.Scalar } {
  const w1 = heNormal([3, 3, channels, 16], 9 * channels, 1);
  const b1 = tf.variable(tf.zeros([16]));
  const w2 = heNormal([3, 3, 16, 32], 9 * 16, 2);
  const b2 = tf.variable(tf.zeros([32]));
  const w3 = heNormal([32, classes], 32, 3);
  const b3 = tf.variable(tf.zeros([classes]));
  const loss = (x: tf.Tensor4D, y: tf.Tensor1D): tf.Scalar => {
    let h = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), b1));
    h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
    h = tf.relu(tf.add(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'same'), b2));
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const logits = tf.add(tf.matMul(pooled, w3 as tf.Tensor2D), b3);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(y, classes), logits) as tf.Scalar;
  };
  return { vars: [w1, b1, w2, b2, w3, b3], loss };
}

/**
 * Measures, in one run on the wasm backend, images/s of the data pipeline (decode the embedded
 * Fashion-MNIST IDX .gz, resize 28→`size` bilinear, normalise, grey→RGB, batch and upload as
 * tensors) and images/s of a training step that consumes those batches (a small convnet,
 * forward + backward with `tf.variableGrads` + SGD update), and their ratio. The two are timed
 * in alternating rounds (one data epoch, then `trainSteps` steps) and the medians reported, so
 * that load from other processes affects both sides alike. Returns the rows (`odl bench` prints
 * them).
 *
 * @example
 * ```ts
 * const rows = await benchDataPipeline({ size: 32 });
 * ```
 */
export async function benchDataPipeline(options: PipelineBenchOptions = {}): Promise<BenchRow[]> {
  const size = options.size ?? 32;
  const batchSize = options.batchSize ?? 64;
  const trainSteps = options.trainSteps ?? 8;
  const rounds = options.rounds ?? 3;
  const info = await setupBackend({ prefer: ['wasm'] });
  // Normalising the single grey channel before replicating it does a third of the work.
  const transform = compose(resize(size, size), normalize(FASHION_MNIST_STATS), grayscaleToRgb());

  const net = makeNet(3, 5);
  const lr = 0.05;
  let trainBatches: JsBatch[] = [];
  const step = (k: number): number => {
    const { x, y } = toTensorBatch(trainBatches[k % trainBatches.length]);
    const value = tf.tidy(() => {
      const { value: lossValue, grads } = tf.variableGrads(() => net.loss(x, y), net.vars);
      for (const v of net.vars) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
      return lossValue.dataSync()[0];
    });
    tf.dispose([x, y]);
    return value;
  };

  // Warm-up epoch of the data pipeline (JIT compilation), as the training side gets warm-up steps.
  for (const b of jsBatches(await loadEmbeddedFashionMnist('finetune-train'), { batchSize, transform })) {
    const t = toTensorBatch(b);
    tf.dispose([t.x, t.y]);
  }

  const loadRates: number[] = [];
  const dataRates: number[] = [];
  const trainRates: number[] = [];
  const ratios: number[] = [];
  let lastLoss = 0;
  let leaked = 0;
  let stepIndex = 0;
  for (let round = 0; round < rounds; round++) {
    // Data pipeline, end to end: load (gunzip + parse) + transform + batch + tensor upload.
    const t0 = performance.now();
    const ds = await loadEmbeddedFashionMnist('finetune-train');
    const tLoaded = performance.now();
    let images = 0;
    for (const b of jsBatches(ds, { batchSize, dropLast: true, shuffle: true, seed: 0, epoch: round, transform })) {
      const t = toTensorBatch(b);
      images += b.y.length;
      tf.dispose([t.x, t.y]);
    }
    const dataRate = images / ((performance.now() - t0) / 1000);
    loadRates.push(ds.shape[0] / ((tLoaded - t0) / 1000));
    dataRates.push(dataRate);

    // Training steps on batches from the same pipeline (prepared outside the timed region).
    if (round === 0) {
      trainBatches = [...jsBatches(ds, { batchSize, dropLast: true, shuffle: true, seed: 1, transform })].slice(0, trainSteps + 2);
      step(stepIndex++);
      step(stepIndex++); // warm-up: kernel setup, first allocations
    }
    const before = tf.memory().numTensors;
    const t1 = performance.now();
    for (let k = 0; k < trainSteps; k++) lastLoss = step(stepIndex++);
    const trainRate = (trainSteps * batchSize) / ((performance.now() - t1) / 1000);
    leaked += tf.memory().numTensors - before;
    trainRates.push(trainRate);
    ratios.push(dataRate / trainRate);
  }
  tf.dispose(net.vars);

  const rows: BenchRow[] = [
    { name: 'data: load embedded IDX .gz (3000 images)', value: median(loadRates), unit: 'images/s', note: `gunzip + IDX parse + class relabel; median of ${rounds}` },
    { name: `data: load + resize 28→${size} + normalise + grey→RGB + batch ${batchSize} + tensors`, value: median(dataRates), unit: 'images/s', note: `one shuffled drop-last epoch per round; median of ${rounds}` },
    { name: `train step: small convnet fwd+bwd+SGD, batch ${batchSize}, ${size}x${size}x3`, value: median(trainRates), unit: 'images/s', note: `${info.backend}; ${trainSteps} steps per round; median of ${rounds}; loss ${lastLoss.toFixed(3)}; ${leaked} tensors leaked` },
    { name: `data pipeline / training step (${size}x${size})`, value: median(ratios), unit: 'x', note: 'median of per-round ratios; target >= 10x (the pipeline is not the bottleneck)' },
  ];
  return rows;
}
