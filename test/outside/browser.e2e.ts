// The outside apps in Chromium (run by scripts/release-dry-run.mjs, which passes the built apps in
// ODL_OUTSIDE_APPS): a Vite app and an esbuild app, built outside the workspace from the packed
// tarballs, each fine-tune MCUNet-in1 for 6 steps on the wasm backend; the test checks that wasm is
// the active backend, that every step ran with a finite loss and no tensor leak, that the wasm
// binary came from the app's own tfjs-wasm/ folder and nothing left the page's origin. The Vite app
// pointed at a folder without the binaries must fail with the error that says what to do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium, recordPageErrors, type TestBrowser } from '../../apps/web/test/browser';
import { serveStatic, type StaticServer } from '../../apps/web/test/static-server';

import type { OutsideResult } from './apps/shared/fine-tune';

const appsEnv = process.env.ODL_OUTSIDE_APPS;
if (appsEnv == null) throw new Error('ODL_OUTSIDE_APPS is not set: run this test through `node scripts/release-dry-run.mjs`, which builds the apps');
const apps = JSON.parse(appsEnv) as Record<'vite' | 'esbuild', string>;

let server: StaticServer | null = null;
let browser: TestBrowser | null = null;
let profile: string | null = null;
afterEach(async () => {
  await browser?.context.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  browser = server = profile = null;
});

/** Opens the app's page (with `query`) and waits until it is done. */
async function openApp(dist: string, query = ''): Promise<{ result: OutsideResult; requests: string[]; external: string[]; errors: string[] }> {
  server = await serveStatic(dist);
  profile = mkdtempSync(join(tmpdir(), 'odl-outside-chromium-'));
  browser = await launchChromium({ profileDir: profile, origin: server.origin });
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  const errors: string[] = [];
  recordPageErrors(page, errors);
  await page.goto(`${server.origin}/index.html${query}`);
  await page.waitForFunction(() => (window as unknown as { __odlOutside?: OutsideResult }).__odlOutside?.done === true, null, { timeout: 150_000 });
  const result = await page.evaluate(() => (window as unknown as { __odlOutside: OutsideResult }).__odlOutside);
  return { result, requests: [...server.requests], external: [...browser.external], errors };
}

describe.each(['vite', 'esbuild'] as const)('the %s app built from the packed tarballs', (bundler) => {
  it('fine-tunes on wasm in Chromium', async () => {
    const { result, requests, external, errors } = await openApp(apps[bundler]);
    console.log(`${bundler}: backend ${result.backend}, losses ${result.losses.map((l) => l.toFixed(4)).join(', ')}, tensors ${result.numTensors.join(', ')}`);
    expect(result.error).toBeNull();
    expect(result.bundler).toBe(bundler);
    expect(result.backend).toBe('wasm');
    expect(result.losses).toHaveLength(6);
    for (const loss of result.losses) expect(Number.isFinite(loss)).toBe(true);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(result.losses.slice(3))).toBeLessThan(mean(result.losses.slice(0, 3))); // seeded: the same losses every run
    expect(result.numTensors[5]).toBe(result.numTensors[1]);
    expect(requests.filter((r) => /^\/tfjs-wasm\/tfjs-backend-wasm(-threaded)?(-simd)?\.wasm$/.test(r)).length).toBeGreaterThan(0);
    expect(external).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('the Vite app without the wasm binaries', () => {
  it('fails with an error that names the files, the folder and the option', async () => {
    const { result } = await openApp(apps.vite, '?wasmPath=no-such-folder/');
    expect(result.backend).toBeNull();
    expect(result.error).toMatch(/no-such-folder\/tfjs-backend-wasm(-threaded)?(-simd)?\.wasm could not be loaded \(HTTP 404\)/);
    for (const part of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm', 'node_modules/@tensorflow/tfjs-backend-wasm/dist/', 'setupBackend({ wasmPath', "tfjsWasmFiles() of '@odl/backend/vite'", "copyTfjsWasmFiles of '@odl/backend/node'"]) {
      expect(result.error).toContain(part);
    }
  });
});
