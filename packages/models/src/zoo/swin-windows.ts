// Swin Transformer's window geometry with torchvision 0.14's semantics (its
// `shifted_window_attention`, `_patch_merging_pad`, `define_relative_position_index`): padding to
// whole windows, the shift dropped on an axis the window covers, the cyclic shift, window
// partition and reverse, the shift mask, the relative position index and bias, patch merging's
// 2×2 gather. NHWC feature maps `[B, H, W, C]` throughout, as torchvision's Swin keeps them.
// (docs/architecture.md §5: the architecture's own arithmetic stays beside the architecture.)
import { ArgumentError, tf } from '@odl/backend';

/** Window height and width `[wh, ww]` in tokens. */
export type WindowSize = [number, number];

/** How one windowed attention runs on an `H×W` feature map (torchvision 0.14's rules). */
export interface WindowPlan {
  /** Feature map height and width before padding, in tokens. */
  height: number;
  width: number;
  /** Zero rows added at the bottom and columns at the right, so that whole windows tile the map. */
  padBottom: number;
  padRight: number;
  /** Padded height and width (multiples of the window). */
  paddedHeight: number;
  paddedWidth: number;
  /** The window `[wh, ww]`. */
  window: WindowSize;
  /**
   * The cyclic shift `[sh, sw]` actually applied: the block's shift, set to 0 on an axis whose
   * padded size the window covers (torchvision: "no need to shift").
   */
  shift: [number, number];
  /** Windows per image. */
  windows: number;
  /** Tokens per window `wh·ww`. */
  tokens: number;
}

function checkWindow(where: string, window: WindowSize): void {
  if (!Array.isArray(window) || window.length !== 2 || window.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new ArgumentError(`${where}: window must be [height, width] positive integers, got ${JSON.stringify(window)}`);
  }
}

/**
 * The padding, effective shift and window count of a windowed attention on an `height×width` map
 * with a block's `shift` (`[0, 0]` or half the window in torchvision's Swin).
 *
 * @example
 * ```ts
 * windowPlan(3, 5, [4, 4], [2, 2]); // padded 4×8, shift [0, 2] (the window covers the height), 2 windows
 * ```
 */
export function windowPlan(height: number, width: number, window: WindowSize, shift: [number, number]): WindowPlan {
  checkWindow('windowPlan', window);
  const [wh, ww] = window;
  const padBottom = (wh - (height % wh)) % wh;
  const padRight = (ww - (width % ww)) % ww;
  const paddedHeight = height + padBottom;
  const paddedWidth = width + padRight;
  const effective: [number, number] = [wh >= paddedHeight ? 0 : shift[0], ww >= paddedWidth ? 0 : shift[1]];
  return {
    height,
    width,
    padBottom,
    padRight,
    paddedHeight,
    paddedWidth,
    window: [wh, ww],
    shift: effective,
    windows: (paddedHeight / wh) * (paddedWidth / ww),
    tokens: wh * ww,
  };
}

/** Whether a plan shifts (on either axis): then the attention takes the shift mask. */
export function isShifted(plan: WindowPlan): boolean {
  return plan.shift[0] + plan.shift[1] > 0;
}

/**
 * `torch.roll(x, shifts=(dh, dw), dims=(1, 2))` on `[B, H, W, C]`: `y[i] = x[(i − dh) mod H]`.
 * Swin rolls by `−shift` before the windows and by `+shift` after them.
 */
export function roll(x: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  let y = x;
  const along = (t: tf.Tensor4D, axis: 1 | 2, by: number): tf.Tensor4D => {
    const n = t.shape[axis];
    const k = ((by % n) + n) % n;
    if (k === 0) return t;
    const [tail, head] = tf.split(t, [n - k, k], axis) as [tf.Tensor4D, tf.Tensor4D];
    return tf.concat([head, tail], axis);
  };
  y = along(y, 1, dh);
  return along(y, 2, dw);
}

/**
 * Windows of a padded `[B, Hp, Wp, C]` map as token rows `[B·nW, wh·ww, C]`, windows in row-major
 * order of the window grid, tokens row-major inside each window (torchvision's order).
 */
export function windowPartition(x: tf.Tensor4D, window: WindowSize): tf.Tensor3D {
  const [b, h, w, c] = x.shape;
  const [wh, ww] = window;
  const grid = tf.reshape(x, [b, h / wh, wh, w / ww, ww, c]);
  return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [b * (h / wh) * (w / ww), wh * ww, c]);
}

/** The inverse of {@link windowPartition}: `[B·nW, wh·ww, C]` back to `[B, Hp, Wp, C]`. */
export function windowReverse(windows: tf.Tensor3D, window: WindowSize, batch: number, height: number, width: number): tf.Tensor4D {
  const c = windows.shape[2];
  const [wh, ww] = window;
  const grid = tf.reshape(windows, [batch, height / wh, width / ww, wh, ww, c]);
  return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [batch, height, width, c]);
}

/** Python's `range(len)[start:stop]` bounds for a slice with possibly negative or absent ends. */
function sliceBounds(start: number, stop: number | null, len: number): [number, number] {
  const norm = (v: number) => Math.min(len, Math.max(0, v < 0 ? v + len : v));
  return [norm(start), stop == null ? len : norm(stop)];
}

/**
 * The shift mask of a shifted plan, `[nW, N, N]` (N = wh·ww) as a Float32Array: 0 where query
 * token i and key token j of a window come from the same region of the padded map before the
 * cyclic shift, −100 otherwise (torchvision 0.14: regions labelled by the slices
 * `(0, −w), (−w, −s), (−s, None)` of each axis, later labels overwriting earlier ones, so an axis
 * whose shift is 0 has one region).
 *
 * @example
 * ```ts
 * const mask = shiftMask(windowPlan(8, 8, [4, 4], [2, 2])); // 4 windows of 16×16
 * ```
 */
export function shiftMask(plan: WindowPlan): Float32Array {
  const { paddedHeight: h, paddedWidth: w, window: [wh, ww], shift: [sh, sw] } = plan;
  const labels = new Int32Array(h * w);
  const hs: [number, number | null][] = [[0, -wh], [-wh, -sh], [-sh, null]];
  const ws: [number, number | null][] = [[0, -ww], [-ww, -sw], [-sw, null]];
  let count = 0;
  for (const [h0, h1] of hs) {
    for (const [w0, w1] of ws) {
      const [r0, r1] = sliceBounds(h0, h1, h);
      const [c0, c1] = sliceBounds(w0, w1, w);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) labels[r * w + c] = count;
      count++;
    }
  }
  const n = wh * ww;
  const gw = w / ww;
  const mask = new Float32Array(plan.windows * n * n);
  for (let win = 0; win < plan.windows; win++) {
    const top = Math.floor(win / gw) * wh;
    const left = (win % gw) * ww;
    const label = (t: number) => labels[(top + Math.floor(t / ww)) * w + left + (t % ww)]!;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mask[(win * n + i) * n + j] = label(i) === label(j) ? 0 : -100;
  }
  return mask;
}

/**
 * torchvision's `relative_position_index` of a window: for query token i and key token j
 * (row-major in the window), the row of `relative_position_bias_table` (`[(2wh−1)(2ww−1), heads]`)
 * holding their bias: `(Δr + wh − 1)·(2ww − 1) + (Δc + ww − 1)` with `Δ = position(i) − position(j)`.
 * Length N² (N = wh·ww), row-major in (i, j).
 *
 * @example
 * ```ts
 * relativePositionIndex([7, 7]).length; // 2401; entries in 0..168
 * ```
 */
export function relativePositionIndex(window: WindowSize): Int32Array {
  checkWindow('relativePositionIndex', window);
  const [wh, ww] = window;
  const n = wh * ww;
  const index = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dr = Math.floor(i / ww) - Math.floor(j / ww);
      const dc = (i % ww) - (j % ww);
      index[i * n + j] = (dr + wh - 1) * (2 * ww - 1) + (dc + ww - 1);
    }
  }
  return index;
}

/**
 * The relative position bias `[heads, N, N]` gathered from a table `[(2wh−1)(2ww−1), heads]` with
 * an index from {@link relativePositionIndex} (an int32 tensor of length N²): torchvision's
 * `_get_relative_position_bias`, without its leading unit axis. Differentiable in the table.
 */
export function relativePositionBias(table: tf.Tensor2D, index: tf.Tensor1D, tokens: number): tf.Tensor3D {
  const heads = table.shape[1];
  return tf.transpose(tf.reshape(tf.gather(table, index), [tokens, tokens, heads]), [2, 0, 1]);
}

/**
 * Patch merging's gather (torchvision 0.14 `_patch_merging_pad`): pads `[B, H, W, C]` with a zero
 * row/column to even sizes, then concatenates along channels the 2×2 neighbours in the order
 * x0 = (even row, even col), x1 = (odd row, even col), x2 = (even row, odd col), x3 = (odd row,
 * odd col): `[B, ⌈H/2⌉, ⌈W/2⌉, 4C]`.
 */
export function patchMergingGather(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const padded = h % 2 || w % 2 ? tf.pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]) : x;
  const h2 = (h + (h % 2)) / 2;
  const w2 = (w + (w % 2)) / 2;
  // [b, i, dh, j, dw, c] → [b, i, j, dw, dh, c]: channel block dw·2 + dh gives x0, x1, x2, x3
  const grid = tf.reshape(padded, [b, h2, 2, w2, 2, c]);
  return tf.reshape(tf.transpose(grid, [0, 1, 3, 4, 2, 5]), [b, h2, w2, 4 * c]);
}
