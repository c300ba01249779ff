import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, measureKept, measurePeakBytes, setupBackend, tf, wasmHeapBytes } from '@odl/backend';

const floats = (n: number) => tf.tensor1d(new Float32Array(n));

describe.each(['cpu', 'wasm'] as const)('measurePeakBytes on %s', (backend) => {
  beforeAll(async () => {
    await setupBackend({ prefer: [backend] });
  });

  it('counts each buffer once, at its largest moment, against a hand count', () => {
    const start = tf.memory().numTensors;
    let numBytesPeak = 0;
    const m = measurePeakBytes(() => {
      const a = floats(10); // 40 B
      const b = tf.reshape(a, [2, 5]); // the same buffer: still 40
      const c = floats(20); // 120
      numBytesPeak = tf.memory().numBytes; // counts a and b separately
      a.dispose(); // b still holds the buffer: 120
      c.dispose(); // 40
      const d = floats(5); // 60
      tf.dispose([b, d]); // 0
    });
    expect(m.residentBytes).toBe(0);
    expect(m.peakBytes).toBe(120);
    expect(m.endBytes).toBe(0);
    expect(m.allocations).toBe(3);
    // tf.memory() counts the shared buffer twice: the over-count this meter avoids
    expect(numBytesPeak - (tf.memory().numBytes)).toBe(160);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('resident buffers count from the start and their release is subtracted; other old buffers are outside', () => {
    const r = floats(25); // 100 B, resident
    const u = floats(50); // 200 B, alive before and not listed
    const m = measurePeakBytes(() => {
      u.dispose(); // outside the count: no change
      r.dispose(); // 0
      const e = floats(10); // 40
      return e;
    }, { resident: [r, r] });
    expect(m.residentBytes).toBe(100);
    expect(m.peakBytes).toBe(100);
    expect(m.peakAboveStartBytes).toBe(0);
    expect(m.endBytes).toBe(40);
    m.result.dispose();
  });

  it('a variable update allocates the new value and releases the old one', () => {
    const init = floats(10);
    const v = tf.variable(init); // 40 B, shared with init until init is disposed
    init.dispose();
    const m = measurePeakBytes(() => {
      const next = tf.tensor1d(new Float32Array(10).fill(1)); // 80
      v.assign(next); // v now shares next's buffer; the old one is released: 40
      next.dispose(); // still held by v: 40
    }, { resident: [v] });
    expect(m.peakBytes).toBe(80);
    expect(m.endBytes).toBe(40);
    v.dispose();
  });

  it('attributes the peak to the phase it happened in', () => {
    const m = measurePeakBytes((phase) => {
      phase('small');
      floats(10).dispose(); // 40
      phase('large');
      const x = floats(30); // 120
      phase('after');
      x.dispose();
    });
    expect(m.peakPhase).toBe('large');
    expect(m.phasePeakBytes).toEqual({ small: 40, large: 120, after: 120 });
  });

  it('nests with measureKept, restores the engine after an error and refuses a Promise', () => {
    const kept = measureKept(() => measurePeakBytes(() => floats(4)).result);
    expect(kept.bytes).toBe(16);
    kept.result.dispose();
    expect(() =>
      measurePeakBytes(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const after = measurePeakBytes(() => floats(2).dispose());
    expect(after.peakBytes).toBe(8); // hooks of the failed call were removed: nothing counted twice
    expect(() => measurePeakBytes(async () => 1)).toThrow(ArgumentError);
  });

  it('wasmHeapBytes is the heap size on wasm and null elsewhere', () => {
    const heap = wasmHeapBytes();
    if (backend === 'wasm') {
      expect(heap).toBeGreaterThan(0);
      expect(heap! % 65536).toBe(0); // whole wasm pages
    } else expect(heap).toBeNull();
  });
});
