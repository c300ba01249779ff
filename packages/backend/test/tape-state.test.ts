import { describe, expect, it } from 'vitest';
import { activeTapeNodes, isRecordingGradients, savedOnActiveTape, setupBackend, tf, withoutTape } from '@odl/backend';

/**
 * x·w → relu → sum: checks what savedOnActiveTape counts. Run on cpu (saved clones share the
 * buffer) and on wasm (saved clones are physical copies): both must give the same counts.
 */
function checkSavedOnTape(): void {
  const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  const w = tf.variable(tf.ones([3, 4]));
  const empty = { bytes: -1, buffers: 0, byKernel: {} as Record<string, number> };
  let saved = empty;
  let savedAll = empty;
  let onlyRelu = empty;
  const before = tf.memory().numTensors;
  const { value, grads } = tf.variableGrads(() => {
    const h = tf.matMul(x, w); // saves x (2×3 float32 = 24 bytes) and w (a variable: skipped, also as a copy)
    const r = tf.relu(h); // saves h (2×4 float32 = 32 bytes)
    const loss = tf.sum(r); // saves r (32 bytes), excluded below
    saved = savedOnActiveTape({ exclude: [r] });
    savedAll = savedOnActiveTape();
    onlyRelu = savedOnActiveTape({ producedBy: [r] });
    return loss as tf.Scalar;
  }, [w]);
  value.dispose();
  tf.dispose(Object.values(grads));
  expect(saved.bytes).toBe(24 + 32);
  expect(savedAll.bytes).toBe(24 + 32 + 32);
  expect(onlyRelu.bytes).toBe(32);
  expect(saved.byKernel).toEqual({ BatchMatMul: 24, Relu: 32 });
  expect(tf.memory().numTensors).toBe(before);
  expect(savedOnActiveTape().bytes).toBe(0); // no tape outside a gradient computation
  x.dispose();
  w.dispose();
}

describe.each(['cpu', 'wasm'] as const)('tape state on %s', (backend) => {
  it(`savedOnActiveTape counts unique saved buffers, skipping variables and excluded tensors (${backend}: saved clones are ${backend === 'cpu' ? 'shared buffers' : 'physical copies'})`, async () => {
    await setupBackend({ prefer: [backend] });
    expect(tf.getBackend()).toBe(backend);
    checkSavedOnTape();
  });

  it('isRecordingGradients, withoutTape and activeTapeNodes see the tape being recorded', async () => {
    await setupBackend({ prefer: [backend] });
    const x = tf.variable(tf.ones([4]), true, `tape-state-${backend}`);
    expect(isRecordingGradients()).toBe(false);
    expect(activeTapeNodes()).toEqual([]);
    let recording = false;
    let paused = true;
    let kernels: string[] = [];
    const { value, grads } = tf.variableGrads(() => {
      recording = isRecordingGradients();
      withoutTape(() => {
        paused = isRecordingGradients();
        tf.relu(x).dispose(); // not recorded
      });
      const loss = tf.sum(tf.square(x)) as tf.Scalar;
      kernels = activeTapeNodes().map((n) => n.kernelName);
      return loss;
    }, [x]);
    expect(recording).toBe(true);
    expect(paused).toBe(false);
    expect(kernels).not.toContain('Relu');
    expect(kernels.length).toBeGreaterThan(0);
    expect(withoutTape(() => 3)).toBe(3);
    tf.dispose([value, ...Object.values(grads), x]);
  });
});
