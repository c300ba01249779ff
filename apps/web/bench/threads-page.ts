// Builds the threads benchmark page (bench/threads) and opens it in Chromium, served cross-origin
// isolated, until it is done: used by the browser benchmark (threads-bench.ts) and by the test of
// the heap kernels on the threaded build (test/threads.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, recordPageErrors } from '../test/browser';
import { buildPage } from '../test/build-page';
import { serveStatic } from '../test/static-server';
import type { BenchPageResult } from './threads/protocol';

export type { BenchPageResult };

/** Builds the page into `outDir` (replaced); returns the seconds it took. */
export function buildThreadsPage(outDir: string): Promise<number> {
  return buildPage({ outDir, config: 'bench/vite.config.ts' });
}

/** What the page left, the paths it requested and the errors it logged. */
export interface ThreadsPageRun {
  result: BenchPageResult;
  requests: string[];
  errors: string[];
}

/**
 * Serves `dist` on 127.0.0.1 (with COOP/COEP unless `crossOriginIsolation` is false), opens
 * `index.html?<query>` in Chromium and waits up to `timeoutMs` for the page to finish.
 */
export async function openThreadsPage(dist: string, query: string, options: { timeoutMs?: number; crossOriginIsolation?: boolean } = {}): Promise<ThreadsPageRun> {
  const server = await serveStatic(dist, { crossOriginIsolation: options.crossOriginIsolation ?? true });
  const profile = mkdtempSync(join(tmpdir(), 'odl-threads-chromium-'));
  const browser = await launchChromium({ profileDir: profile, origin: server.origin });
  try {
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const errors: string[] = [];
    recordPageErrors(page, errors);
   
    await page.goto(`${server.origin}/index.html?${query}`);
    await page.waitForFunction(() => (window as unknown as { __bench?: BenchPageResult }).__bench?.done === true, null, {
      timeout: options.timeoutMs ?? 300_000,
      polling: 500,
    });
    const result = await page.evaluate(() => (window as unknown as { __bench: BenchPageResult }).__bench);
    return { result, requests: [...server.requests], errors };
  } finally {
    await browser.context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
