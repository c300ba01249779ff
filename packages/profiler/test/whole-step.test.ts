import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, setupBackend, tf } from '@odl/backend';
import { measureStep, WHOLE_STEP_PHASES } from '@odl/profiler';

// One dense layer y = h·W (h = 2x, the frozen part), loss = Σy, trained with SGD (and momentum):
// small enough to count every buffer by hand. B = 8 rows, I = 3 inputs, O = 5 outputs, float32.
const B = 8;
const I = 3;
const O = 5;
const W_BYTES = I * O * 4; // 60
const X_BYTES = B * I * 4; // 96
const Y_BYTES = B * O * 4; // 160

interface Dense {
  x: tf.Tensor2D;
  w: tf.Variable;
  momentum: tf.Variable | null;
  dispose(): void;
}

function dense(withMomentum: boolean): Dense {
  const x = tf.tensor2d(Float32Array.from({ length: B * I }, (_, i) => i / 10), [B, I]);
  // made in a tidy: the initial values are released, the variables keep their buffers
  const w = tf.tidy(() => tf.variable(tf.tensor2d(Float32Array.from({ length: I * O }, (_, i) => i / 7), [I, O])));
  const momentum = withMomentum ? tf.tidy(() => tf.variable(tf.zeros([I, O]))) : null;
  return { x, w, momentum, dispose: () => tf.dispose([x, w, ...(momentum ? [momentum] : [])]) };
}

function run(d: Dense, frozen: boolean) {
  const { x, w, momentum } = d;
  return measureStep({
    inputs: [x],
    frozenForward: frozen ? () => tf.tidy(() => tf.mul(x, 2)) : undefined,
    loss: (h) => tf.sum(tf.matMul((h ?? x) as tf.Tensor2D, w)),
    variables: [w],
    update: (g) =>
      tf.tidy(() => {
        let step = g[w.name]!;
        if (momentum) {
          momentum.assign(tf.add(tf.mul(momentum, 0.9), step));
          step = momentum;
        }
        w.assign(tf.sub(w, tf.mul(step, 0.01)));
      }),
    optimizerState: momentum ? () => [momentum] : undefined,
    steps: 2,
    warmup: 1,
  });
}

describe('measureStep on cpu: peak bytes of a whole step against a hand count', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });
  let start = 0;
  beforeAll(() => {
    start = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(start);
  });

  it('one dense layer, plain SGD: weights, input, kept, gradient, no optimizer state, and the peak in backward', async () => {
    const d = dense(false);
    const m = await run(d, false);
    // At the end of backward, tfjs holds (besides W and x): y, saved by Sum for its gradient
    // (kept); the loss and its seed dy = 1 (4 + 4); Sum's gradient ones(y.shape) and dL/dy =
    // dy·ones (160 + 160, alive until backward ends: the gradient functions run in backward's
    // scope); and dL/dW = xᵀ·dL/dy (60). MatMul saves x and W themselves (an input and a
    // variable: not counted as kept). The peak is that moment.
    expect(m.bytes.weights).toBe(W_BYTES);
    expect(m.bytes.inputs).toBe(X_BYTES);
    expect(m.bytes.optimizerState).toBe(0);
    expect(m.bytes.keptActivations).toBe(Y_BYTES);
    expect(m.keptByKernel).toEqual({ Sum: Y_BYTES });
    expect(m.bytes.gradients).toBe(W_BYTES);
    expect(m.bytes.peak).toBe(W_BYTES + X_BYTES + Y_BYTES + 8 + 2 * Y_BYTES + W_BYTES); // 704
    expect(m.bytes.transients).toBe(8 + 2 * Y_BYTES); // loss, dy, ones, dL/dy
    expect(m.peakPhase).toBe('backward');
    // the trainable forward ends holding y and the loss
    expect(m.phasePeakBytes['trainable-forward']).toBe(W_BYTES + X_BYTES + Y_BYTES + 4);
    expect(m.leakedTensors).toBe(0);
    expect(m.wasmHeapBytes).toBeNull();
    d.dispose();
  });

  it('with a frozen forward and momentum: the features are kept, the slot is optimizer state', async () => {
    const d = dense(true);
    const m = await run(d, true);
    // h = 2x (96) is MatMul's saved input now: kept with y. The momentum slot (60) is resident.
    expect(m.bytes.keptActivations).toBe(X_BYTES + Y_BYTES);
    expect(m.keptByKernel).toEqual({ BatchMatMul: X_BYTES, Sum: Y_BYTES });
    expect(m.bytes.optimizerState).toBe(W_BYTES);
    expect(m.bytes.peak).toBe(W_BYTES + X_BYTES + W_BYTES + X_BYTES + Y_BYTES + 8 + 2 * Y_BYTES + W_BYTES); // 860
    expect(m.bytes.transients).toBe(8 + 2 * Y_BYTES);
    // the frozen forward's peak: the resident buffers, h and the scalar 2 of the product
    expect(m.phasePeakBytes['frozen-forward']).toBe(W_BYTES + X_BYTES + W_BYTES + X_BYTES + 4);
    expect(Object.keys(m.phasePeakBytes)).toEqual([...WHOLE_STEP_PHASES]);
    for (const p of [m.frozenForward, m.trainableForward, m.backward, m.update, m.total]) {
      expect(p.samplesMs).toHaveLength(2);
      for (const v of p.samplesMs) expect(v).toBeGreaterThanOrEqual(0);
    }
    // the update really ran: W moved by −0.01·(momentum = the gradient on the first step, …)
    expect(m.leakedTensors).toBe(0);
    d.dispose();
  });

  it('refuses bad options with a clear error', async () => {
    const d = dense(false);
    await expect(measureStep({ inputs: [d.x], loss: () => tf.sum(d.x), variables: [] })).rejects.toThrow(ArgumentError);
    await expect(measureStep({ inputs: [d.x], loss: () => tf.sum(d.x), variables: [d.w], steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    d.dispose();
  });
});

describe('measureStep on wasm', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('the same step: every saved tensor is a copy on wasm, so the peak adds the copies of W and of the features', async () => {
    const d = dense(true);
    const m = await run(d, true);
    // The figures of the cpu case, except: MatMul's saved W is a 60-byte copy (a variable's copy:
    // not an activation, so a transient), and the features h stay alive beside their saved copy
    // (the kept copy counts as kept, h itself as a transient).
    expect(m.bytes.keptActivations).toBe(X_BYTES + Y_BYTES);
    expect(m.bytes.gradients).toBe(W_BYTES);
    expect(m.bytes.peak).toBe(W_BYTES + X_BYTES + W_BYTES + X_BYTES + Y_BYTES + 8 + 2 * Y_BYTES + W_BYTES + W_BYTES + X_BYTES); // 1016
    expect(m.bytes.transients).toBe(8 + 2 * Y_BYTES + W_BYTES + X_BYTES);
    expect(m.peakPhase).toBe('backward');
    expect(m.wasmHeapBytes).toBeGreaterThan(m.bytes.peak);
    expect(m.leakedTensors).toBe(0);
    d.dispose();
  });
});
