// Chromium for the browser tests (this app's and the examples'): Debian's package (installed by
// ensureChromium when missing), headless, no GPU, a fresh profile, and a record of every request
// that leaves the served origin. playwright-core is this app's dev dependency; tests elsewhere use
// it through this file.
import { chromium, type BrowserContext, type Download, type Page } from 'playwright-core';
import { ensureChromium } from './ensure-chromium';

export type { BrowserContext, Download, Page };

/** A launched browser. */
export interface TestBrowser {
  /** The persistent context (its first page is `context.pages()[0]`). */
  context: BrowserContext;
  /** URLs requested outside `origin` (besides `data:` and `blob:`), in order. */
  external: string[];
}

/** Launches Chromium with a profile in `profileDir`, recording requests that leave `origin`. */
export async function launchChromium(options: { profileDir: string; origin: string; acceptDownloads?: boolean }): Promise<TestBrowser> {
  const context = await chromium.launchPersistentContext(options.profileDir, {
    executablePath: ensureChromium(),
    headless: true,
    acceptDownloads: options.acceptDownloads ?? false,
    viewport: { width: 1400, height: 1050 },
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const external: string[] = [];
  context.on('request', (req) => {
    const url = req.url();
    if (!(url.startsWith(`${options.origin}/`) || url.startsWith('data:') || url.startsWith('blob:'))) external.push(url);
  });
  return { context, external };
}

/** Collects the page's uncaught errors and console errors into `into`. */
export function recordPageErrors(page: Page, into: string[]): void {
  page.on('pageerror', (e) => into.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') into.push(`console: ${m.text()}`);
  });
}
