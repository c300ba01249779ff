// Builds the page with `vite build`: into apps/web/dist when it is missing or older than any of its
// inputs (the app's sources, the @odl packages' sources, the embedded data, the pretrained
// checkpoint), or into any folder with extra environment (e.g. ODL_WEB_PLUGINS) for other tests.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** apps/web */
export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** apps/web/dist */
export const DIST_DIR = join(APP_DIR, 'dist');
const ROOT = resolve(APP_DIR, '../..');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e === 'dist' || e.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, e)));
  }
  return newest;
}

/** The inputs whose change makes the build stale. */
function inputs(): string[] {
  const app = ['index.html', 'vite.config.ts', 'package.json', 'src', 'config'].map((p) => join(APP_DIR, p));
  const packages = readdirSync(join(ROOT, 'packages')).flatMap((p) => [join(ROOT, 'packages', p, 'src'), join(ROOT, 'packages', p, 'package.json')]);
  return [...app, ...packages, join(ROOT, 'packages/datasets/data'), join(ROOT, 'packages/models/pretrained')];
}

/** Why the build must run, or null when dist/ is up to date. */
export function staleReason(): string | null {
  const marker = join(DIST_DIR, 'index.html');
  if (!existsSync(marker)) return 'apps/web/dist is missing';
  const built = statSync(marker).mtimeMs;
  const changed = inputs().find((p) => newestMtime(p) > built);
  return changed ? `${changed.slice(ROOT.length + 1)} changed since the last build` : null;
}

/** Options of {@link buildPage}. */
export interface BuildPageOptions {
  /** Output folder (replaced as a whole when the build succeeds). */
  outDir: string;
  /** Extra environment of the build, e.g. `{ ODL_WEB_PLUGINS: 'examples/my-method.ts' }`. */
  env?: Record<string, string>;
  /** Another Vite configuration than the demo's (e.g. bench/vite.config.ts), relative to apps/web. */
  config?: string;
}

/**
 * Runs `vite build` in apps/web into `outDir`, with `env` added to this process's environment;
 * returns the seconds it took. Builds beside `outDir` and swaps the result in, so a concurrent
 * run never serves a half-written folder.
 */
export async function buildPage(options: BuildPageOptions): Promise<number> {
  const t0 = performance.now();
  const outDir = resolve(options.outDir);
  const vite = join(dirname(createRequire(join(APP_DIR, 'package.json')).resolve('vite/package.json')), 'bin/vite.js');
  const tmp = join(dirname(outDir), `.${basename(outDir)}-build-${process.pid}`);
  try {
    const config = options.config == null ? [] : ['--config', options.config];
    await promisify(execFile)(process.execPath, [vite, 'build', ...config, '--logLevel', 'warn', '--outDir', tmp, '--emptyOutDir'], {
      cwd: APP_DIR,
      env: { ...process.env, NODE_ENV: 'production', ...options.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    const old = `${tmp}-old`;
    if (existsSync(outDir)) renameSync(outDir, old);
    renameSync(tmp, outDir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`vite build failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
  return (performance.now() - t0) / 1000;
}

/** Runs `vite build` in apps/web into apps/web/dist when needed; returns the seconds it took (0 when skipped). */
export async function buildPageIfStale(log: (line: string) => void = console.log): Promise<number> {
  const reason = staleReason();
  if (reason == null) return 0;
  log(`building the page (${reason}) …`);
  return buildPage({ outDir: DIST_DIR });
}
