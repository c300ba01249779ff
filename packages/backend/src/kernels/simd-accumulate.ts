// Two tiny hand-assembled WebAssembly SIMD loops, the inner loops of weight gradients that the
// backends run slowly: `acc`, the depthwise weight gradient (XNNPACK has no depthwise microkernel
// for an H'×W' "kernel", cpu loops in scalar JS), and `outer`, the conv2d weight gradient on cpu
// (whose forward convolution runs ~0.8 GFLOP/s). The module is a few hundred bytes, built here so
// that no binary asset has to ship.

import { I32, V128, bump, forLoop, name, offset, op, section, uleb } from './wasm-asm';

/**
 * (func $acc (param acc x dy count xs ds n4 as i32)): for t < count, k < n4 (vectors of 4 floats):
 * acc[t·as + k] += x[t·xs + k] · dy[t·ds + k]. Addresses and strides in bytes.
 */
function accBody(): number[] {
  const [ACC, X, DY, COUNT, XS, DS, N4, AS, T, K, XP, DP, AP] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  return [
    ...[1, 5, I32],
    ...forLoop(T, COUNT, [
      ...offset(XP, X, T, XS),
      ...offset(DP, DY, T, DS),
      ...offset(AP, ACC, T, AS),
      ...forLoop(K, N4, [
        ...op.get(AP),
        ...op.get(AP), ...op.v128Load,
        ...op.get(XP), ...op.v128Load,
        ...op.get(DP), ...op.v128Load,
        ...op.f32x4Mul, ...op.f32x4Add, ...op.v128Store,
        ...bump(AP, 16), ...bump(XP, 16), ...bump(DP, 16),
      ]),
    ]),
    ...op.end,
  ];
}

/**
 * (func $outer (param acc x dy count xs ds c o4 i32)): for t < count, ci < c, k < o4:
 * acc[ci][k] += x[t·xs + ci] · dy[t·ds + k] (acc rows of 4·o4 floats). Addresses and strides in bytes.
 */
function outerBody(): number[] {
  const [ACC, X, DY, COUNT, XS, DS, C, O4, T, CI, K, XP, DP, AP, DK, A] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  return [
    ...[2, 7, I32, 1, V128],
    ...forLoop(T, COUNT, [
      ...offset(XP, X, T, XS),
      ...offset(DP, DY, T, DS),
      ...op.get(ACC), ...op.set(AP),
      ...forLoop(CI, C, [
        ...op.get(XP), ...op.f32Load, ...op.f32x4Splat, ...op.set(A),
        ...bump(XP, 4),
        ...op.get(DP), ...op.set(DK),
        ...forLoop(K, O4, [
          ...op.get(AP),
          ...op.get(AP), ...op.v128Load,
          ...op.get(A),
          ...op.get(DK), ...op.v128Load,
          ...op.f32x4Mul, ...op.f32x4Add, ...op.v128Store,
          ...bump(AP, 16), ...bump(DK, 16),
        ]),
      ]),
    ]),
    ...op.end,
  ];
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const bodies = [accBody(), outerBody()];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 8, ...Array(8).fill(I32), 0]),
    ...section(3, [2, 0, 0]),
    ...section(5, [1, 0, 1]),
    ...section(7, [3, ...name('mem'), 0x02, 0, ...name('acc'), 0x00, 0, ...name('outer'), 0x00, 1]),
    ...section(10, [2, ...bodies.flatMap((b) => [...uleb(b.length), ...b])]),
  ];
  return new Uint8Array(bytes);
}

/** The instantiated kernel and its memory. */
export interface SimdAccumulator {
  /** acc[t·as + k] += x[t·xs + k] · dy[t·ds + k] for t < count, k < 4·n4 (byte addresses and strides). */
  acc: (acc: number, x: number, dy: number, count: number, xs: number, ds: number, n4: number, as: number) => void;
  /** acc[ci][k] += x[t·xs + ci] · dy[t·ds + k] for t < count, ci < c, k < 4·o4 (byte addresses and strides). */
  outer: (acc: number, x: number, dy: number, count: number, xs: number, ds: number, c: number, o4: number) => void;
  /** The module's linear memory. */
  memory: WebAssembly.Memory;
}

let instance: SimdAccumulator | null | undefined;

/** The SIMD kernel, or null where WebAssembly SIMD is unavailable. Compiled once, synchronously. */
export function simdAccumulator(): SimdAccumulator | null {
  if (instance !== undefined) return instance;
  try {
    const wasm = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes()), {});
    const exports = wasm.exports as unknown as Omit<SimdAccumulator, 'memory'> & { mem: WebAssembly.Memory };
    instance = { acc: exports.acc, outer: exports.outer, memory: exports.mem };
  } catch {
    instance = null;
  }
  return instance;
}

/** Grows the kernel memory to at least `bytes` (WebAssembly memory never shrinks). */
export function ensureMemory(sim: SimdAccumulator, bytes: number): void {
  const have = sim.memory.buffer.byteLength;
  if (bytes > have) sim.memory.grow(Math.ceil((bytes - have) / 65536));
}
