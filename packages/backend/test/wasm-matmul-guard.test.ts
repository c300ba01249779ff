import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import { maxAbsDiff } from '@odl/test-utils';

// tfjs-backend-wasm 4.22 caches the packed right-hand operand of a 2-D matMul by buffer id. A
// buffer seen again through a reshape (same dataId, another shape) used to give wrong numbers or
// crash; setupBackend wraps the kernel so such a call gets a fresh copy of `b`.
function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
    out[i * n + j] = s;
  }
  return out;
}

describe('wasm matMul with a reshaped right-hand operand', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['wasm'] });
  });

  it('gives the right product when the same buffer comes back with another shape', () => {
    const b = tf.randomNormal([150, 3], 0, 1, 'float32', 1);
    const a1 = tf.randomNormal([4, 150], 0, 1, 'float32', 2);
    const a2 = tf.randomNormal([5, 75], 0, 1, 'float32', 3);
    const y1 = tf.matMul(a1, b);
    const b2 = tf.reshape(b, [75, 6]);
    const y2 = tf.matMul(a2, b2);
    const bv = b.dataSync() as Float32Array;
    expect(maxAbsDiff(y1.dataSync(), reference(a1.dataSync() as Float32Array, bv, 4, 150, 3))).toBeLessThan(1e-3);
    expect(maxAbsDiff(y2.dataSync(), reference(a2.dataSync() as Float32Array, bv, 5, 75, 6))).toBeLessThan(1e-3);
    // And back to the first shape again.
    const y3 = tf.matMul(a1, b);
    expect(maxAbsDiff(y3.dataSync(), y1.dataSync())).toBe(0);
    tf.dispose([a1, a2, b, b2, y1, y2, y3]);
  });
});
