import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  ShapeError,
  contractionOrder,
  fold,
  modeProduct,
  setupBackend,
  tf,
  tuckerCompose,
  tuckerCore,
  tuckerDims,
  tuckerElements,
  unfold,
} from '@odl/backend';
import { maxAbsDiff, modeProductF64, relFro } from '@odl/test-utils';
import { householderQ, randomMatrix } from './linalg-reference';

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Row-major strides of `shape`. */
function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Multi-index of flat position `flat` in `shape`. */
function indexOf(flat: number, shape: number[]): number[] {
  const st = strides(shape);
  return shape.map((_, i) => Math.floor(flat / st[i]) % shape[i]);
}

describe.each(['cpu', 'wasm'] as const)('tensor algebra on %s', (backend) => {
  beforeAll(async () => {
    await setupBackend({ prefer: [backend] });
  });

  const shape = [3, 4, 5, 2];
  const data = Float32Array.from(randomMatrix(1, sizeOf(shape), 31));

  it('unfold puts the mode-n fibres in the rows (row i = every element with index i along n)', () => {
    const t = tf.tensor(data, shape);
    for (let mode = 0; mode < shape.length; mode++) {
      const u = unfold(t, mode);
      const rest = sizeOf(shape) / shape[mode];
      expect(u.shape).toEqual([shape[mode], rest]);
      const rows = u.arraySync() as number[][];
      for (let i = 0; i < shape[mode]; i++) {
        const expected: number[] = [];
        for (let flat = 0; flat < data.length; flat++) if (indexOf(flat, shape)[mode] === i) expected.push(data[flat]);
        // Same elements, in the order of the remaining axes (row-major).
        expect(rows[i]).toEqual(expected);
      }
      u.dispose();
    }
    t.dispose();
  });

  it('fold(unfold(t, n), n, shape) = t exactly, for every mode and ranks 1..5', () => {
    for (const s of [[7], [3, 4], [2, 3, 4], shape, [2, 1, 3, 1, 2]]) {
      const t = tf.tensor(Float32Array.from(randomMatrix(1, sizeOf(s), 32)), s);
      for (let mode = 0; mode < s.length; mode++) {
        const back = tf.tidy(() => fold(unfold(t, mode), mode, s));
        expect(back.shape).toEqual(s);
        expect(Array.from(back.dataSync())).toEqual(Array.from(t.dataSync()));
        back.dispose();
      }
      t.dispose();
    }
  });

  it('modeProduct matches a Float64 loop reference on every mode, with no leaked tensors', () => {
    const t = tf.tensor(data, shape);
    for (let mode = 0; mode < shape.length; mode++) {
      const rows = mode + 2;
      const m64 = randomMatrix(rows, shape[mode], 33 + mode);
      const m = tf.tensor2d(Float32Array.from(m64), [rows, shape[mode]]);
      const before = tf.memory().numTensors;
      const y = modeProduct(t, m, mode);
      expect(tf.memory().numTensors).toBe(before + 1);
      const ref = modeProductF64(data, shape, m.dataSync(), rows, mode);
      expect(y.shape).toEqual(ref.shape);
      expect(maxAbsDiff(y.dataSync(), ref.data)).toBeLessThan(1e-5);
      tf.dispose([y, m]);
    }
    t.dispose();
  });

  it('modeProduct of a tensor above the small-right-operand limit equals the definition on every axis, M given or transposed', () => {
    const big = [40, 6, 5, 36]; // 43200 elements: t stays the left operand (or is read in place)
    const start = tf.memory().numTensors;
    const t = tf.randomNormal(big, 0, 1, 'float32', 1);
    const tv = Float64Array.from(t.dataSync());
    for (let axis = 0; axis < 4; axis++) {
      for (const transposeM of [false, true]) {
        const dNew = 3;
        const m = tf.randomNormal(transposeM ? [big[axis], dNew] : [dNew, big[axis]], 0, 1, 'float32', 10 + axis) as tf.Tensor2D;
        const mm = (transposeM ? tf.transpose(m) : tf.clone(m)) as tf.Tensor2D;
        const out = modeProduct(t, m, axis, transposeM);
        expect(out.shape).toEqual(big.map((d, i) => (i === axis ? dNew : d)));
        const ref = modeProductF64(tv, big, mm.dataSync(), dNew, axis);
        expect(relFro(out.dataSync(), ref.data)).toBeLessThan(1e-5);
        tf.dispose([m, mm, out]);
      }
    }
    t.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('tuckerDims reads the represented shape; contractionOrder shrinks most first', () => {
    const core = tf.zeros([2, 3, 4]);
    const u0 = tf.zeros([5, 2]) as tf.Tensor2D;
    const u2 = tf.zeros([9, 4]) as tf.Tensor2D;
    expect(tuckerDims(core, [u0, null, u2])).toEqual([5, 3, 9]);
    expect(() => tuckerDims(core, [u2, null, null])).toThrow(/factor 0/);
    expect(() => tuckerDims(core, [u0, null])).toThrow(/expected 3 factors/);
    expect(contractionOrder([64, 7, 7, 96], [4, 7, 7, 8])).toEqual([0, 3, 1, 2]);
    expect(contractionOrder([4, 7, 7, 8], [64, 7, 7, 96])).toEqual([1, 2, 3, 0]);
    tf.dispose([core, u0, u2]);
  });

  it('Tucker with full ranks and orthonormal square factors reconstructs exactly; null = identity', () => {
    const t = tf.tensor(data, shape);
    const factors = shape.map((d, n) => tf.tensor2d(Float32Array.from(householderQ(randomMatrix(d, d, 40 + n), d, d)), [d, d]));
    const core = tuckerCore(t, factors);
    expect(core.shape).toEqual(shape);
    const back = tuckerCompose(core, factors);
    expect(maxAbsDiff(back.dataSync(), data)).toBeLessThan(1e-5);
    // Identity factors leave the tensor unchanged.
    const same = tuckerCore(t, [null, null, null, null]);
    expect(Array.from(same.dataSync())).toEqual(Array.from(data));
    // Mixed: a null mode is skipped, the others are projected.
    const partial = tuckerCore(t, [factors[0], null, factors[2], null]);
    const ref = tf.tidy(() => modeProduct(modeProduct(t, tf.transpose(factors[0]) as tf.Tensor2D, 0), tf.transpose(factors[2]) as tf.Tensor2D, 2));
    expect(maxAbsDiff(partial.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
    tf.dispose([t, core, back, same, partial, ref, ...factors]);
  });

  it('truncated Tucker core has the rank shape and equals the projected tensor', () => {
    const t = tf.tensor(data, shape);
    const ranks = [2, 3, 2, 1];
    const factors = shape.map((d, n) =>
      tf.tensor2d(Float32Array.from(householderQ(randomMatrix(d, ranks[n], 50 + n), d, ranks[n])), [d, ranks[n]]),
    );
    const core = tuckerCore(t, factors);
    expect(core.shape).toEqual(ranks);
    // Core entry S[a,b,c,d] = Σ t[i,j,k,l] U0[i,a] U1[j,b] U2[k,c] U3[l,d]
    const u = factors.map((f) => f.dataSync());
    const s = core.dataSync();
    for (let o = 0; o < s.length; o++) {
      const r = indexOf(o, ranks);
      let v = 0;
      for (let flat = 0; flat < data.length; flat++) {
        const idx = indexOf(flat, shape);
        let w = data[flat];
        for (let n = 0; n < 4; n++) w *= u[n][idx[n] * ranks[n] + r[n]];
        v += w;
      }
      expect(s[o]).toBeCloseTo(v, 4);
    }
    tf.dispose([t, core, ...factors]);
  });

  it('tuckerElements = Π k + Σ d·k, null = identity mode', () => {
    expect(tuckerElements([128, 28, 28, 64], [8, 6, 6, 10])).toBe(8 * 6 * 6 * 10 + 128 * 8 + 28 * 6 + 28 * 6 + 64 * 10);
    expect(tuckerElements([4, 5], [null, 2])).toBe(4 * 2 + 5 * 2);
    expect(tuckerElements([4, 5], [4, 5])).toBe(20 + 16 + 25);
    expect(() => tuckerElements([4, 5], [5, 1])).toThrow(ArgumentError);
    expect(() => tuckerElements([4, 5], [1])).toThrow(ShapeError);
  });

  it('clear errors for bad modes, shapes and dtypes', () => {
    const t = tf.tensor(data, shape);
    expect(() => unfold(t, 4)).toThrow(/mode 4 is out of range for a rank-4 tensor; use 0..3/);
    expect(() => unfold(t, -1)).toThrow(ShapeError);
    expect(() => unfold(t, 1.5)).toThrow(ShapeError);
    const u = unfold(t, 1);
    expect(() => fold(u, 1, [3, 5, 4, 2])).toThrow(/expected \[5, 24\]/);
    expect(() => fold(u, 7, shape)).toThrow(ShapeError);
    const m = tf.zeros([2, 5]) as tf.Tensor2D;
    expect(() => modeProduct(t, m, 1)).toThrow(/mode 1 of size 4/);
    const ints = tf.zeros(shape, 'int32');
    expect(() => modeProduct(ints, tf.zeros([2, 3]) as tf.Tensor2D, 0)).toThrow(/dtype int32/);
    expect(() => tuckerCore(t, [null, null])).toThrow(/expected 4 factors/);
    expect(() => tuckerCore(t, [tf.zeros([4, 2]) as tf.Tensor2D, null, null, null])).toThrow(/factor 0/);
    expect(() => tuckerCompose(t, [tf.zeros([3, 2]) as tf.Tensor2D, null, null, null])).toThrow(/core mode 0 has size 3/);
    const disposed = tf.zeros([2, 2]);
    disposed.dispose();
    expect(() => unfold(disposed, 0)).toThrow(/disposed/);
    tf.dispose([t, u, m, ints]);
  });
});
