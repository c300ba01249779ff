// The tfjs wasm binaries for browser apps: the check setupBackend runs in a browser before wasm
// starts (served over HTTP here: a missing file, an HTML fallback page, the real binary), the
// wasmPath validation, the Vite plugin (emitted and served bytes equal the installed files) and
// copyTfjsWasmFiles. The browser path end to end is test/outside/browser.e2e.ts.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CROSS_ORIGIN_ISOLATION_HEADERS, setupBackend, TFJS_WASM_FILES, tfjsWasmFileFor, WasmFilesError } from '@odl/backend';
import { copyTfjsWasmFiles, tfjsWasmDir } from '@odl/backend/node';
import { checkWasmBinary } from '../src/wasm-files';
import { tfjsWasmFiles, type DevMiddleware } from '../src/vite';

describe('checkWasmBinary', () => {
  let server: Server;
  let origin = '';
  let simd: Buffer;
  beforeAll(async () => {
    simd = await readFile(join(await tfjsWasmDir(), 'tfjs-backend-wasm-simd.wasm'));
    server = createServer((req, res) => {
      if (req.url === '/ok/tfjs-backend-wasm-simd.wasm') res.writeHead(200, { 'Content-Type': 'application/wasm' }).end(simd);
      else if (req.url?.startsWith('/spa/')) res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><p>app</p>');
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts a served WebAssembly binary', async () => {
    await expect(checkWasmBinary(`${origin}/ok/`, 'tfjs-backend-wasm-simd.wasm', '/ok/')).resolves.toBeUndefined();
  });

  it('names the URL, the HTTP status, the files, their folder and the option when the file is missing', async () => {
    const e = await checkWasmBinary(`${origin}/missing/`, 'tfjs-backend-wasm-simd.wasm', undefined).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(WasmFilesError);
    const err = e as WasmFilesError;
    expect(err.code).toBe('missing-wasm-files');
    expect(err.url).toBe(`${origin}/missing/tfjs-backend-wasm-simd.wasm`);
    expect(err.message).toContain(`${origin}/missing/tfjs-backend-wasm-simd.wasm could not be loaded (HTTP 404)`);
    for (const f of TFJS_WASM_FILES) expect(err.message).toContain(f);
    expect(err.message).toContain('node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    expect(err.message).toContain('setupBackend({ wasmPath:');
    expect(err.message).toContain('(no wasmPath was given)');
  });

  it('tells an HTML fallback page (a dev server answering 200 for every path) from the binary', async () => {
    const e = await checkWasmBinary(`${origin}/spa/`, 'tfjs-backend-wasm.wasm', '/spa/').catch((x: unknown) => x);
    expect((e as Error).message).toContain('not a WebAssembly file: got text/html');
    expect((e as Error).message).toContain("(wasmPath was '/spa/')");
  });

  it('names a network failure', async () => {
    const e = await checkWasmBinary('http://127.0.0.1:1/', 'tfjs-backend-wasm.wasm', undefined).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/could not be loaded \(fetch failed/);
  });
});

describe('tfjsWasmFileFor', () => {
  it('picks the binary tfjs-backend-wasm fetches for the browser features', () => {
    expect(tfjsWasmFileFor({ simd: false, threads: false })).toBe('tfjs-backend-wasm.wasm');
    expect(tfjsWasmFileFor({ simd: true, threads: false })).toBe('tfjs-backend-wasm-simd.wasm');
    expect(tfjsWasmFileFor({ simd: true, threads: true })).toBe('tfjs-backend-wasm-threaded-simd.wasm');
  });
});

describe('setupBackend({ wasmPath })', () => {
  it('refuses a wasmPath that is not a folder ending in /', async () => {
    await expect(setupBackend({ prefer: ['wasm'], wasmPath: 'tfjs-wasm' })).rejects.toThrow(/wasmPath must be the URL or path of a folder, ending in '\/' \(got "tfjs-wasm"\)/);
  });
});

describe('tfjsWasmFiles (@odl/backend/vite) and copyTfjsWasmFiles', () => {
  it('emits the three binaries under tfjs-wasm/, byte for byte', async () => {
    const emitted: { fileName: string; source: Uint8Array }[] = [];
    await tfjsWasmFiles().generateBundle.call({ emitFile: (f) => (emitted.push(f), f.fileName) });
    expect(emitted.map((f) => f.fileName)).toEqual(TFJS_WASM_FILES.map((f) => `tfjs-wasm/${f}`));
    for (const f of emitted) expect(Buffer.from(f.source).equals(await readFile(join(await tfjsWasmDir(), f.fileName.slice('tfjs-wasm/'.length))))).toBe(true);
  });

  it('serves them in dev under its dir and passes every other request on', async () => {
    let middleware!: DevMiddleware;
    tfjsWasmFiles({ dir: '/wasm/' }).configureServer({ middlewares: { use: (fn) => (middleware = fn) } });
    const served = await new Promise<{ type: string; bytes: Buffer }>((resolve) => {
      const res = new PassThrough() as PassThrough & { setHeader(n: string, v: string): void };
      let type = '';
      res.setHeader = (_n, v) => (type = v);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ type, bytes: Buffer.concat(chunks) }));
      middleware({ url: '/app/wasm/tfjs-backend-wasm.wasm?v=1' }, res, () => resolve({ type: 'next', bytes: Buffer.alloc(0) }));
    });
    expect(served.type).toBe('application/wasm');
    expect(served.bytes.equals(await readFile(join(await tfjsWasmDir(), 'tfjs-backend-wasm.wasm')))).toBe(true);
    let passed = false;
    middleware({ url: '/app/wasm/other.js' }, { setHeader: () => {} }, () => (passed = true));
    expect(passed).toBe(true);
  });

  it('sets COOP/COEP for vite dev and preview only when asked (crossOriginIsolation)', () => {
    expect(tfjsWasmFiles().config()).toBeUndefined();
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    expect(CROSS_ORIGIN_ISOLATION_HEADERS).toEqual(headers);
    expect(tfjsWasmFiles({ crossOriginIsolation: true }).config()).toEqual({ server: { headers }, preview: { headers } });
  });

  it('copyTfjsWasmFiles copies the three binaries into a folder it creates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'odl-wasm-files-'));
    try {
      const written = await copyTfjsWasmFiles(join(dir, 'site', 'tfjs-wasm'));
      expect(written).toEqual(TFJS_WASM_FILES.map((f) => join(dir, 'site', 'tfjs-wasm', f)));
      for (const f of TFJS_WASM_FILES) {
        expect((await readFile(join(dir, 'site', 'tfjs-wasm', f))).equals(await readFile(join(await tfjsWasmDir(), f)))).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
