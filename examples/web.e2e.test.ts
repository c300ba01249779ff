// The example methods in the web demo: builds the page with ODL_WEB_PLUGINS naming the two example
// plugins (into a temporary folder), serves it on 127.0.0.1 and drives Debian's Chromium
// (headless, wasm): both methods are listed with option fields generated from their declarations;
// random-projection trains with its rank set in the form, int8-activations with its planner under
// the memory budget. apps/web knows neither: everything comes from the plugins.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordPageErrors, type BrowserContext, type Page } from '../apps/web/test/browser';
import { buildPage } from '../apps/web/test/build-page';
import { serveStatic, type StaticServer } from '../apps/web/test/static-server';
import { int8ActivationsPlugin } from './int8-activations/int8-activations';
import { randomProjectionPlugin } from './random-projection/random-projection';

const PLUGINS = ['examples/random-projection/random-projection.ts', 'examples/int8-activations/int8-activations.ts'];
const BATCH = 16;
const MIB = 1024 * 1024;

/** What the page exposes as `window.__odl` (the parts this test reads). */
interface OdlHook {
  backend: string | null;
  runState: string;
  errors: string[];
  log: string[];
  methods: { name: string; description: string; plans: boolean; options: { name: string }[] }[];
  runs: {
    method: string;
    layers: { name: string; method: string; role: 'compressed' | 'exact'; detail: string }[];
    plan: { summary: string; tables: { title: string; rows: (string | number)[][] }[] } | null;
    steps: { step: number; loss: number; numTensors: number }[];
    evals: { step: number; top1: number }[];
    memory: { analyticBytes: number; vanillaBytes: number; measuredBytes: number } | null;
    end: { steps: number; stopped: boolean; savedAs: string | null; top1: number | null } | null;
  }[];
}

const hook = (page: Page) => page.evaluate(() => (window as unknown as { __odl: OdlHook }).__odl);
const fieldNames = (page: Page) => page.$$eval('#method-options [data-option]', (es) => es.map((e) => (e as HTMLElement).dataset.option));

/** Starts a run with the form as set and waits until it ended (or an error came). */
async function startAndWait(page: Page): Promise<OdlHook> {
  await expect.poll(() => page.isDisabled('#start'), { timeout: 10_000 }).toBe(false);
  await page.click('#start');
  await page.waitForFunction(
    () => {
      const s = (window as unknown as { __odl: OdlHook }).__odl;
      return s.errors.length > 0 || (s.runState === 'idle' && s.runs.length === 1 && s.runs[0]!.end != null);
    },
    null,
    { timeout: 180_000, polling: 250 },
  );
  return hook(page);
}

describe('example method plugins in the web demo', () => {
  let siteRoot: string;
  let server: StaticServer;
  let context: BrowserContext;
  let page: Page;
  let external: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    siteRoot = mkdtempSync(join(tmpdir(), 'odl-web-plugins-'));
    const site = join(siteRoot, 'site');
    await buildPage({ outDir: site, env: { ODL_WEB_PLUGINS: PLUGINS.join(',') } });
    server = await serveStatic(site);
    const browser = await launchChromium({ profileDir: join(siteRoot, 'profile'), origin: server.origin });
    context = browser.context;
    external = browser.external;
    page = context.pages()[0] ?? (await context.newPage());
    recordPageErrors(page, pageErrors);
    await page.goto(`${server.origin}/?backend=wasm`);
    await page.waitForFunction(() => (window as unknown as { __odl?: OdlHook }).__odl?.methods.length, null, { timeout: 60_000 });
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (siteRoot) rmSync(siteRoot, { recursive: true, force: true });
  });

  it('lists both methods with option fields generated from their declarations', async () => {
    const s = await hook(page);
    expect(s.errors).toEqual([]);
    expect(s.backend).toBe('wasm');
    const listed = await page.$$eval('#method option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(listed).toEqual(expect.arrayContaining(['vanilla', randomProjectionPlugin.name, int8ActivationsPlugin.name]));
    for (const plugin of [randomProjectionPlugin, int8ActivationsPlugin]) {
      const info = s.methods.find((m) => m.name === plugin.name)!;
      expect(info.description).toBe(plugin.description);
      expect(info.plans).toBe(true);
      expect(info.options.map((o) => o.name)).toEqual(plugin.options.map((o) => o.name));
    }

    await page.selectOption('#method', 'random-projection');
    expect(await fieldNames(page)).toEqual(['rank', 'seed']);
    expect(await page.isVisible('#budget-field')).toBe(true);
    expect(await page.getAttribute('#option-rank', 'type')).toBe('number');
    expect(await page.getAttribute('#option-rank', 'min')).toBe('1');
    expect(await page.getAttribute('#option-rank', 'step')).toBe('1');
    expect(await page.getAttribute('[data-option-field="rank"]', 'title')).toBe(randomProjectionPlugin.options[0]!.doc);
    expect(await page.getAttribute('#option-rank', 'placeholder')).toBe('chosen by the method');
    // Its options are checked in the page before Start: a rank of 0 is highlighted and blocks it.
    await page.fill('#option-rank', '0');
    expect(await page.$eval('#option-rank', (e) => e.matches(':invalid'))).toBe(true);
    await expect.poll(() => page.isDisabled('#start')).toBe(true);
    expect(await page.textContent('#form-problems')).toContain('rank');
    await page.fill('#option-rank', '');
    await expect.poll(() => page.isDisabled('#start')).toBe(false);

    await page.selectOption('#method', 'int8-activations');
    expect(await fieldNames(page)).toEqual(['precision']);
    expect(await page.isVisible('#budget-field')).toBe(true);
    const choices = await page.$$eval('#option-precision option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(choices).toEqual(['', 'int8', 'float32']);
  });

  it('fine-tunes with random-projection, its rank set in the form', async () => {
    await page.selectOption('#method', 'random-projection');
    await page.fill('#option-rank', '4');
    await page.uncheck('#compare');
    await page.check('#data-embedded');
    await page.fill('#budget', '');
    await page.fill('#lastN', '3');
    await page.fill('#steps', '6');
    await page.fill('#batch', String(BATCH));
    await page.fill('#eval-every', '3');
    const s = await startAndWait(page);
    expect(s.errors).toEqual([]);
    const run = s.runs[0]!;
    expect(run.method).toBe('random-projection');
    expect(run.end).toMatchObject({ steps: 6, stopped: false });
    expect(run.end!.savedAs).toMatch(/^indexeddb:\/\/odl-web-random-projection-/);
    expect(run.steps.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run.steps.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(run.evals.map((e) => e.step)).toEqual([0, 3, 6]);
    expect(new Set(run.steps.slice(1).map((p) => p.numTensors)).size).toBe(1);
    // The last 3 convolutions train through the plugin with the form's rank (no plan needed);
    // the classifier trains exactly.
    const compressed = run.layers.filter((l) => l.role === 'compressed');
    expect(compressed).toHaveLength(3);
    for (const l of compressed) {
      expect(l.method).toBe('random-projection');
      expect(l.detail).toMatch(/(^|, )rank 4(,|$)/);
    }
    expect(run.layers.filter((l) => l.role === 'exact').map((l) => l.method)).toEqual(['vanilla']);
    expect(run.plan).toBeNull();
    // k = 4 of 16 rows: about a quarter of exact training's memory, by the plugin's own cost model.
    expect(run.memory!.analyticBytes).toBeGreaterThan(0);
    expect(run.memory!.analyticBytes).toBeLessThan(run.memory!.vanillaBytes / 2);
    expect(run.memory!.measuredBytes).toBeGreaterThan(0);
    // The page shows them: one entry per layer, on the plugin's method, with its rank.
    const shown = await page.$$eval('.run-card[data-method="random-projection"] .layer[data-role="compressed"]', (es) =>
      es.map((e) => ({ method: (e as HTMLElement).dataset.method, text: e.textContent ?? '' })),
    );
    expect(shown.map((l) => l.method)).toEqual(['random-projection', 'random-projection', 'random-projection']);
    expect(shown.every((l) => l.text.includes('rank 4'))).toBe(true);
  });

  it('fine-tunes with int8-activations, its planner choosing per layer under the budget', async () => {
    const budgetMiB = 0.15; // all-int8 is 0.106 MiB for these 4 layers at batch 16, all-float32 0.398 MiB
    await page.selectOption('#method', 'int8-activations');
    expect(await page.isVisible('#budget-field')).toBe(true);
    await page.fill('#budget', String(budgetMiB));
    await page.fill('#lastN', '4');
    await page.fill('#steps', '4');
    await page.fill('#eval-every', '2');
    const s = await startAndWait(page);
    expect(s.errors).toEqual([]);
    const run = s.runs[0]!;
    expect(run.method).toBe('int8-activations');
    expect(run.end).toMatchObject({ steps: 4, stopped: false });
    expect(run.end!.savedAs).toMatch(/^indexeddb:\/\/odl-web-int8-activations-/);
    const compressed = run.layers.filter((l) => l.role === 'compressed');
    expect(compressed).toHaveLength(4);
    expect(compressed.every((l) => l.method === 'int8-activations')).toBe(true);
    // The planner ran under the budget: some layers in 8 bits, and the count fits the budget.
    expect(run.plan).not.toBeNull();
    expect(run.plan!.summary).toMatch(/^\d of 4 layers in 8 bits, \d+ bytes of \d+$/);
    expect(compressed.some((l) => /(^|, )precision int8(,|$)/.test(l.detail))).toBe(true);
    expect(run.memory!.analyticBytes).toBeLessThanOrEqual(budgetMiB * MIB);
    expect(run.memory!.analyticBytes).toBeLessThan(run.memory!.vanillaBytes);
    // The planner's summary and tables are in the log as the plugin wrote them.
    expect(s.log).toContain(`[int8-activations] plan: ${run.plan!.summary}`);
    expect(s.log).toContain(`[int8-activations] ${run.plan!.tables[0]!.title}:`);
    expect(await page.textContent('.run-card[data-method="int8-activations"] .plan')).toContain(run.plan!.summary);

    expect(external).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
