import { tf } from '../engine';
import { ShapeError } from '../errors';
import { wasmHeapAddress, wasmHeapMemory, wasmUninitialized } from './host-data';
import { COL_BLOCKS, COMBINE_ROWS, ROW_BLOCKS, UNROLLS, kernelName, modeKernels, type KernelKind, type ModeKernels } from './simd-mode';

/*
 * Mode-n products of a large tensor kept in its natural layout (no transpose of the tensor), for
 * ASI's compression and its Tucker weight gradients. On wasm they run the SIMD loops of
 * ./simd-mode on the tensors' heap memory; elsewhere (and when the trailing size Q is not a
 * multiple of 4, or shorter than MIN_ROW_FLOATS) they use tfjs ops.
 */

/** A viewed as [P, d, Q] around `mode`. */
function around(shape: readonly number[], mode: number): [number, number, number] {
  const P = shape.slice(0, mode).reduce((x, y) => x * y, 1);
  const Q = shape.slice(mode + 1).reduce((x, y) => x * y, 1);
  return [P, shape[mode]!, Q];
}

function checkMode(op: string, a: tf.Tensor, mode: number): void {
  if (a.dtype !== 'float32') throw new ShapeError(`${op}: expected a float32 tensor, got ${a.dtype}; cast it first`);
  if (!Number.isInteger(mode) || mode < 0 || mode >= a.rank) {
    throw new ShapeError(`${op}: mode ${mode} is not an axis of a rank-${a.rank} tensor; pass 0 … ${a.rank - 1}`);
  }
}

/**
 * Shortest rows (Q, floats) the SIMD path takes: each call of a loop covers one block of rows over
 * at most one chunk of Q, so short rows mean many calls from JS for little work (a 3×3 conv's
 * Tucker expansion of a 8×30×12×8 tensor along its third axis: 13 000 calls of 2 vectors each),
 * where a transpose and one matMul cost less.
 */
const MIN_ROW_FLOATS = 64;

/**
 * Most rows of A for which {@link modeCombine} on the last axis runs the dots loop rather than a
 * matMul: on taller A (1576×768, 6272×96, 512×64 against 16 columns) tfjs-wasm's matMul is the
 * faster one even with a new right operand; up to 128×576 the loop is (wasm, Node 20).
 */
const LAST_MODE_DOTS_MAX_ROWS = 256;

/** The SIMD loops when they can run on rows of `q` floats, else null. */
function simdKernels(q: number): ModeKernels | null {
  if (q % 4 !== 0 || q < MIN_ROW_FLOATS) return null;
  const memory = wasmHeapMemory();
  return memory == null ? null : modeKernels(memory);
}

/** Kernels and heap addresses when the in-place SIMD path can run, else null. */
function simdPath(q: number, tensors: tf.Tensor[]): { kernels: ModeKernels; addresses: number[] } | null {
  const kernels = simdKernels(q);
  if (kernels == null) return null;
  const addresses = tensors.map(wasmHeapAddress);
  if (addresses.some((x) => x == null)) return null;
  return { kernels, addresses: addresses as number[] };
}

/** Vectors of 4 floats per chunk of Q: 128 KB per row, so that a block's output rows of a chunk stay in L2 while rows of A stream by. */
const CHUNK_VECTORS = 8192;

/** [start, size] blocks covering 0 … total−1, greedily with the largest size that fits. */
function blocks(total: number, sizes: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  for (const size of sizes) {
    for (; at + size <= total; at += size) out.push([at, size]);
  }
  return out;
}

/** Runs over `n` vectors: [first vector, iterations, vectors per iteration]. */
function runs(n: number): [number, number, number][] {
  const pairs = Math.floor(n / 2);
  const out: [number, number, number][] = [];
  if (pairs > 0) out.push([0, pairs, 2]);
  if (n % 2 === 1) out.push([n - 1, 1, 1]);
  return out;
}

/**
 * Visits one call of a SIMD loop: `p` (index over the axes before the mode), the first row `i0`
 * of mode n and the number of rows, the first column `j0` of the factor and the number of columns,
 * the first float `at` of the rows' run along Q, the loop iterations and the vectors per
 * iteration. Positional arguments: a mode product makes up to thousands of calls, and an object
 * per call costs more than a small call's loop.
 */
type BlockVisitor = (p: number, i0: number, rows: number, j0: number, cols: number, at: number, iterations: number, unroll: number) => void;

/** The combine loops' row blocks: COMBINE_ROWS rows each, the last one shorter. */
function combineRowBlocks(d: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < d; i += COMBINE_ROWS) out.push([i, Math.min(COMBINE_ROWS, d - i)]);
  return out;
}

/**
 * Every call that covers A viewed as [P, d, Q] against k columns, with the given blocks of rows:
 * per p and chunk of Q, column blocks outside row blocks (a column block's output rows stay in
 * cache while rows of A stream by).
 */
function forBlocks(P: number, d: number, Q: number, k: number, rowBlocks: readonly [number, number][], visit: BlockVisitor): void {
  const colBlocks = blocks(k, COL_BLOCKS);
  const q4 = Q / 4;
  const chunks: [number, [number, number, number][]][] = [];
  for (let c = 0; c < q4; c += CHUNK_VECTORS) chunks.push([c, runs(Math.min(CHUNK_VECTORS, q4 - c))]);
  for (let p = 0; p < P; p++) {
    for (const [c, vectorRuns] of chunks) {
      for (const [j0, cols] of colBlocks) {
        for (const [i0, rows] of rowBlocks) {
          for (const [v0, iterations, unroll] of vectorRuns) visit(p, i0, rows, j0, cols, (c + v0) * 4, iterations, unroll);
        }
      }
    }
  }
}

/** A SIMD loop of ./simd-mode: `(out, a, m, iterations, k, qs, ms)`. */
type Kernel = ModeKernels[string];

/** The loops, looked up once per instantiation, not per call: combine by `[cols][unroll]`, dots by `[rows][cols][unroll]`. */
interface KernelTable {
  combine: Kernel[][];
  combineStore: Kernel[][];
  dots: Kernel[][][];
}

const kernelTables = new WeakMap<ModeKernels, KernelTable>();

function kernelTable(kernels: ModeKernels): KernelTable {
  let t = kernelTables.get(kernels);
  if (t == null) {
    const byCols = (kind: KernelKind, rows: number): Kernel[][] => {
      const out: Kernel[][] = [];
      for (const cols of COL_BLOCKS) {
        out[cols] = [];
        for (const unroll of UNROLLS) out[cols]![unroll] = kernels[kernelName(kind, rows, cols, unroll)]!;
      }
      return out;
    };
    const dots: Kernel[][][] = [];
    for (const rows of ROW_BLOCKS) dots[rows] = byCols('dots', rows);
    t = { combine: byCols('combine', 0), combineStore: byCols('combineStore', 0), dots };
    kernelTables.set(kernels, t);
  }
  return t;
}

/**
 * A ×_n Uᵀ: axis `mode` of `a` (size d) is replaced by k, with
 * `out[…, j, …] = Σ_i u[i, j] · a[…, i, …]`. `u` is d×k (e.g. a Tucker factor with orthonormal
 * columns, giving the projection onto it). `a` is read in its own layout: on wasm one pass of a
 * SIMD loop over its heap memory, without the transpose (a full copy) that a matMul needs for
 * any mode but the last; the last mode of a tensor of at most 256 rows runs the `modeDots` loop
 * against Uᵀ (no matMul, whose right operand tfjs-wasm packs anew for every new factor).
 *
 * @param a - float32 tensor, any rank
 * @param mode - the axis to contract
 * @param u - float32 `[a.shape[mode], k]`
 * @returns float32, `a`'s shape with axis `mode` of size k
 *
 * @example
 * ```ts
 * const z = modeCombine(dy, 0, UB); // [64, 7, 7, 576] → [4, 7, 7, 576]
 * ```
 */
export function modeCombine(a: tf.Tensor, mode: number, u: tf.Tensor2D): tf.Tensor {
  checkMode('modeCombine', a, mode);
  const [P, d, Q] = around(a.shape, mode);
  if (u.rank !== 2 || u.shape[0] !== d || u.dtype !== 'float32') {
    throw new ShapeError(`modeCombine: the factor has shape [${u.shape.join(', ')}] (${u.dtype}); mode ${mode} has size ${d}, so pass a float32 [${d}, k]`);
  }
  const k = u.shape[1];
  const outShape = a.shape.map((s, i) => (i === mode ? k : s));
  if (Q === 1 && P <= LAST_MODE_DOTS_MAX_ROWS) {
    // The last mode of a short A: A is a [P, d] matrix and A·U = A_(0) (Uᵀ)_(0)ᵀ, the dots loop
    // against a copy of the small Uᵀ, reading A in place. tfjs-wasm's matMul packs U as a new right
    // operand on every call, which costs more than the product here (ASI's channel step on a
    // 64×576 projected tensor with a 576×16 factor: 0.08 against 0.12 ms within a training step).
    if (simdKernels(d) != null) {
      return tf.tidy(() => {
        const a2 = tf.reshape(a, [P, d]) as tf.Tensor2D;
        return tf.reshape(dotsInPlace(a2, tf.transpose(u), 1, P, d, k) ?? tf.matMul(a2, u), outShape);
      });
    }
  }
  // The first block of rows of A overwrites the output, so it needs no zeros.
  const out = wasmUninitialized(outShape) ?? tf.fill(outShape, 0, 'float32');
  const path = simdPath(Q, [a, u, out]);
  if (path == null) {
    out.dispose();
    return combineByMatMul(a, mode, u, outShape);
  }
  const { kernels, addresses } = path;
  const [ao, uo, oo] = addresses as [number, number, number];
  const [qs, us] = [Q * 4, k * 4];
  const { combine, combineStore } = kernelTable(kernels);
  forBlocks(P, d, Q, k, combineRowBlocks(d), (p, i0, rows, j0, cols, at, iterations, unroll) =>
    (i0 === 0 ? combineStore : combine)[cols]![unroll]!(
      oo + (p * k * Q + j0 * Q + at) * 4, ao + (p * d * Q + i0 * Q + at) * 4, uo + (i0 * k + j0) * 4, iterations, rows, qs, us,
    ),
  );
  return out;
}

/**
 * A_(n) Z_(n)ᵀ: `out[i, j] = Σ a[…, i, …] · z[…, j, …]` over every index but mode n's. With
 * `z = A ×_n Uᵀ` this is the power-iteration product A_(n) A_(n)ᵀ U. Both tensors are read in their
 * own layout (on wasm one pass of a SIMD loop over their heap memory).
 *
 * @param a - float32 tensor, any rank
 * @param mode - the axis kept
 * @param z - float32, `a`'s shape except k on axis `mode`
 * @returns float32 `[a.shape[mode], k]`
 *
 * @example
 * ```ts
 * const p = modeDots(x, 0, modeCombine(x, 0, prevUB)); // [64, 4]
 * ```
 */
export function modeDots(a: tf.Tensor, mode: number, z: tf.Tensor): tf.Tensor2D {
  checkMode('modeDots', a, mode);
  const [P, d, Q] = around(a.shape, mode);
  const k = z.shape[mode] ?? 0;
  if (z.rank !== a.rank || z.dtype !== 'float32' || z.shape.some((s, i) => i !== mode && s !== a.shape[i])) {
    throw new ShapeError(`modeDots: z has shape [${z.shape.join(', ')}] (${z.dtype}); pass a float32 tensor shaped like a [${a.shape.join(', ')}] except on axis ${mode}`);
  }
  return dotsInPlace(a, z, P, d, Q, k) ?? dotsByMatMul(a, mode, z);
}

/**
 * {@link modeDots} of `a` viewed as [P, d, Q] and `z` as [P, k, Q] on the SIMD loops, or null
 * where they cannot run (not wasm, or rows of Q floats too short or not a multiple of 4).
 */
function dotsInPlace(a: tf.Tensor, z: tf.Tensor, P: number, d: number, Q: number, k: number): tf.Tensor2D | null {
  const out = tf.fill([d, k], 0, 'float32') as tf.Tensor2D;
  const path = simdPath(Q, [a, z, out]);
  if (path == null) {
    out.dispose();
    return null;
  }
  const { kernels, addresses } = path;
  const [ao, zo, oo] = addresses as [number, number, number];
  const qs = Q * 4;
  const { dots } = kernelTable(kernels);
  forBlocks(P, d, Q, k, blocks(d, ROW_BLOCKS), (p, i0, rows, j0, cols, at, iterations, unroll) =>
    dots[rows]![cols]![unroll]!(
      oo + (i0 * k + j0) * 4, ao + (p * d * Q + i0 * Q + at) * 4, zo + (p * k * Q + j0 * Q + at) * 4, iterations, k, qs, qs,
    ),
  );
  return out;
}

/** Axis `mode` moved last (a transpose unless it is last), as a [rest, d] matrix. */
function modeLast(t: tf.Tensor, mode: number): { mat: tf.Tensor2D; perm: number[] } {
  const perm = [...t.shape.keys()].filter((i) => i !== mode).concat(mode);
  const moved = mode === t.rank - 1 ? t : tf.transpose(t, perm);
  return { mat: tf.reshape(moved, [t.size / t.shape[mode]!, t.shape[mode]!]), perm };
}

/** {@link modeCombine} with tfjs ops: `a` moved so that mode n is last, the left operand. */
function combineByMatMul(a: tf.Tensor, mode: number, u: tf.Tensor2D, outShape: number[]): tf.Tensor {
  return tf.tidy(() => {
    const { mat, perm } = modeLast(a, mode);
    const prod = tf.reshape(tf.matMul(mat, u), perm.map((i) => outShape[i]!));
    return mode === a.rank - 1 ? prod : tf.transpose(prod, outShape.map((_, i) => perm.indexOf(i)));
  });
}

/** {@link modeDots} with tfjs ops: both moved so that mode n is last; (rest×d)ᵀ·(rest×k). */
function dotsByMatMul(a: tf.Tensor, mode: number, z: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => tf.matMul(tf.transpose(modeLast(a, mode).mat), modeLast(z, mode).mat) as tf.Tensor2D);
}
