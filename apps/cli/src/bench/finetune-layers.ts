// Benchmark (issue #3): forward + backward of the fine-tuned layers only — the last 4 conv layers
// of MCUNet-in1 at 224×224 (spatial 7×7), batch 64, with their frozen BatchNorm and ReLU6 — with
// ASI against vanilla, on wasm, side by side in one run (alternating rounds, medians).
//
// A third stack, the floor, runs the same forward and input gradients with no weight gradient at
// all: vanilla / floor is the largest speed-up any cheaper weight gradient can give here.
//
// The 4 layers are blocks.12.project (1×1, 384→96, residual add), blocks.13.expand (1×1, 96→576),
// blocks.13.depthwise (3×3, 576) and blocks.13.project (1×1, 576→160), followed by global pooling
// and the classifier (trained, uncompressed, the same for both). The frozen part of the network
// runs once before timing: its output is the constant input of the stack.
import { setupBackend, tf } from '@odl/backend';
import {
  compressedConv2d,
  compressedDense,
  compressedDepthwiseConv2d,
  conv2dGeometry,
  createLayerCompressor,
  denseGeometry,
  depthwiseGeometry,
  frozenBatchNorm,
  relu6Masked,
  softmaxCrossEntropy,
  type BatchNormParams,
  type LayerCompressor,
  type LayerGeometry,
} from '@odl/core';
import { registerShortcut } from '@odl/shortcut';
import { decayingActivation, heNormal, median as medianOf, type BenchRow } from '@odl/test-utils';

/** Options of {@link benchFinetuneLayers}. */
export interface FinetuneLayersBenchOptions {
  /** Batch size (default 64). */
  batch?: number;
  /** Spatial size of the stack's input (default 7: MCUNet-in1's last stage at 224×224). */
  spatial?: number;
  /** ASI ranks per mode, NHWC, for every compressed layer (default [4, 4, 4, 16]). */
  ranks?: number[];
  /** Measured rounds, each running every stack once in a rotating order (default 15, after 2 warm-up rounds). */
  rounds?: number;
}

interface Stack {
  weights: tf.Variable[];
  step: () => void;
  dispose: () => void;
}

function bn(c: number, seed: number): BatchNormParams {
  return {
    mean: tf.randomUniform([c], -0.1, 0.1, 'float32', seed) as tf.Tensor1D,
    variance: tf.randomUniform([c], 0.5, 1.5, 'float32', seed + 1) as tf.Tensor1D,
    scale: tf.randomUniform([c], 0.8, 1.2, 'float32', seed + 2) as tf.Tensor1D,
    offset: tf.randomUniform([c], -0.1, 0.1, 'float32', seed + 3) as tf.Tensor1D,
  };
}

/** What the stacks compare: the two methods, and the floor no weight-gradient method can beat. */
type StackKind = 'vanilla' | 'asi' | 'floor';

/**
 * A compressor that keeps nothing and returns a zero weight gradient: the stack built with it
 * runs the exact forward and input gradients only, the part every method shares, so its time
 * bounds the speed-up that any cheaper weight gradient (ASI's or another) can reach.
 */
function noWeightGradient(geometry: LayerGeometry): LayerCompressor {
  return {
    method: 'no-weight-gradient',
    geometry,
    compress: () => ({ tensors: [], meta: {}, elements: 0, bytes: 0 }),
    weightGradient: () => tf.zeros(geometry.weightShape),
    getState: () => null,
    setState: () => {},
    dispose: () => {},
  };
}

function buildStack(kind: StackKind, batch: number, s: number, ranks: number[], x: tf.Tensor4D, labels: tf.Tensor1D): Stack {
  const w = [
    heNormal([1, 1, 384, 96], 384, 1),
    heNormal([1, 1, 96, 576], 96, 2),
    heNormal([3, 3, 576, 1], 9, 3),
    heNormal([1, 1, 576, 160], 576, 4),
    heNormal([160, 10], 160, 5),
  ];
  const norms = [bn(96, 10), bn(576, 20), bn(576, 30), bn(160, 40)];
  const geometries: LayerGeometry[] = [
    conv2dGeometry([batch, s, s, 384], [1, 1, 384, 96], { strides: 1, pad: 'same' }),
    conv2dGeometry([batch, s, s, 96], [1, 1, 96, 576], { strides: 1, pad: 'same' }),
    depthwiseGeometry([batch, s, s, 576], [3, 3, 576, 1], { strides: 1, pad: 'same' }),
    conv2dGeometry([batch, s, s, 576], [1, 1, 576, 160], { strides: 1, pad: 'same' }),
  ];
  const compressors: LayerCompressor[] = geometries.map((g, i) =>
    kind === 'floor' ? noWeightGradient(g) : createLayerCompressor(kind, g, kind === 'asi' ? { ranks, seed: i } : {}),
  );
  const head = createLayerCompressor('vanilla', denseGeometry([batch, 160], [160, 10]));
  // The residual of block 12 adds the block's input (the frozen features before its expand and
  // depthwise); a fixed tensor of the right shape stands in for it.
  const residual = tf.randomNormal([batch, s, s, 96], 0, 1, 'float32', 99) as tf.Tensor4D;
  const loss = (): tf.Scalar => {
    let h = compressedConv2d(x, w[0] as tf.Variable<tf.Rank.R4>, null, { strides: 1, pad: 'same', inputGradient: false }, compressors[0]!);
    h = tf.add(frozenBatchNorm(h, norms[0]!), residual) as tf.Tensor4D;
    h = relu6Masked(frozenBatchNorm(compressedConv2d(h, w[1] as tf.Variable<tf.Rank.R4>, null, { strides: 1, pad: 'same' }, compressors[1]!), norms[1]!)) as tf.Tensor4D;
    h = relu6Masked(frozenBatchNorm(compressedDepthwiseConv2d(h, w[2] as tf.Variable<tf.Rank.R4>, null, { strides: 1, pad: 'same' }, compressors[2]!), norms[2]!)) as tf.Tensor4D;
    h = frozenBatchNorm(compressedConv2d(h, w[3] as tf.Variable<tf.Rank.R4>, null, { strides: 1, pad: 'same' }, compressors[3]!), norms[3]!) as tf.Tensor4D;
    const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
    const logits = compressedDense(pooled, w[4] as tf.Variable<tf.Rank.R2>, null, head);
    return softmaxCrossEntropy(logits as tf.Tensor2D, labels) as tf.Scalar;
  };
  return {
    weights: w,
    step: () => {
      const { value, grads } = tf.variableGrads(loss, w);
      const all = [value, ...Object.values(grads)];
      for (const g of all) g.dataSync();
      tf.dispose(all);
    },
    dispose: () => {
      tf.dispose([...w, residual, ...norms.flatMap((n) => [n.mean, n.variance, n.scale!, n.offset!])]);
      for (const c of [...compressors, head]) c.dispose();
    },
  };
}

const median = (v: number[]) => medianOf(v, 'upper');

/**
 * Times one forward + backward of the fine-tuned stack per method and reports the medians and
 * the vanilla/ASI ratio (target ≥ 1.25×).
 */
export async function benchFinetuneLayers(o: FinetuneLayersBenchOptions = {}): Promise<BenchRow[]> {
  await setupBackend({ prefer: ['wasm'] });
  registerShortcut();
  const batch = o.batch ?? 64;
  const s = o.spatial ?? 7;
  const ranks = o.ranks ?? [4, 4, 4, 16];
  const rounds = o.rounds ?? 15;
  // A structured input (a decaying spectrum along every axis, like real feature maps), so ASI's
  // subspaces are meaningful; both methods see the same tensor. The decay is polynomial,
  // (1 + i)^-1/2: a geometric one (0.8^i) reaches float32 denormals in the far corner of the
  // tensor (0.8^(63+6+6+383) ≈ 1e-44), which real activations never hold and which slow every
  // kernel that touches them.
  const x = decayingActivation([batch, s, s, 384], { seed: 7, mean: 0.2, decay: (i) => (1 + i) ** -0.5 }) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const kinds: StackKind[] = ['vanilla', 'asi', 'floor'];
  const stacks = Object.fromEntries(kinds.map((k) => [k, buildStack(k, batch, s, ranks, x, labels)])) as Record<StackKind, Stack>;
  const times: Record<StackKind, number[]> = { vanilla: [], asi: [], floor: [] };
  let before = 0;
  for (let r = 0; r < rounds + 2; r++) {
    if (r === 2) before = tf.memory().numTensors; // after warm-up: ASI's warm-start state exists
    // The order rotates so that no stack always runs right after the same other one.
    for (let i = 0; i < kinds.length; i++) {
      const m = kinds[(r + i) % kinds.length]!;
      const t0 = performance.now();
      stacks[m].step();
      if (r >= 2) times[m].push(performance.now() - t0);
    }
  }
  const leaked = tf.memory().numTensors - before;
  for (const k of kinds) stacks[k].dispose();
  tf.dispose([x, labels]);
  const v = median(times.vanilla);
  const a = median(times.asi);
  const f = median(times.floor);
  // Paired ratios: each round's stacks ran back to back, so a slow spell of the shared machine
  // slows both sides of a round's ratio alike.
  const ratio = (num: number[], den: number[]) => median(num.map((x, i) => x / den[i]!));
  const note = `wasm, batch ${batch}, ${s}×${s}, ASI ranks [${ranks.join(',')}] (sequential schedule), median of ${rounds} rounds`;
  return [
    { name: 'vanilla forward+backward', value: v, unit: 'ms', note },
    { name: 'ASI forward+backward', value: a, unit: 'ms', note },
    { name: 'speed-up of ASI over vanilla', value: ratio(times.vanilla, times.asi), unit: '×', note: `target ≥ 1.25; median of the ${rounds} rounds' vanilla/ASI ratios` },
    { name: 'floor: exact forward + input gradients, no weight gradient', value: f, unit: 'ms', note },
    { name: 'largest speed-up any weight-gradient method can reach (vanilla / floor)', value: ratio(times.vanilla, times.floor), unit: '×', note: 'median of the rounds\' ratios' },
    { name: "share of vanilla's time ASI removes of what it could (vanilla − ASI) / (vanilla − floor)", value: (v - a) / (v - f), unit: '' },
    { name: 'tensors leaked over the measured rounds', value: leaked, unit: 'tensors' },
  ];
}
