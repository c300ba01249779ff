// WebAssembly SIMD loops for the 1-bit ReLU masks (range-mask.ts), run on the tfjs-wasm heap in
// place: 8 floats per mask byte.
//
//   makeBits(x, bits, bytes, low, high):  bits[b] = Σ_j [low < x[8b+j] ≤ high] << j
//   applyBits(dy, bits, out, bytes):      out[8b+j] = bit j of bits[b] ? dy[8b+j] : +0
//
// Comparisons are f32x4 (NaN compares false); the output is dy's bits ANDed with a lane mask, so
// dy passes unchanged (NaN included) where the bit is set and +0 is written elsewhere.
import { HeapModule, type HeapExports } from './heap-module';
import { F32, I32, V128, heapModuleBytes, op } from './wasm-asm';

// makeBits locals: 0 x, 1 bits, 2 bytes, 3 low, 4 high (f32), 5 b (i32), 6 lowV, 7 highV, 8 v (v128)
function makeBody(): number[] {
  const [X, BITS, BYTES, LOW, HIGH, B, LOWV, HIGHV, V] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const lanes = (offset: number): number[] => [
    ...op.get(X), ...op.v128LoadAt(offset), ...op.set(V),
    ...op.get(V), ...op.get(LOWV), ...op.f32x4Gt,
    ...op.get(V), ...op.get(HIGHV), ...op.f32x4Le,
    ...op.v128And, ...op.i32x4Bitmask,
  ];
  return [
    2, 1, I32, 3, V128,
    ...op.get(LOW), ...op.f32x4Splat, ...op.set(LOWV),
    ...op.get(HIGH), ...op.f32x4Splat, ...op.set(HIGHV),
    ...op.i32Const(0), ...op.set(B),
    ...op.block, ...op.loop,
    ...op.get(B), ...op.get(BYTES), ...op.geS, ...op.brIf(1),
    // bits[b] = mask(x[0..3]) | mask(x[4..7]) << 4
    ...op.get(BITS), ...op.get(B), ...op.add,
    ...lanes(0), ...lanes(16), ...op.i32Const(4), ...op.shl, ...op.or,
    ...op.i32Store8,
    ...op.get(X), ...op.i32Const(32), ...op.add, ...op.set(X),
    ...op.get(B), ...op.i32Const(1), ...op.add, ...op.set(B),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
}

// applyBits locals: 0 dy, 1 bits, 2 out, 3 bytes, 4 b, 5 byte (i32), 6 spread (v128)
function applyBody(): number[] {
  const [DY, BITS, OUT, BYTES, B, SPREAD] = [0, 1, 2, 3, 4, 6];
  const half = (offset: number, laneBits: [number, number, number, number]): number[] => [
    ...op.get(OUT),
    ...op.get(DY), ...op.v128LoadAt(offset),
    ...op.get(SPREAD), ...op.v128I32(laneBits), ...op.v128And, ...op.v128I32([0, 0, 0, 0]), ...op.i32x4Ne,
    ...op.v128And,
    ...op.v128StoreAt(offset),
  ];
  return [
    2, 2, I32, 1, V128,
    ...op.i32Const(0), ...op.set(B),
    ...op.block, ...op.loop,
    ...op.get(B), ...op.get(BYTES), ...op.geS, ...op.brIf(1),
    ...op.get(BITS), ...op.get(B), ...op.add, ...op.i32Load8U, ...op.i32x4Splat, ...op.set(SPREAD),
    ...half(0, [1, 2, 4, 8]),
    ...half(16, [16, 32, 64, 128]),
    ...op.get(DY), ...op.i32Const(32), ...op.add, ...op.set(DY),
    ...op.get(OUT), ...op.i32Const(32), ...op.add, ...op.set(OUT),
    ...op.get(B), ...op.i32Const(1), ...op.add, ...op.set(B),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
}

const heapModule = new HeapModule((shared) => ({
  bytes: heapModuleBytes(
    [
      [I32, I32, I32, F32, F32],
      [I32, I32, I32, I32],
    ],
    [
      { name: 'makeBits', type: 0, body: makeBody() },
      { name: 'applyBits', type: 1, body: applyBody() },
    ],
    shared,
  ),
  names: ['makeBits', 'applyBits'],
}));

/** The mask kernels on the tfjs-wasm heap. */
export interface MaskKernels extends HeapExports {
  /** bits[b] for b < bytes from x[8b … 8b+7] (byte addresses; low, high as float32). */
  makeBits: (x: number, bits: number, bytes: number, low: number, high: number) => void;
  /** out[8b … 8b+7] from dy and bits[b] for b < bytes (byte addresses). */
  applyBits: (dy: number, bits: number, out: number, bytes: number) => void;
}

/** The mask kernels bound to `memory` (the tfjs-wasm heap), or null (see HeapModule). */
export function maskKernels(memory: WebAssembly.Memory): MaskKernels | null {
  return heapModule.bind(memory) as MaskKernels | null;
}
