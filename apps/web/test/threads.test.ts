// The heap SIMD kernels on tfjs-wasm's threaded build, in Debian's Chromium: the threads
// benchmark page (bench/threads), served cross-origin isolated, runs the same mode products and
// ReLU masks in a worker on the threaded SIMD build (2 threads, shared heap) and in one on the
// single-threaded SIMD build. On the shared heap the kernels bind (not the tensor-op fallback) and
// give bit-for-bit the single-threaded build's results, which equal Float64 loops. The same page
// served without COOP/COEP gets the single-threaded build, and asking it for 2 threads is a
// ThreadsUnavailableError that names the headers. Node's half: packages/backend/test/shared-heap.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modeDotsF64, modeProductF64, relFro } from '@odl/test-utils';
import { buildThreadsPage, openThreadsPage } from '../bench/threads-page';

let dist = '';

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'odl-threads-page-'));
  await buildThreadsPage(dist);
}, 600_000);

afterAll(() => {
  if (dist) rmSync(dist, { recursive: true, force: true });
});

describe('heap kernels on the threaded wasm build (Chromium)', () => {
  it('bind to the shared heap and give the single-threaded build\'s results, equal to Float64 loops', async () => {
    const { result, requests, errors } = await openThreadsPage(dist, 'mode=kernels&threads=2,1s');
    expect(result.error).toBeNull();
    expect(errors).toEqual([]);
    expect(result.crossOriginIsolated).toBe(true);
    const [threaded, single] = result.workers;
    expect(threaded!.info).toEqual({ threads: 2, sharedMemory: true, heapKernels: true });
    expect(threaded!.wasmFile).toBe('tfjs-backend-wasm-threaded-simd.wasm');
    expect(single!.info).toEqual({ threads: 1, sharedMemory: false, heapKernels: true });
    expect(single!.wasmFile).toBe('tfjs-backend-wasm-simd.wasm');
    expect(requests).toContain('/tfjs-wasm/tfjs-backend-wasm-threaded-simd.wasm');
    expect(requests).toContain('/tfjs-wasm/tfjs-backend-wasm-simd.wasm');
    const t = threaded!.kernels!;
    const s = single!.kernels!;
    expect(t.modes.length).toBe(3);
    for (const [i, m] of t.modes.entries()) {
      const o = s.modes[i]!;
      expect(m.a).toEqual(o.a); // the same seeded inputs
      expect(m.combined).toEqual(o.combined); // bit for bit
      expect(m.dots).toEqual(o.dots);
      expect(relFro(m.combined, modeProductF64(m.a, m.shape, m.u, m.k, m.mode, true).data)).toBeLessThan(1e-6);
      expect(relFro(m.dots, modeDotsF64(m.a, m.shape, m.mode, m.combined, m.k))).toBeLessThan(1e-5);
    }
    expect(t.mask.bits).toEqual(s.mask.bits);
    expect(t.mask.masked).toEqual(s.mask.masked);
    const { x, dy, bits, masked } = t.mask;
    let inside = 0;
    for (let i = 0; i < x.length; i++) {
      const want = x[i]! > 0 && x[i]! <= 6;
      inside += want ? 1 : 0;
      expect(((bits[i >> 3]! >> (i & 7)) & 1) === 1).toBe(want);
      expect(masked[i]).toBe(want ? dy[i] : 0);
    }
    expect(inside).toBeGreaterThan(x.length / 4); // both sides of the range are exercised
    expect(inside).toBeLessThan(x.length);
    for (const w of [t, s]) expect(w.numTensors[1]).toBe(w.numTensors[0]);
  }, 300_000);

  it('without COOP/COEP: the single-threaded build, and 2 threads refused with the fix', async () => {
    const { result } = await openThreadsPage(dist, 'mode=kernels&threads=2', { crossOriginIsolation: false });
    expect(result.crossOriginIsolated).toBe(false);
    expect(result.error).toMatch(/^threads-unavailable: setupBackend: 2 threads were asked for, but this page is not cross-origin isolated/);
    expect(result.error).toContain('Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp');
    expect(result.error).toContain("tfjsWasmFiles({ crossOriginIsolation: true }) of '@odl/backend/vite'");
  }, 300_000);
});
