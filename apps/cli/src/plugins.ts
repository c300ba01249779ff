// `--plugin <module>`: loads ES modules that add methods, sharing this CLI's own copies of the
// odl packages and tfjs (one registry, one tfjs engine). The CLI is one bundle, so a plugin's
// `import … from '@odl/core'` is resolved by a Node module hook to a module that re-exports the
// bundled namespace (docs/guides/writing-a-compressor.md, "Use it from the CLI").
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as backend from '@odl/backend';
import * as core from '@odl/core';
import * as datasets from '@odl/datasets';
import * as lowrank from '@odl/lowrank';
import * as models from '@odl/models';
import * as profiler from '@odl/profiler';
import * as shortcut from '@odl/shortcut';
import { UsageError } from './errors';

const HOST_KEY = '__odlHostModules';

/** The modules a plugin may import, as the bundled instances this CLI runs on. */
const HOST_MODULES: Record<string, Record<string, unknown>> = {
  '@odl/backend': backend,
  '@odl/core': core,
  '@odl/datasets': datasets,
  '@odl/lowrank': lowrank,
  '@odl/models': models,
  '@odl/profiler': profiler,
  '@odl/shortcut': shortcut,
  '@tensorflow/tfjs-core': backend.tf as unknown as Record<string, unknown>,
};

// Runs in Node's loader thread: maps the host specifiers to generated modules that read the
// namespaces the main thread put on globalThis.
const HOOKS = `
export async function initialize(data) { globalThis.odlHostExports = data.exports; }
export async function resolve(specifier, context, next) {
  if (Object.hasOwn(globalThis.odlHostExports, specifier)) return { url: 'odl-host:' + specifier, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (!url.startsWith('odl-host:')) return next(url, context);
  const specifier = url.slice('odl-host:'.length);
  const names = globalThis.odlHostExports[specifier];
  const lines = ['const m = globalThis.${HOST_KEY}[' + JSON.stringify(specifier) + '];'];
  for (const n of names) lines.push('export const ' + n + ' = m[' + JSON.stringify(n) + '];');
  lines.push('export default m;');
  return { format: 'module', source: lines.join('\\n'), shortCircuit: true };
}
`;

let hooked = false;

function installHost(): void {
  if (hooked) return;
  hooked = true;
  (globalThis as Record<string, unknown>)[HOST_KEY] = HOST_MODULES;
  const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
  const exports = Object.fromEntries(Object.entries(HOST_MODULES).map(([k, m]) => [k, Object.keys(m).filter((n) => n !== 'default' && identifier.test(n))]));
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { exports } });
}

/**
 * Imports each plugin module and registers the methods it provides (`registerModuleMethods` of
 * @odl/core): a module may export `register()` (called), or method plugins (registered), or
 * register them itself when imported. Returns the names of the methods added.
 */
export async function loadPlugins(paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  installHost();
  const added: string[] = [];
  for (const p of paths) {
    const file = isAbsolute(p) ? p : resolve(process.cwd(), p);
    if (!existsSync(file)) throw new UsageError(`--plugin ${p}: no such file`);
    if (/\.(c|m)?tsx?$/.test(file)) {
      throw new UsageError(`--plugin ${p}: a TypeScript file; compile it to an ES module first (e.g. npx esbuild ${p} --format=esm --outfile=plugin.mjs)`);
    }
    const before = new Set(core.listMethods().map((m) => m.name));
    let namespace: Record<string, unknown>;
    try {
      namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (e) {
      throw new UsageError(`--plugin ${p}: could not load the module: ${(e as Error).message}`);
    }
    await core.registerModuleMethods(namespace);
    const now = core.listMethods().map((m) => m.name).filter((n) => !before.has(n));
    if (now.length === 0 && !Object.values(namespace).some((v) => core.isMethodPlugin(v))) {
      throw new UsageError(`--plugin ${p}: the module registered no method and exports none (export a MethodPlugin, or a register() function)`);
    }
    added.push(...now);
  }
  return added;
}
