// odl's heap SIMD kernels on a shared memory (the heap of tfjs-wasm's threaded build, which only a
// cross-origin-isolated browser page runs): the modules are assembled with a shared import and give
// bit-for-bit the results they give on an ordinary memory, which equal Float64 loops written from
// the definitions. The browser half (the threaded build itself, in Chromium) is
// apps/web/test/threads.e2e.test.ts. Also: what setupBackend({ threads }) does in Node.
import { describe, expect, it } from 'vitest';
import { ArgumentError, ThreadsUnavailableError, setupBackend, wasmThreadsInfo } from '../src/index';
import { isSharedMemory } from '../src/kernels/heap-module';
import { maskKernels } from '../src/kernels/simd-mask';
import { kernelName, modeKernels } from '../src/kernels/simd-mode';
import { MAX_WASM32_PAGES, memoryLimits } from '../src/kernels/wasm-asm';

/** An ordinary and a shared memory; the shared one declared as tfjs' threaded build declares its heap (4 GiB maximum). */
const memories = () => ({
  plain: new WebAssembly.Memory({ initial: 4 }),
  shared: new WebAssembly.Memory({ initial: 4, maximum: MAX_WASM32_PAGES, shared: true }),
});

/** Deterministic floats in [-1, 1) (a small LCG), so both memories get the same bytes. */
function floats(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const ROWS = 2;
const COLS = 4;
const Q = 24; // floats per row: 6 vectors of 4
const A_AT = 1024;
const U_AT = 4096;
const OUT_AT = 8192;
const BITS_AT = 16384;
const DY_AT = 20480;
const MASKED_AT = 28672;

describe('heap SIMD kernels on a shared memory', () => {
  it('import a shared memory with the wasm32 maximum (flags 0x03), an ordinary one with none', () => {
    expect(memoryLimits(false)).toEqual([0x00, 0x00]);
    expect(memoryLimits(true)).toEqual([0x03, 0x00, 0x80, 0x80, 0x04]); // max 65536 pages, LEB128
    const { plain, shared } = memories();
    expect(isSharedMemory(plain)).toBe(false);
    expect(isSharedMemory(shared)).toBe(true);
  });

  it('bind to a shared memory as to an ordinary one (not the tensor-op fallback), also one with a smaller maximum', () => {
    const { plain, shared } = memories();
    const small = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    for (const m of [plain, shared, small]) {
      expect(modeKernels(m)).not.toBeNull();
      expect(maskKernels(m)).not.toBeNull();
    }
  });

  it('mode products: the same bits on both memories, equal to a Float64 loop', () => {
    const { plain, shared } = memories();
    const a = floats(ROWS * Q, 1);
    const u = floats(ROWS * COLS, 2);
    const start = floats(COLS * Q, 3);
    const results = [plain, shared].map((memory) => {
      const f32 = new Float32Array(memory.buffer);
      f32.set(a, A_AT / 4);
      f32.set(u, U_AT / 4);
      f32.set(start, OUT_AT / 4);
      const k = modeKernels(memory)!;
      // out[j, :] += Σ_r U[r, j] · A[r, :]   (ROWS rows in the call, columns 4, 2 vectors per iteration, 3 iterations)
      k[kernelName('combine', 0, COLS, 2)]!(OUT_AT, A_AT, U_AT, Q / 8, ROWS, Q * 4, COLS * 4);
      const combined = f32.slice(OUT_AT / 4, OUT_AT / 4 + COLS * Q);
      // dots[r, j] = Σ_q A[r, q] · combined[j, q], into a zeroed output
      f32.fill(0, U_AT / 4, U_AT / 4 + ROWS * COLS);
      k[kernelName('dots', ROWS, COLS, 1)]!(U_AT, A_AT, OUT_AT, Q / 4, COLS, Q * 4, Q * 4);
      return { combined, dots: f32.slice(U_AT / 4, U_AT / 4 + ROWS * COLS) };
    });
    expect(results[1]!.combined).toEqual(results[0]!.combined);
    expect(results[1]!.dots).toEqual(results[0]!.dots);
    for (let j = 0; j < COLS; j++) {
      for (let q = 0; q < Q; q++) {
        let want = start[j * Q + q]!;
        for (let r = 0; r < ROWS; r++) want += u[r * COLS + j]! * a[r * Q + q]!;
        expect(Math.abs(results[1]!.combined[j * Q + q]! - want)).toBeLessThan(1e-6);
      }
    }
    const combined = results[1]!.combined;
    for (let r = 0; r < ROWS; r++) {
      for (let j = 0; j < COLS; j++) {
        let want = 0;
        for (let q = 0; q < Q; q++) want += a[r * Q + q]! * combined[j * Q + q]!;
        expect(Math.abs(results[1]!.dots[r * COLS + j]! - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
      }
    }
  });

  it('ReLU range masks: the same bits and masked gradient on both memories, equal to the definition', () => {
    const { plain, shared } = memories();
    const n = 64; // 8 bytes of mask
    const x = floats(n, 5).map((v) => v * 8); // spread over [-8, 8)
    const dy = floats(n, 6);
    const [low, high] = [0, 6];
    const results = [plain, shared].map((memory) => {
      const f32 = new Float32Array(memory.buffer);
      f32.set(x, A_AT / 4);
      f32.set(dy, DY_AT / 4);
      const k = maskKernels(memory)!;
      k.makeBits(A_AT, BITS_AT, n / 8, low, high);
      k.applyBits(DY_AT, BITS_AT, MASKED_AT, n / 8);
      return { bits: new Uint8Array(memory.buffer).slice(BITS_AT, BITS_AT + n / 8), masked: f32.slice(MASKED_AT / 4, MASKED_AT / 4 + n) };
    });
    expect(results[1]).toEqual(results[0]);
    for (let i = 0; i < n; i++) {
      const inside = x[i]! > low && x[i]! <= high;
      expect(((results[1]!.bits[i >> 3]! >> (i & 7)) & 1) === 1).toBe(inside);
      expect(results[1]!.masked[i]).toBe(inside ? dy[i] : 0);
    }
  });
});

describe('setupBackend({ threads }) in Node', () => {
  it('runs the single-threaded build: threads 1, an unshared heap, the heap kernels bound', async () => {
    const info = await setupBackend({ prefer: ['wasm'], threads: 1 });
    expect(info.threads).toBe(1);
    expect(wasmThreadsInfo()).toEqual({ threads: 1, sharedMemory: false, heapKernels: true });
  });

  it('refuses more than one thread with ThreadsUnavailableError, naming why and what to do', async () => {
    const err = await setupBackend({ prefer: ['wasm'], threads: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThreadsUnavailableError);
    expect((err as ThreadsUnavailableError).code).toBe('threads-unavailable');
    expect((err as ThreadsUnavailableError).threads).toBe(2);
    expect((err as Error).message).toMatch(/single-threaded build in Node .*WASM_HAS_MULTITHREAD_SUPPORT.*leave `threads` unset or 1/);
  });

  it('refuses a thread count that is not a whole number >= 1, and threads without wasm', async () => {
    await expect(setupBackend({ prefer: ['wasm'], threads: 0 })).rejects.toThrow(ArgumentError);
    await expect(setupBackend({ prefer: ['wasm'], threads: 1.5 })).rejects.toThrow(/threads must be a whole number from 1 to 8, tfjs-wasm.s pool of workers \(got 1.5\)/);
    await expect(setupBackend({ prefer: ['cpu'], threads: 1 })).rejects.toThrow(/threads applies to the wasm backend/);
  });

  it('is null off wasm', async () => {
    await setupBackend({ prefer: ['cpu'] });
    expect(wasmThreadsInfo()).toBeNull();
  });
});
