// Hand-written WebAssembly SIMD loops that run straight on the tfjs-wasm heap: the mode-n products
// of a tensor that stays in its natural layout. For a tensor A viewed as [P, d, Q] (the axes before
// mode n, mode n, the axes after it), with rows A[p, i, :] of Q floats:
//
//   combine: out[p, j, :] += Σ_i U[i, j] · A[p, i, :]      (A ×_n Uᵀ, U d×k)
//   dots:    out[i, j]    += Σ_q A[p, i, q] · Z[p, j, q]   (summed over p by the caller: A_(n) Z_(n)ᵀ)
//
// Each call handles a block of `rows` rows of A (i) and `cols` columns (j) over a run of vectors of
// 4 floats, `unroll` vectors per iteration; the caller walks the blocks and chunks of Q so that the
// rows of a chunk stay in L1. Blocks are register-sized (2 rows × 4 columns: 8 v128 constants or
// accumulators), so every vector of A is loaded once per column block, not once per column.
// tfjs-wasm's own matMul needs A transposed (a full copy) for these products, or A as its right
// operand, which it repacks for every new tensor.
import { HeapModule, type HeapFunction } from './heap-module';
import { I32, V128, heapModuleBytes, op } from './wasm-asm';

/**
 * One kernel: `(out, a, m, n, k, qs, ms)`, byte addresses and strides in the tfjs heap; `n`
 * iterations of `unroll` vectors of 4 floats.
 * - combine: A rows at `a + r·qs`; U[r, j] at `m + r·ms + 4j`; out rows at `out + j·qs`.
 * - dots: A rows at `a + r·qs`; Z rows at `m + j·ms`; out[r, j] at `out + r·4k + 4j`.
 */
type Kernel = (out: number, a: number, m: number, n: number, k: number, qs: number, ms: number) => void;

/** Block shapes the module provides: rows of A × columns × vectors per iteration. */
export const ROW_BLOCKS = [2, 1] as const;
/** Column blocks the module provides. */
export const COL_BLOCKS = [4, 2, 1] as const;
/** Vectors per loop iteration the module provides. */
export const UNROLLS = [2, 1] as const;

/** The instantiated kernels, by `${op}${rows}x${cols}x${unroll}`. */
export type ModeKernels = Record<string, Kernel>;

/** Export name of one block shape. */
export const kernelName = (kind: KernelKind, rows: number, cols: number, unroll: number): string => `${kind}${rows}x${cols}x${unroll}`;

/** What a kernel does: `combine` adds into its output, `combineStore` overwrites it, `dots` adds. */
export type KernelKind = 'combine' | 'combineStore' | 'dots';

// Parameter locals.
const [OUT, A, M, N, K, QS, MS] = [0, 1, 2, 3, 4, 5, 6];
// i32 locals after the parameters: loop offset, its end, then row and column pointers.
const [OFF, END] = [7, 8];
const FIRST_PTR = 9;

/** base + r·stride (r a small constant) */
const rowAddress = (base: number, r: number, stride: number): number[] => [...op.get(base), ...op.get(stride), ...op.i32Const(r), ...op.mul, ...op.add];

/** for (off = 0; off < end; off += step) { body } */
function vectorLoop(step: number, body: number[]): number[] {
  return [
    ...op.i32Const(0), ...op.set(OFF),
    ...op.block, ...op.loop,
    ...op.get(OFF), ...op.get(END), ...op.geS, ...op.brIf(1),
    ...body,
    ...op.get(OFF), ...op.i32Const(step), ...op.add, ...op.set(OFF),
    ...op.br(0), ...op.end, ...op.end,
  ];
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function combineBody(rows: number, cols: number, unroll: number, accumulate: boolean): number[] {
  const AR = FIRST_PTR; // AR + r: row r of A
  const OR = AR + rows; // OR + j: output row j
  const i32s = 2 + rows + cols;
  const S = FIRST_PTR + rows + cols; // S + r·cols + j: splat of U[r, j]
  const AV = S + rows * cols; // AV + r·unroll + v: vector v of row r
  const v128s = rows * cols + rows * unroll;
  const at = (ptr: number): number[] => [...op.get(ptr), ...op.get(OFF), ...op.add];
  return [
    2, i32s, I32, v128s, V128,
    ...range(rows).flatMap((r) => [...rowAddress(A, r, QS), ...op.set(AR + r)]),
    ...range(cols).flatMap((j) => [...rowAddress(OUT, j, QS), ...op.set(OR + j)]),
    ...range(rows).flatMap((r) =>
      range(cols).flatMap((j) => [...rowAddress(M, r, MS), ...op.i32Const(4 * j), ...op.add, ...op.f32Load, ...op.f32x4Splat, ...op.set(S + r * cols + j)]),
    ),
    ...op.get(N), ...op.i32Const(16 * unroll), ...op.mul, ...op.set(END),
    ...vectorLoop(16 * unroll, [
      ...range(rows).flatMap((r) => range(unroll).flatMap((v) => [...at(AR + r), ...op.v128LoadAt(16 * v), ...op.set(AV + r * unroll + v)])),
      ...range(cols).flatMap((j) =>
        range(unroll).flatMap((v) => [
          ...at(OR + j), // store address
          ...(accumulate ? [...at(OR + j), ...op.v128LoadAt(16 * v)] : []),
          ...range(rows).flatMap((r) => [
            ...op.get(S + r * cols + j), ...op.get(AV + r * unroll + v), ...op.f32x4Mul,
            ...(accumulate || r > 0 ? op.f32x4Add : []),
          ]),
          ...op.v128StoreAt(16 * v),
        ]),
      ),
    ]),
    ...op.end,
  ];
}

function dotsBody(rows: number, cols: number, unroll: number): number[] {
  const AR = FIRST_PTR;
  const ZR = AR + rows;
  const ROWB = ZR + cols; // 4k: bytes per output row
  const i32s = 3 + rows + cols;
  const ACC = ROWB + 1; // ACC + r·cols + j
  const ZV = ACC + rows * cols; // ZV + j: vector of Z row j
  const AV = ZV + cols; // the current vector of A
  const v128s = rows * cols + cols + 1;
  const at = (ptr: number): number[] => [...op.get(ptr), ...op.get(OFF), ...op.add];
  const hsum = (acc: number): number[] => [
    ...op.get(acc), ...op.f32x4ExtractLane(0),
    ...op.get(acc), ...op.f32x4ExtractLane(1), ...op.f32Add,
    ...op.get(acc), ...op.f32x4ExtractLane(2), ...op.f32Add,
    ...op.get(acc), ...op.f32x4ExtractLane(3), ...op.f32Add,
  ];
  return [
    2, i32s, I32, v128s, V128,
    ...range(rows).flatMap((r) => [...rowAddress(A, r, QS), ...op.set(AR + r)]),
    ...range(cols).flatMap((j) => [...rowAddress(M, j, MS), ...op.set(ZR + j)]),
    ...op.get(K), ...op.i32Const(4), ...op.mul, ...op.set(ROWB),
    ...range(rows * cols).flatMap((x) => [...op.v128Zero, ...op.set(ACC + x)]),
    ...op.get(N), ...op.i32Const(16 * unroll), ...op.mul, ...op.set(END),
    ...vectorLoop(16 * unroll, [
      ...range(unroll).flatMap((v) => [
        ...range(cols).flatMap((j) => [...at(ZR + j), ...op.v128LoadAt(16 * v), ...op.set(ZV + j)]),
        ...range(rows).flatMap((r) => [
          ...at(AR + r), ...op.v128LoadAt(16 * v), ...op.set(AV),
          ...range(cols).flatMap((j) => {
            const acc = ACC + r * cols + j;
            return [...op.get(acc), ...op.get(AV), ...op.get(ZV + j), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(acc)];
          }),
        ]),
      ]),
    ]),
    // out[r·k + j] += hsum(acc[r][j])
    ...range(rows).flatMap((r) =>
      range(cols).flatMap((j) => {
        const addr = [...rowAddress(OUT, r, ROWB), ...op.i32Const(4 * j), ...op.add];
        return [...addr, ...addr, ...op.f32Load, ...hsum(ACC + r * cols + j), ...op.f32Add, ...op.f32Store];
      }),
    ),
    ...op.end,
  ];
}

function functions(): HeapFunction[] {
  const out: HeapFunction[] = [];
  for (const rows of ROW_BLOCKS) {
    for (const cols of COL_BLOCKS) {
      for (const unroll of UNROLLS) {
        out.push({ name: kernelName('combine', rows, cols, unroll), type: 0, body: combineBody(rows, cols, unroll, true) });
        out.push({ name: kernelName('combineStore', rows, cols, unroll), type: 0, body: combineBody(rows, cols, unroll, false) });
        out.push({ name: kernelName('dots', rows, cols, unroll), type: 0, body: dotsBody(rows, cols, unroll) });
      }
    }
  }
  return out;
}

const heapModule = new HeapModule((shared) => {
  const list = functions();
  return { bytes: heapModuleBytes([Array<number>(7).fill(I32)], list, shared), names: list.map((f) => f.name) };
});

/**
 * The kernels bound to `memory` (the tfjs-wasm heap, shared or not), or null where WebAssembly
 * SIMD is unavailable. Compiled once per kind of memory, synchronously; they run on the calling
 * thread.
 */
export function modeKernels(memory: WebAssembly.Memory): ModeKernels | null {
  return heapModule.bind(memory) as ModeKernels | null;
}
