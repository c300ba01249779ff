// End-to-end test of the web demo in Debian's Chromium (headless, wasm backend): builds the page
// when stale, serves apps/web/dist on 127.0.0.1, checks the method list and the option fields
// generated from the worker's registered methods (only the chosen method's fields visible, hidden
// elements really hidden, invalid values highlighted next to the field and blocking Start),
// fine-tunes vanilla then ASI (picked from the list, one option set through the generated form)
// side by side on the embedded Fashion-MNIST subset, checks that the loss falls, the memory
// numbers are shown and the labels are plain, downloads the saved model, reloads and finds it
// listed in IndexedDB; then picks folders of the user's own images with broken files in them
// (listed and skipped, Start disabled when nothing usable is left) and fine-tunes on the good
// ones; picks a folder of photos of mixed sizes (the committed fixture of @odl/test-utils) and
// fine-tunes on it, resized and centre-cropped; picks the pretrained ViT (the last-N field then
// counts its MLP linears) and fine-tunes it with vanilla and ASI; and checks that no request left the page's
// origin. Leaves screenshots in apps/web/test/artifacts/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordPageErrors, type BrowserContext, type Download, type Page } from './browser';
import { APP_DIR, DIST_DIR, buildPageIfStale } from './build-page';
import { mixedSizeFolderPath } from '@odl/test-utils';
import { writeBrokenFiles, writeStripesFolder } from './fixtures';
import { serveStatic, type StaticServer } from './static-server';

const ARTIFACTS = join(APP_DIR, 'test/artifacts');
const STEPS = 16;
const BATCH = 16;

/** What the page exposes as `window.__odl` (the parts the test reads). */
interface OdlHook {
  backend: string | null;
  threads: number | null;
  runState: string;
  errors: string[];
  savedListed: boolean;
  methods: { name: string; plans: boolean; options: { name: string; costOnly?: boolean }[] }[];
  log: string[];
  saved: { url: string; metadata: Record<string, unknown> }[];
  loaded: { url: string; top1: number | null; testImages: number } | null;
  userData: { classNames: string[]; counts: number[]; total: number; skipped: { path: string; reason: string }[]; problem: string | null } | null;
  runs: {
    method: string;
    protocol: string;
    layers: { name: string; method: string; role: 'compressed' | 'exact'; detail: string }[];
    plan: { summary: string; tables: { title: string }[] } | null;
    classNames: string[];
    trainImages: number;
    testImages: number;
    steps: { step: number; loss: number; ms: number; numTensors: number }[];
    evals: { step: number; top1: number }[];
    memory: { analyticBytes: number; vanillaBytes: number; measuredBytes: number } | null;
    end: { steps: number; stopped: boolean; savedAs: string | null; top1: number | null } | null;
  }[];
}

const hook = (page: Page) => page.evaluate(() => (window as unknown as { __odl: OdlHook }).__odl);

/** The page's colour of invalid fields (--danger in style.css), as computed styles give it. */
const DANGER = 'rgb(179, 38, 30)';

/** How a field shows its state: aria-invalid, its border colour and the message after it. */
const fieldState = (page: Page, id: string) =>
  page.$eval(`#${id}`, (e) => ({
    ariaInvalid: e.getAttribute('aria-invalid'),
    border: getComputedStyle(e).borderTopColor,
    message: document.getElementById(`${e.id}-problem`)?.textContent ?? null,
    describedBy: e.getAttribute('aria-describedby'),
  }));

/** Elements of the form that carry `hidden` but still take up space (a layout rule beating it). */
const hiddenButShown = (page: Page) =>
  page.$$eval('#controls [hidden]', (es) => es.filter((e) => getComputedStyle(e).display !== 'none').map((e) => e.id || e.tagName));
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('web demo in Chromium', () => {
  let server: StaticServer;
  let context: BrowserContext;
  let profileDir: string;
  let external: string[] = [];
  const consoleErrors: string[] = [];
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    const t0 = performance.now();
    timings.buildSeconds = await buildPageIfStale();
    server = await serveStatic(DIST_DIR, { crossOriginIsolation: true });
    profileDir = mkdtempSync(join(tmpdir(), 'odl-web-e2e-'));
    const browser = await launchChromium({ profileDir, origin: server.origin, acceptDownloads: true });
    context = browser.context;
    external = browser.external;
    timings.setupSeconds = (performance.now() - t0) / 1000;
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('lists the registered methods with generated option fields, fine-tunes vanilla and ASI on wasm, saves to IndexedDB, lists after reload', async () => {
    const t0 = performance.now();
    const page = context.pages()[0] ?? (await context.newPage());
    recordPageErrors(page, consoleErrors);
    await page.goto(`${server.origin}/?backend=wasm`);
    await page.waitForFunction(() => (window as unknown as { __odl?: OdlHook }).__odl?.methods.length, null, { timeout: 60_000 });
    const ready = await hook(page);
    expect(ready.errors).toEqual([]);
    expect(ready.backend).toBe('wasm');
    // Served cross-origin isolated: tfjs-wasm runs its threaded build, and the badge says how many threads.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(server.requests).toContain('/tfjs-wasm/tfjs-backend-wasm-threaded-simd.wasm');
    expect(ready.threads).toBeGreaterThanOrEqual(1);
    await expect.poll(async () => page.textContent('#backend-badge')).toBe(`backend: wasm, ${ready.threads} thread${ready.threads === 1 ? '' : 's'}`);

    // The method select lists what the worker registered: the built-in methods.
    const listed = await page.$$eval('#method option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(listed).toEqual(ready.methods.map((m) => m.name));
    expect(listed).toEqual(expect.arrayContaining(['vanilla', 'asi', 'hosvd', 'svd', 'gradient-filter']));
    const optionFields = () => page.$$eval('#method-options [data-option]', (es) => es.map((e) => (e as HTMLElement).dataset.option));

    // HOSVD_ε: its options without the cost-only one; it does not plan, so no budget field.
    await page.selectOption('#method', 'hosvd');
    const hosvd = ready.methods.find((m) => m.name === 'hosvd')!;
    expect(await optionFields()).toEqual(hosvd.options.filter((o) => !o.costOnly).map((o) => o.name));
    expect(await optionFields()).not.toContain('ranks');
    expect(await page.isVisible('#budget-field')).toBe(false);
    expect(await hiddenButShown(page)).toEqual([]);
    expect(await page.getAttribute('#option-epsilon', 'type')).toBe('number');
    // Options are named in plain words.
    expect(await page.textContent('[data-option-field="epsilon"] > span')).toBe('epsilon');

    // ASI plans: the budget field shows; its enum option is a select, its list option a text field.
    await page.selectOption('#method', 'asi');
    expect(await page.isVisible('#budget-field')).toBe(true);
    expect(await optionFields()).toEqual(expect.arrayContaining(['ranks', 'storage', 'powerSteps', 'warmStart']));
    expect(await page.$eval('#option-storage', (e) => e.tagName)).toBe('SELECT');
    expect(await page.getAttribute('#option-ranks', 'pattern')).not.toBeNull();
    expect(await page.getAttribute('#option-warmStart', 'type')).toBe('checkbox');
    expect(await page.textContent('[data-option-field="powerSteps"] > span')).toBe('power steps');
    // Back to HOSVD: ASI's fields and the budget are gone from view; then ASI again.
    await page.selectOption('#method', 'hosvd');
    for (const id of ['#option-ranks', '#option-storage', '#option-powerSteps', '#budget', '#budget-field']) expect(await page.isVisible(id), id).toBe(false);
    expect(await page.isVisible('#option-epsilon')).toBe(true);
    expect(await hiddenButShown(page)).toEqual([]);
    await page.selectOption('#method', 'asi');
    expect(await page.isVisible('#option-epsilon')).toBe(false);
    expect(await page.isVisible('#budget')).toBe(true);
    // The embedded data is chosen: the "my images" box is hidden.
    expect(await page.isVisible('#user-data')).toBe(false);
    expect(await hiddenButShown(page)).toEqual([]);

    // An invalid number is highlighted (aria-invalid, the danger border, a message next to it)
    // and blocks Start, with a message naming the option.
    await expect.poll(() => page.isDisabled('#start')).toBe(false);
    const valid = await fieldState(page, 'option-powerSteps');
    expect(valid).toMatchObject({ ariaInvalid: null, message: null });
    expect(valid.border).not.toBe(DANGER);
    await page.fill('#option-powerSteps', '0');
    expect(await page.$eval('#option-powerSteps', (e) => e.matches(':invalid'))).toBe(true);
    await expect.poll(() => page.isDisabled('#start')).toBe(true);
    expect(await fieldState(page, 'option-powerSteps')).toEqual({
      ariaInvalid: 'true', border: DANGER, message: expect.stringMatching(/^power steps must be ≥ 1( and ≤ \d+)?, got 0$/), describedBy: 'option-powerSteps-problem',
    });
    expect(await page.isVisible('#option-powerSteps-problem')).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator('#controls').screenshot({ path: join(ARTIFACTS, 'e2e-invalid.png') });
    expect(await page.isVisible('#form-problems')).toBe(true);
    expect(await page.textContent('#form-problems')).toMatch(/power steps must be ≥ 1( and ≤ \d+)?, got 0/);
    await page.fill('#option-ranks', '4,x');
    expect(await page.$eval('#option-ranks', (e) => e.matches(':invalid'))).toBe(true);
    // Start is already disabled (power steps), so wait for this field's own state to render.
    await expect.poll(async () => (await fieldState(page, 'option-ranks')).message).toBe("ranks[1] must be a whole number, got 'x'");
    expect(await fieldState(page, 'option-ranks')).toMatchObject({ ariaInvalid: 'true' });
    await page.fill('#option-powerSteps', '');
    await page.fill('#option-ranks', '');
    // A training field: out of range, then empty, then not a number ("1e" is what a number input
    // lets through), each highlighted with its own message.
    // Start may still be disabled by the fields just cleared, so wait for this field's own state.
    await page.fill('#steps', '0');
    await expect.poll(async () => (await fieldState(page, 'steps')).message).toBe('training steps must be ≥ 1 and ≤ 5000, got 0');
    expect(await fieldState(page, 'steps')).toMatchObject({ ariaInvalid: 'true', border: DANGER });
    expect(await page.isDisabled('#start')).toBe(true);
    await page.fill('#steps', '');
    await expect.poll(async () => (await fieldState(page, 'steps')).message).toBe('training steps is required');
    await page.fill('#steps', '60');
    await page.focus('#lr');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('1e');
    await expect.poll(async () => (await fieldState(page, 'lr')).message).toBe('learning rate must be a number');
    expect(await page.isDisabled('#start')).toBe(true);
    await page.fill('#lr', '0.05');
    await expect.poll(() => page.isDisabled('#start')).toBe(false);
    expect(await page.isVisible('#form-problems')).toBe(false);
    expect(await page.$eval('#option-powerSteps', (e) => e.matches(':invalid'))).toBe(false);
    for (const id of ['option-powerSteps', 'option-ranks', 'steps', 'lr']) expect(await fieldState(page, id)).toMatchObject({ ariaInvalid: null, message: null, describedBy: null });

    // A tiny side-by-side run: vanilla, then ASI with budgeted ranks stored in int8 (set through
    // the generated form), last 4 convolutions.
    await page.selectOption('#option-storage', 'int8');
    await page.check('#compare');
    await page.check('#data-embedded');
    await page.fill('#lastN', '4');
    await page.fill('#steps', String(STEPS));
    await page.fill('#batch', String(BATCH));
    await page.fill('#eval-every', '8');
    await page.fill('#budget', '0.015');
    await page.click('#start');
    const tTrain = performance.now();
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __odl: OdlHook }).__odl;
        return s.errors.length > 0 || (s.runState === 'idle' && s.runs.length === 2 && s.runs.every((r) => r.end != null));
      },
      null,
      { timeout: 240_000, polling: 500 },
    );
    timings.trainSeconds = (performance.now() - tTrain) / 1000;
    const done = await hook(page);
    expect(done.errors).toEqual([]);
    expect(done.runs.map((r) => r.method)).toEqual(['vanilla', 'asi']);
    for (const r of done.runs) {
      expect(r.protocol).toBe('odl');
      expect(r.steps.length).toBe(STEPS);
      const losses = r.steps.map((p) => p.loss);
      expect(losses.every(Number.isFinite)).toBe(true);
      // The loss has fallen: the last steps average below the first steps.
      expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
      expect(r.evals.map((e) => e.step)).toEqual([0, 8, 16]);
      // No tensor leaks: after the first step (optimizer and compressor state), the count is flat.
      expect(new Set(r.steps.slice(1).map((p) => p.numTensors)).size).toBe(1);
      expect(r.memory).not.toBeNull();
      expect(r.memory!.analyticBytes).toBeGreaterThan(0);
      expect(r.memory!.measuredBytes).toBeGreaterThan(0);
      expect(r.end!.savedAs).toMatch(/^indexeddb:\/\/odl-web-/);
    }
    const [vanilla, asi] = done.runs;
    // The last 4 convolutions train through ASI with the option set in the form and the planner's
    // ranks; the classifier trains exactly.
    const compressed = asi.layers.filter((l) => l.role === 'compressed');
    expect(compressed).toHaveLength(4);
    for (const l of compressed) {
      expect(l.method).toBe('asi');
      expect(l.detail).toMatch(/(^|, )ranks \[\d+(, \d+)*\](,|$)/);
      expect(l.detail).toMatch(/(^|, )storage int8(,|$)/);
    }
    expect(asi.layers.filter((l) => l.role === 'exact').map((l) => l.method)).toEqual(['vanilla']);
    expect(vanilla.layers.every((l) => l.method === 'vanilla')).toBe(true);
    expect(vanilla.plan).toBeNull();
    expect(asi.plan!.summary.length).toBeGreaterThan(0);
    // The planner's summary and tables are in the log, as they are.
    expect(done.log).toContain(`[asi] plan: ${asi.plan!.summary}`);
    for (const t of asi.plan!.tables) expect(done.log).toContain(`[asi] ${t.title}:`);
    expect(vanilla.memory!.analyticBytes).toBe(vanilla.memory!.vanillaBytes);
    expect(asi.memory!.analyticBytes).toBeLessThan(vanilla.memory!.analyticBytes);
    expect(asi.memory!.measuredBytes).toBeLessThan(vanilla.memory!.measuredBytes);
    // The memory numbers are on the page, not only in the hook.
    const shown = await page.$$eval('.run-card', (cards) =>
      cards.map((c) => ({
        analytic: c.querySelector('.v-mem-analytic')?.textContent ?? '',
        measured: c.querySelector('.v-mem-measured')?.textContent ?? '',
        ratio: c.querySelector('.v-ratio')?.textContent ?? '',
      })),
    );
    expect(shown).toHaveLength(2);
    for (const s of shown) {
      expect(s.analytic).toMatch(/^[\d.]+ (B|KiB|MiB)$/);
      expect(s.measured).toMatch(/^[\d.]+ (B|KiB|MiB)$/);
    }
    expect(shown[1].ratio).toMatch(/× less$/);
    // Plain labels: when the accuracy was measured, in words; no "top-1" or "@step" anywhere.
    expect(await page.$$eval('.run-card .t-acc', (es) => es.map((e) => e.textContent))).toEqual([`accuracy after ${STEPS} steps`, `accuracy after ${STEPS} steps`]);
    const pageText = await page.$$eval('#controls, #summary, .charts, #saved', (es) => es.map((e) => e.textContent).join(' '));
    expect(pageText).not.toMatch(/top-1/i);
    expect(pageText).not.toMatch(/@\d/);
    expect(await page.$$eval('#chart-mem .chart-bar', (bars) => bars.length)).toBe(4);
    expect(await page.$$eval('#chart-loss .chart-line', (lines) => lines.length)).toBe(2);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'e2e.png'), fullPage: true });

    // Download the ASI model: model.json + weights.bin in tfjs' layout.
    await page.waitForSelector('#saved tbody tr[data-url]');
    const downloads: Download[] = [];
    page.on('download', (d) => downloads.push(d));
    await page.click(`#saved tr[data-url="${asi.end!.savedAs}"] button[data-action="download"]`);
    await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2);
    const byName = new Map(downloads.map((d) => [d.suggestedFilename(), d]));
    const modelJson = JSON.parse(readFileSync((await byName.get('model.json')!.path())!, 'utf8'));
    const weights = readFileSync((await byName.get('weights.bin')!.path())!);
    const specs = modelJson.weightsManifest[0].weights as { name: string; shape: number[]; dtype: string }[];
    expect(modelJson.weightsManifest[0].paths).toEqual(['./weights.bin']);
    expect(modelJson.modelTopology.format).toBe('odl-checkpoint');
    // The model's weights are float32; the trainer state for resuming (`__optimizer/…`,
    // `__compressor/…`) may hold other dtypes.
    expect(specs.filter((w) => !w.name.startsWith('__')).every((w) => w.dtype === 'float32')).toBe(true);
    const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };
    expect(specs.every((w) => BYTES[w.dtype] != null)).toBe(true);
    expect(weights.byteLength).toBe(specs.reduce((s, w) => s + BYTES[w.dtype]! * w.shape.reduce((a, b) => a * b, 1), 0));

    // After a reload the saved models are listed (IndexedDB) and can be loaded.
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.savedListed, null, { timeout: 60_000 });
    const reloaded = await hook(page);
    const urls = reloaded.saved.map((m) => m.url);
    expect(urls).toContain(vanilla.end!.savedAs);
    expect(urls).toContain(asi.end!.savedAs);
    const rowText = await page.textContent(`#saved tr[data-url="${asi.end!.savedAs}"]`);
    expect(rowText).toContain('asi');
    await page.click(`#saved tr[data-url="${asi.end!.savedAs}"] button[data-action="load"]`);
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.loaded != null, null, { timeout: 60_000 });
    const loaded = (await hook(page)).loaded!;
    expect(loaded.url).toBe(asi.end!.savedAs);
    // The stored weights reproduce the accuracy measured at the end of training (same 500 images).
    expect(loaded.testImages).toBe(500);
    expect(loaded.top1).toBeCloseTo(asi.end!.top1!, 6);
    expect(await page.inputValue('#model')).toBe(`saved:${asi.end!.savedAs}`);
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-reloaded.png'), fullPage: true });

    expect(external).toEqual([]);
    expect(consoleErrors).toEqual([]);
    timings.testSeconds = (performance.now() - t0) / 1000;
    const summary = {
      backend: reloaded.backend,
      vanilla: { loss: [vanilla.steps[0].loss, vanilla.steps.at(-1)!.loss], top1: vanilla.end!.top1, memory: vanilla.memory },
      asi: { loss: [asi.steps[0].loss, asi.steps.at(-1)!.loss], top1: asi.end!.top1, memory: asi.memory },
      timings,
    };
    console.log(`[web e2e] backend ${reloaded.backend}: ${JSON.stringify(summary)}`);
  }, 600_000);

  it('checks a folder of the user\'s own images when picked (bad files listed and skipped), fine-tunes on the good ones, with pause, resume and stop', async () => {
    const t0 = performance.now();
    const folder = join(profileDir, 'stripes');
    const classes = writeStripesFolder(folder, 20);
    const broken = writeBrokenFiles(folder, classes);
    const onlyBroken = join(profileDir, 'broken');
    writeBrokenFiles(onlyBroken, classes);
    const page = await context.newPage();
    recordPageErrors(page, consoleErrors);
    await page.goto(`${server.origin}/?backend=wasm`);
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.savedListed, null, { timeout: 60_000 });
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.methods.length > 0, null, { timeout: 60_000 });
    await expect.poll(() => page.isDisabled('#start')).toBe(false);
    // "My images" without any: Start is disabled and the page says why.
    await page.check('#data-user');
    await expect.poll(() => page.isDisabled('#start')).toBe(true);
    expect(await page.textContent('#form-problems')).toMatch(/^My images: no images of your own yet/);
    // A folder with nothing usable: every file listed as skipped, Start stays disabled.
    await page.setInputFiles('#folder-input', onlyBroken);
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.userData != null, null, { timeout: 30_000 });
    expect((await hook(page)).userData).toMatchObject({ total: 0, problem: 'none of the 3 files is a usable image; see the skipped files' });
    await expect.poll(() => page.textContent('#user-summary')).toBe('0 images, 3 skipped.');
    expect(await page.isVisible('#user-problem')).toBe(true);
    expect(await page.textContent('#user-problem')).toBe('none of the 3 files is a usable image; see the skipped files');
    expect(await page.isDisabled('#start')).toBe(true);
    expect(await page.textContent('#form-problems')).toContain('My images: none of the 3 files is a usable image');
    // The good folder with the same broken files in it: the bad ones are listed (name and reason)
    // and skipped, the run uses the 40 good ones.
    await page.setInputFiles('#folder-input', folder);
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.userData?.total === 40, null, { timeout: 30_000 });
    const user = (await hook(page)).userData!;
    expect(user).toMatchObject({ classNames: classes, counts: [20, 20], total: 40, problem: null });
    expect(user.skipped.map((f) => f.path)).toEqual(broken);
    await expect.poll(() => page.textContent('#user-summary')).toBe('40 images, 3 skipped · 2 classes: horizontal (20), vertical (20)');
    expect(await page.isVisible('#user-problem')).toBe(false);
    const listed = await page.$$eval('#user-skipped li', (lis) => lis.map((li) => ({ path: (li as HTMLElement).dataset.path, text: li.textContent ?? '' })));
    expect(listed.map((l) => l.path)).toEqual(broken);
    expect(listed[0].text).toMatch(/^horizontal\/cut-short\.png: .*truncated/);
    expect(listed[1].text).toMatch(/^vertical\/not-really\.jpg: .*(JPEG|cannot decode)/);
    expect(listed[2].text).toMatch(/^vertical\/notes\.txt: not an image file \(\.txt\)/);
    expect(await page.isVisible('#user-skipped')).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-own-images.png'), fullPage: true });
    await expect.poll(() => page.isDisabled('#start')).toBe(false);
    expect(await page.isVisible('#form-problems')).toBe(false);
    await page.selectOption('#method', 'vanilla');
    expect(await page.isDisabled('#compare')).toBe(true);
    expect(await page.isVisible('#budget-field')).toBe(false);
    await page.selectOption('#protocol', 'paper');
    await page.fill('#steps', '400');
    await page.fill('#batch', '8');
    await page.fill('#eval-every', '1000');
    await page.click('#start');
    const stepsDone = async () => (await hook(page)).runs[0]?.steps.length ?? 0;
    await expect.poll(stepsDone, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(3);
    // Pause: the worker stops between steps and stays there.
    await page.click('#pause');
    await expect.poll(async () => (await hook(page)).runState, { timeout: 10_000 }).toBe('paused');
    await expect.poll(() => page.textContent('#pause')).toBe('Resume');
    const pausedAt = await stepsDone();
    await page.waitForTimeout(1500);
    expect(await stepsDone()).toBe(pausedAt);
    // Resume, then stop: the run ends early and what was trained is saved.
    await page.click('#pause');
    await expect.poll(stepsDone, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(pausedAt + 2);
    await page.click('#stop');
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __odl: OdlHook }).__odl;
        return s.errors.length > 0 || (s.runState === 'idle' && s.runs.length === 1 && s.runs[0].end != null);
      },
      null,
      { timeout: 60_000, polling: 200 },
    );
    const s = await hook(page);
    expect(s.errors).toEqual([]);
    const run = s.runs[0];
    expect(run.method).toBe('vanilla');
    expect(run.protocol).toBe('paper');
    expect(run.classNames).toEqual(classes);
    expect(run.trainImages).toBe(32); // 80 % of each class
    expect(run.testImages).toBe(8);
    expect(run.end!.stopped).toBe(true);
    expect(run.steps.length).toBeGreaterThanOrEqual(pausedAt + 2);
    expect(run.steps.length).toBeLessThan(400);
    expect(run.end!.steps).toBe(run.steps.length);
    expect(run.steps.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(run.evals.at(-1)!.step).toBe(run.steps.length);
    expect(run.end!.savedAs).toMatch(/^indexeddb:\/\/odl-web-vanilla-/);
    expect(external).toEqual([]);
    expect(consoleErrors).toEqual([]);
    console.log(`[web e2e] own images: ${run.trainImages} train / ${run.testImages} test, paused at step ${pausedAt}, stopped at ${run.steps.length}, loss ${run.steps[0].loss.toFixed(3)} → ${run.steps.at(-1)!.loss.toFixed(3)}, top-1 ${run.end!.top1}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await page.close();
  }, 300_000);

  it('fine-tunes on a picked folder of photos of mixed sizes, resized and centre-cropped to the model input', async () => {
    const page = await context.newPage();
    recordPageErrors(page, consoleErrors);
    await page.goto(`${server.origin}/?backend=wasm`);
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.methods.length > 0, null, { timeout: 60_000 });
    await page.check('#data-user');
    await page.setInputFiles('#folder-input', mixedSizeFolderPath());
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.userData?.total === 40, null, { timeout: 30_000 });
    expect((await hook(page)).userData).toMatchObject({ classNames: ['disc', 'stripes'], counts: [20, 20], skipped: [], problem: null });
    await page.selectOption('#method', 'vanilla');
    await page.fill('#steps', '4');
    await page.fill('#batch', '4');
    await expect.poll(() => page.isDisabled('#start')).toBe(false);
    await page.click('#start');
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __odl: OdlHook }).__odl;
        return s.errors.length > 0 || (s.runState === 'idle' && s.runs.length === 1 && s.runs[0].end != null);
      },
      null,
      { timeout: 120_000, polling: 200 },
    );
    const s = await hook(page);
    expect(s.errors).toEqual([]);
    const input = s.log.map((l) => /input (\d+)×(\d+)×\d/.exec(l)).find((m) => m != null);
    expect(input, s.log.join('\n')).toBeTruthy();
    const size = Number(input![1]);
    const resizeTo = Math.round((size * 256) / 224);
    expect(s.log.some((l) => l.endsWith(`your images: shorter side resized to ${resizeTo} px, centre ${size}×${size} kept (as torchvision's Resize + CenterCrop)`)), s.log.join('\n')).toBe(true);
    expect(s.runs[0].classNames).toEqual(['disc', 'stripes']);
    expect(s.runs[0].trainImages).toBe(16); // 4 steps of 4, drawn from the 32 training images (80 % of 40)
    expect(s.runs[0].steps.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(external).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 300_000);

  it('offers the pretrained ViT beside the pretrained MCUNet-in1: the last-N field counts its MLP linears; fine-tunes vanilla and ASI on it', async () => {
    const t0 = performance.now();
    const page = await context.newPage();
    recordPageErrors(page, consoleErrors);
    await page.goto(`${server.origin}/?backend=wasm`);
    await page.waitForFunction(() => (window as unknown as { __odl: OdlHook }).__odl.methods.length > 0, null, { timeout: 60_000 });
    // Both shipped checkpoints are offered, each saying what it is; the MCUNet-in1 is the default.
    const models = await page.$$eval('#model option', (os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, label: o.textContent, disabled: (o as HTMLOptionElement).disabled })));
    expect(models.slice(0, 2)).toEqual([
      { value: 'pretrained:mcunet-in1-fmnist04', label: 'MCUNet-in1 pretrained on Fashion-MNIST classes 0–4', disabled: false },
      { value: 'pretrained:vit-fmnist04', label: 'ViT (torchvision layout) pretrained on Fashion-MNIST classes 0–4', disabled: false },
    ]);
    expect(await page.inputValue('#model')).toBe('pretrained:mcunet-in1-fmnist04');
    // The last-N field says what N counts in the chosen model (from its layer specs, by the worker).
    await expect.poll(() => page.textContent('#lastN-label'), { timeout: 30_000 }).toBe('Fine-tuned layers (last N of 42 convolutions)');
    await page.selectOption('#model', 'pretrained:vit-fmnist04');
    await expect.poll(() => page.textContent('#lastN-label'), { timeout: 30_000 }).toBe('Fine-tuned layers (last N of 8 MLP linears)');
    expect(await page.getAttribute('#lastN-field', 'title')).toBe(
      "The last N of this model's 8 MLP linears (encoder.layers.encoder_layer_0.mlp.0 … encoder.layers.encoder_layer_3.mlp.3) train through the method; the classifier trains exactly",
    );
    // Its range ends at the model's count.
    expect(await page.getAttribute('#lastN', 'max')).toBe('8');
    await page.fill('#lastN', '9');
    await expect.poll(async () => (await fieldState(page, 'lastN')).message).toBe('fine-tuned layers must be ≥ 1 and ≤ 8, got 9');
    expect(await page.isDisabled('#start')).toBe(true);
    await page.fill('#lastN', '4');
    await expect.poll(() => page.isDisabled('#start')).toBe(false);

    // Vanilla then ASI (the planner's own plan) on the embedded data, a few steps.
    const steps = 6;
    await page.selectOption('#method', 'asi');
    await page.check('#compare');
    await page.check('#data-embedded');
    await page.fill('#steps', String(steps));
    await page.fill('#batch', String(BATCH));
    await page.fill('#eval-every', '3');
    await page.click('#start');
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { __odl: OdlHook }).__odl;
        return s.errors.length > 0 || (s.runState === 'idle' && s.runs.length === 2 && s.runs.every((r) => r.end != null));
      },
      null,
      { timeout: 240_000, polling: 500 },
    );
    const done = await hook(page);
    expect(done.errors).toEqual([]);
    expect(done.log).toContain('[asi] model: ViT (torchvision layout) pretrained on Fashion-MNIST classes 0–4; input 32×32×1; protocol odl');
    expect(done.runs.map((r) => r.method)).toEqual(['vanilla', 'asi']);
    for (const r of done.runs) {
      expect(r.steps.length).toBe(steps);
      expect(r.steps.every((p) => Number.isFinite(p.loss))).toBe(true);
      expect(r.evals.map((e) => e.step)).toEqual([0, 3, 6]);
      expect(new Set(r.steps.slice(1).map((p) => p.numTensors)).size).toBe(1);
      expect(r.memory!.analyticBytes).toBeGreaterThan(0);
      expect(r.memory!.measuredBytes).toBeGreaterThan(0);
      expect(r.end!.top1).toBeGreaterThan(0);
    }
    const [vanilla, asi] = done.runs;
    // The last 4 MLP linears (mlp.0 and mlp.3 of the last two blocks) train through ASI; the classifier exactly.
    const compressed = asi.layers.filter((l) => l.role === 'compressed');
    expect(compressed.map((l) => l.name)).toEqual([2, 3].flatMap((i) => [`encoder.layers.encoder_layer_${i}.mlp.0`, `encoder.layers.encoder_layer_${i}.mlp.3`]));
    expect(compressed.every((l) => l.method === 'asi')).toBe(true);
    expect(asi.layers.filter((l) => l.role === 'exact').map((l) => l.method)).toEqual(['vanilla']);
    expect(vanilla.memory!.analyticBytes).toBe(vanilla.memory!.vanillaBytes);
    expect(asi.memory!.analyticBytes).toBeLessThan(vanilla.memory!.analyticBytes);
    // Accuracy and memory are on the page.
    const shown = await page.$$eval('.run-card', (cards) =>
      cards.map((c) => ({
        accuracy: c.querySelector('.v-acc')?.textContent ?? '',
        analytic: c.querySelector('.v-mem-analytic')?.textContent ?? '',
        measured: c.querySelector('.v-mem-measured')?.textContent ?? '',
      })),
    );
    expect(shown).toHaveLength(2);
    for (const s of shown) {
      expect(s.accuracy).toMatch(/^[\d.]+ ?%$/);
      expect(s.analytic).toMatch(/^[\d.]+ (B|KiB|MiB)$/);
      expect(s.measured).toMatch(/^[\d.]+ (B|KiB|MiB)$/);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'e2e-vit.png'), fullPage: true });
    expect(external).toEqual([]);
    expect(consoleErrors).toEqual([]);
    const mib = (b: number) => (b / 2 ** 20).toFixed(3);
    console.log(
      `[web e2e] ViT, last 4 MLP linears, ${steps} steps of ${BATCH}: vanilla top-1 ${vanilla.end!.top1} memory ${mib(vanilla.memory!.analyticBytes)} MiB computed / ${mib(vanilla.memory!.measuredBytes)} MiB measured; ` +
        `asi top-1 ${asi.end!.top1} memory ${mib(asi.memory!.analyticBytes)} / ${mib(asi.memory!.measuredBytes)} MiB; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    await page.close();
  }, 300_000);
});
