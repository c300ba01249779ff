// Hand-written WebAssembly SIMD loops that run straight on the tfjs-wasm heap: the mode-n products
// of a tensor that stays in its natural layout. For a tensor A viewed as [P, d, Q] (the axes before
// mode n, mode n, the axes after it), with rows A[p, i, :] of Q floats:
//
//   combine: out[p, j, :] (+)= Σ_i U[i, j] · A[p, i, :]   (A ×_n Uᵀ, U d×k)
//   dots:    out[i, j]    += Σ_q A[p, i, q] · Z[p, j, q]   (summed over p by the caller: A_(n) Z_(n)ᵀ)
//
// Both run over a run of vectors of 4 floats, `unroll` vectors per iteration, for a block of `cols`
// columns (j); the caller walks the blocks and chunks of Q.
// - combine takes a runtime number of rows of A per call (COMBINE_ROWS) and keeps the column
//   block's sums in registers while those rows stream by (U[i, j] splatted from memory), so the
//   output is read and written once per call, not once per row pair: ~20-35 % faster on wasm than
//   a 2-row register block that reloads and stores its 4 output rows for every 2 rows of A.
// - dots takes a register block of `rows` rows × `cols` columns (up to 4 × 4: 16 accumulators),
//   so every vector of A is loaded once per column block, not once per column, and every vector of
//   Z once per block of rows (4 rows: ~5 % faster than 2 on the 64×7×7×576 batch products).
// tfjs-wasm's own matMul needs A transposed (a full copy) for these products, or A as its right
// operand, which it repacks for every new tensor.
import { HeapModule, type HeapFunction } from './heap-module';
import { I32, V128, heapModuleBytes, op } from './wasm-asm';

/**
 * One kernel: `(out, a, m, n, k, qs, ms)`, byte addresses and strides in the tfjs heap; `n`
 * iterations of `unroll` vectors of 4 floats.
 * - combine: `k` rows of A at `a + r·qs` (r < k); U[r, j] at `m + r·ms + 4j`; out rows at `out + j·qs`.
 * - dots: A rows at `a + r·qs`; Z rows at `m + j·ms`; out[r, j] at `out + r·4k + 4j`.
 */
type Kernel = (out: number, a: number, m: number, n: number, k: number, qs: number, ms: number) => void;

/** Rows of A per combine call: 8 rows (32 splat loads per 2 vectors) beat 4, 16, 32 and 64 on the 64×7×7×576 batch products (wasm, Node 20). */
export const COMBINE_ROWS = 8;
/** Row blocks of the dots loops (rows of A per register block). */
export const ROW_BLOCKS = [4, 2, 1] as const;
/** Column blocks the module provides. */
export const COL_BLOCKS = [4, 2, 1] as const;
/** Vectors per loop iteration the module provides. */
export const UNROLLS = [2, 1] as const;

/** The instantiated kernels, by `${op}${rows}x${cols}x${unroll}` (rows 0 for combine: a runtime count). */
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

/**
 * combine: out[j, :] (+)= Σ_{r<k} U[r, j] · A[r, :] over the call's `k` rows of A, the column
 * block's sums kept in registers while the rows stream by (U[r, j] splatted from memory), the
 * output read (when accumulating) and written once per vector.
 */
function combineBody(cols: number, unroll: number, accumulate: boolean): number[] {
  const [RP, UP, REND] = [FIRST_PTR, FIRST_PTR + 1, FIRST_PTR + 2];
  const i32s = 5;
  const ACC = FIRST_PTR + 3; // ACC + j·unroll + v
  const AV = ACC + cols * unroll;
  const S = AV + unroll;
  const v128s = cols * unroll + unroll + cols;
  return [
    2, i32s, I32, v128s, V128,
    ...op.get(N), ...op.i32Const(16 * unroll), ...op.mul, ...op.set(END),
    ...vectorLoop(16 * unroll, [
      ...(accumulate
        ? range(cols).flatMap((j) => [
            ...rowAddress(OUT, j, QS), ...op.get(OFF), ...op.add, ...op.set(RP),
            ...range(unroll).flatMap((v) => [...op.get(RP), ...op.v128LoadAt(16 * v), ...op.set(ACC + j * unroll + v)]),
          ])
        : range(cols * unroll).flatMap((x) => [...op.v128Zero, ...op.set(ACC + x)])),
      ...op.get(A), ...op.get(OFF), ...op.add, ...op.tee(RP), ...op.get(K), ...op.get(QS), ...op.mul, ...op.add, ...op.set(REND),
      ...op.get(M), ...op.set(UP),
      ...op.block, ...op.loop,
      ...op.get(RP), ...op.get(REND), ...op.geU, ...op.brIf(1),
      ...range(unroll).flatMap((v) => [...op.get(RP), ...op.v128LoadAt(16 * v), ...op.set(AV + v)]),
      ...range(cols).flatMap((j) => [...op.get(UP), ...op.v128Load32SplatAt(4 * j), ...op.set(S + j)]),
      ...range(cols).flatMap((j) =>
        range(unroll).flatMap((v) => [...op.get(ACC + j * unroll + v), ...op.get(S + j), ...op.get(AV + v), ...op.f32x4Mul, ...op.f32x4Add, ...op.set(ACC + j * unroll + v)]),
      ),
      ...op.get(RP), ...op.get(QS), ...op.add, ...op.set(RP),
      ...op.get(UP), ...op.get(MS), ...op.add, ...op.set(UP),
      ...op.br(0), ...op.end, ...op.end,
      ...range(cols).flatMap((j) => [
        ...rowAddress(OUT, j, QS), ...op.get(OFF), ...op.add, ...op.set(RP),
        ...range(unroll).flatMap((v) => [...op.get(RP), ...op.get(ACC + j * unroll + v), ...op.v128StoreAt(16 * v)]),
      ]),
    ]),
    ...op.end,
  ];
}

function functions(): HeapFunction[] {
  const out: HeapFunction[] = [];
  for (const rows of ROW_BLOCKS) {
    for (const cols of COL_BLOCKS) {
      for (const unroll of UNROLLS) {
        out.push({ name: kernelName('dots', rows, cols, unroll), type: 0, body: dotsBody(rows, cols, unroll) });
      }
    }
  }
  for (const cols of COL_BLOCKS) {
    for (const unroll of UNROLLS) {
      out.push({ name: kernelName('combine', 0, cols, unroll), type: 0, body: combineBody(cols, unroll, true) });
      out.push({ name: kernelName('combineStore', 0, cols, unroll), type: 0, body: combineBody(cols, unroll, false) });
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
