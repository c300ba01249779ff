// The fine-tuned layers of the `finetune-layers` benchmark (issue #3), as stacks that one
// forward + backward step can be timed on: the last 4 conv layers of MCUNet-in1 at 224×224
// (spatial 7×7), batch 64, with their frozen BatchNorm and ReLU6, then global pooling and the
// classifier, for vanilla, ASI and the floor (the same forward and input gradients with no weight
// gradient at all). One definition, used by `odl bench --only finetune-layers` (Node, wasm) and by
// the browser benchmark of threads (apps/web/bench/threads: Chromium, wasm on 1 and 2 threads).
//
// The 4 layers are blocks.12.project (1×1, 384→96, residual add), blocks.13.expand (1×1, 96→576),
// blocks.13.depthwise (3×3, 576) and blocks.13.project (1×1, 576→160). The frozen part of the
// network runs once before timing: its output is the constant input of the stack.
import { tf } from '@odl/backend';
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
import { decayingActivation, heNormal } from '@odl/test-utils';

/** The shape of the stacks (defaults: the issue's). */
export interface FinetuneLayersShape {
  /** Batch size (default 64). */
  batch?: number;
  /** Spatial size of the stack's input (default 7: MCUNet-in1's last stage at 224×224). */
  spatial?: number;
  /** ASI ranks per mode, NHWC, for every compressed layer (default [4, 4, 4, 16]). */
  ranks?: number[];
}

/** One stack: its trained weights, one timed step (forward + backward, gradients read back), its disposal. */
export interface Stack {
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
export type StackKind = 'vanilla' | 'asi' | 'floor';

/** The kinds, in the order of a round's first step. */
export const STACK_KINDS: readonly StackKind[] = ['vanilla', 'asi', 'floor'];

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

/** The three stacks on one shared input, and the round that times them. */
export interface FinetuneLayersStacks {
  /** The stacks by kind. */
  stacks: Record<StackKind, Stack>;
  /**
   * Runs every stack once, in an order rotated by `round` (so that no stack always runs right
   * after the same other one), and returns each step's wall time in ms.
   */
  round(round: number): Record<StackKind, number>;
  /** What the stacks were built with, for the report. */
  describe: string;
  /** Frees the stacks and their input. */
  dispose(): void;
}

/**
 * Builds the vanilla, ASI and floor stacks on the active backend (call `setupBackend` first).
 *
 * @example
 * ```ts
 * const s = createFinetuneLayersStacks();
 * const ms = s.round(0); // { vanilla, asi, floor }
 * s.dispose();
 * ```
 */
export function createFinetuneLayersStacks(o: FinetuneLayersShape = {}): FinetuneLayersStacks {
  registerShortcut();
  const batch = o.batch ?? 64;
  const s = o.spatial ?? 7;
  const ranks = o.ranks ?? [4, 4, 4, 16];
  // A structured input (a decaying spectrum along every axis, like real feature maps), so ASI's
  // subspaces are meaningful; both methods see the same tensor. The decay is polynomial,
  // (1 + i)^-1/2: a geometric one (0.8^i) reaches float32 denormals in the far corner of the
  // tensor (0.8^(63+6+6+383) ≈ 1e-44), which real activations never hold and which slow every
  // kernel that touches them.
  const x = decayingActivation([batch, s, s, 384], { seed: 7, mean: 0.2, decay: (i) => (1 + i) ** -0.5 }) as tf.Tensor4D;
  const labels = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32');
  const stacks = Object.fromEntries(STACK_KINDS.map((k) => [k, buildStack(k, batch, s, ranks, x, labels)])) as Record<StackKind, Stack>;
  return {
    stacks,
    describe: `batch ${batch}, ${s}×${s}, ASI ranks [${ranks.join(',')}] (sequential schedule)`,
    round(r) {
      const out = {} as Record<StackKind, number>;
      for (let i = 0; i < STACK_KINDS.length; i++) {
        const m = STACK_KINDS[(r + i) % STACK_KINDS.length]!;
        const t0 = performance.now();
        stacks[m].step();
        out[m] = performance.now() - t0;
      }
      return out;
    },
    dispose() {
      for (const k of STACK_KINDS) stacks[k].dispose();
      tf.dispose([x, labels]);
    },
  };
}
