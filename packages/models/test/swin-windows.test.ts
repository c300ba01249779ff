import { beforeAll, describe, expect, it } from 'vitest';
import { setupBackend, tf } from '@odl/backend';
import {
  patchMergingGather, relativePositionIndex, roll, shiftMask, windowPartition, windowPlan, windowReverse,
} from '../src/zoo/swin-windows';

// Each piece against a direct element-by-element definition; the whole model against PyTorch's
// logits is in swin.test.ts.

/** A [B, H, W, C] tensor whose every entry is distinct (its flat index). */
const ramp = (shape: [number, number, number, number]) => tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i + 1), shape);
const at = (v: ArrayLike<number>, [, h, w, c]: number[], b: number, r: number, col: number, k: number) => v[((b * h! + r) * w! + col) * c! + k]!;

describe('Swin window geometry (torchvision 0.14 semantics)', () => {
  beforeAll(async () => {
    await setupBackend({ prefer: ['cpu'] });
  });

  it('windowPlan pads to whole windows and drops the shift on an axis the window covers', () => {
    expect(windowPlan(9, 19, [4, 4], [2, 2])).toMatchObject({ paddedHeight: 12, paddedWidth: 20, padBottom: 3, padRight: 1, shift: [2, 2], windows: 15, tokens: 16 });
    expect(windowPlan(3, 5, [4, 4], [2, 2])).toMatchObject({ paddedHeight: 4, paddedWidth: 8, shift: [0, 2], windows: 2 });
    expect(windowPlan(7, 7, [7, 7], [3, 3])).toMatchObject({ paddedHeight: 7, paddedWidth: 7, shift: [0, 0], windows: 1 });
    expect(() => windowPlan(4, 4, [0, 4] as never, [0, 0])).toThrow(/window must be/);
  });

  it('roll is torch.roll: y[i] = x[(i − shift) mod n] on both axes', () => {
    const shape: [number, number, number, number] = [2, 5, 6, 3];
    const x = ramp(shape);
    const y = roll(x, -2, 3).dataSync();
    const v = x.dataSync();
    for (let b = 0; b < 2; b++) for (let r = 0; r < 5; r++) for (let c = 0; c < 6; c++) for (let k = 0; k < 3; k++) {
      expect(at(y, shape, b, r, c, k)).toBe(at(v, shape, b, (r + 2) % 5, (c - 3 + 6) % 6, k));
    }
    x.dispose();
  });

  it('windowPartition lists windows row-major and tokens row-major inside; windowReverse inverts it', () => {
    const shape: [number, number, number, number] = [2, 8, 12, 3];
    const x = ramp(shape);
    const win = windowPartition(x, [4, 3]);
    expect(win.shape).toEqual([2 * 2 * 4, 12, 3]);
    const w = win.dataSync();
    const v = x.dataSync();
    for (let b = 0; b < 2; b++) for (let g = 0; g < 8; g++) for (let t = 0; t < 12; t++) for (let k = 0; k < 3; k++) {
      const r = Math.floor(g / 4) * 4 + Math.floor(t / 3);
      const c = (g % 4) * 3 + (t % 3);
      expect(w[((b * 8 + g) * 12 + t) * 3 + k]).toBe(at(v, shape, b, r, c, k));
    }
    const back = windowReverse(win, [4, 3], 2, 8, 12);
    expect(Array.from(back.dataSync())).toEqual(Array.from(v));
    tf.dispose([x, win, back]);
  });

  it('shiftMask lets two tokens of a window attend iff, on each axis, both or neither wrapped around in the cyclic shift', () => {
    for (const [h, w, shift] of [[12, 20, [2, 2]], [8, 12, [2, 2]], [4, 8, [2, 2]], [8, 8, [1, 3]]] as [number, number, [number, number]][]) {
      const plan = windowPlan(h, w, [4, 4], shift);
      const mask = shiftMask(plan);
      const [sh, sw] = plan.shift;
      const gw = w / 4;
      let blocked = 0;
      for (let g = 0; g < plan.windows; g++) {
        // position in the rolled map; it wrapped when it came from the start of the map
        const wrapped = (t: number) => {
          const r = Math.floor(g / gw) * 4 + Math.floor(t / 4);
          const c = (g % gw) * 4 + (t % 4);
          return [r >= h - sh, c >= w - sw];
        };
        for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) {
          const [a, b] = [wrapped(i), wrapped(j)];
          const same = a[0] === b[0] && a[1] === b[1];
          expect(mask[(g * 16 + i) * 16 + j]).toBe(same ? 0 : -100);
          if (!same) blocked++;
        }
      }
      expect(blocked).toBeGreaterThan(0);
    }
  });

  it('relativePositionIndex gives each displacement its own table row, (0, 0) the centre one', () => {
    const [wh, ww] = [3, 4];
    const index = relativePositionIndex([wh, ww]);
    const n = wh * ww;
    const rowOf = new Map<string, number>();
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const d = `${Math.floor(i / ww) - Math.floor(j / ww)},${(i % ww) - (j % ww)}`;
      const row = index[i * n + j]!;
      if (rowOf.has(d)) expect(row).toBe(rowOf.get(d));
      rowOf.set(d, row);
    }
    expect(rowOf.size).toBe((2 * wh - 1) * (2 * ww - 1));
    expect(new Set(rowOf.values()).size).toBe(rowOf.size);
    expect(Math.max(...index)).toBe((2 * wh - 1) * (2 * ww - 1) - 1);
    expect(rowOf.get('0,0')).toBe((wh - 1) * (2 * ww - 1) + ww - 1);
    // Δrow major: one row down is 2·ww − 1 table rows further
    expect(rowOf.get('1,0')! - rowOf.get('0,0')!).toBe(2 * ww - 1);
    expect(rowOf.get('0,1')! - rowOf.get('0,0')!).toBe(1);
  });

  it('patchMergingGather concatenates x0 (even, even), x1 (odd, even), x2 (even, odd), x3 (odd, odd), zero-padding odd sizes', () => {
    const shape: [number, number, number, number] = [2, 5, 6, 3];
    const x = ramp(shape);
    const y = patchMergingGather(x);
    expect(y.shape).toEqual([2, 3, 3, 12]);
    const g = y.dataSync();
    const v = x.dataSync();
    for (let b = 0; b < 2; b++) for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      [[0, 0], [1, 0], [0, 1], [1, 1]].forEach(([dr, dc], part) => {
        for (let k = 0; k < 3; k++) {
          const r = 2 * i + dr!;
          const c = 2 * j + dc!;
          const expected = r < 5 && c < 6 ? at(v, shape, b, r, c, k) : 0;
          expect(g[((b * 3 + i) * 3 + j) * 12 + part * 3 + k]).toBe(expected);
        }
      });
    }
    tf.dispose([x, y]);
  });
});
