import { ArgumentError } from '@odl/backend';
import {
  SPECIFICATION_VERSION,
  type LayerCompressor,
  type LayerGeometry,
  type LayerKind,
  type MethodPlugin,
  type MethodPluginV1,
} from './contract';
import { DuplicateMethodError, InvalidPluginError, SpecificationVersionError, UnknownMethodError, UnsupportedLayerError } from './errors';
import { normalizeGeometry } from './geometry';
import type { OptionSpec } from './options';
import { vanillaPlugin } from './vanilla';

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const OPTION_NAME_PATTERN = /^[a-z][A-Za-z0-9]*$/;
const OPTION_TYPES = ['number', 'integer', 'integer-list', 'number-list', 'enum', 'boolean'];
const KINDS: readonly LayerKind[] = ['conv2d', 'depthwise', 'dense'];

// Keyed by name. 'vanilla' is always available unless explicitly unregistered.
const plugins = new Map<string, MethodPlugin<any>>([[vanillaPlugin.name, vanillaPlugin]]);

function checkOptionSpecs(name: string, options: unknown): void {
  if (!Array.isArray(options)) throw new InvalidPluginError(`registerMethod: plugin '${name}' must declare its options as an array (empty when it takes none)`);
  const seen = new Set<string>();
  for (const o of options as OptionSpec[]) {
    if (o == null || typeof o.name !== 'string' || !OPTION_NAME_PATTERN.test(o.name)) {
      throw new InvalidPluginError(`registerMethod: plugin '${name}' declares an option with an invalid name ${JSON.stringify(o?.name)}; use camelCase letters and digits`);
    }
    if (seen.has(o.name)) throw new InvalidPluginError(`registerMethod: plugin '${name}' declares option '${o.name}' twice`);
    seen.add(o.name);
    if (!OPTION_TYPES.includes(o.type)) throw new InvalidPluginError(`registerMethod: option '${o.name}' of '${name}' has type ${JSON.stringify(o.type)}; use one of ${OPTION_TYPES.join(', ')}`);
    if (typeof o.doc !== 'string' || o.doc.length === 0) throw new InvalidPluginError(`registerMethod: option '${o.name}' of '${name}' needs a one-line doc`);
    if (o.type === 'enum' && (!Array.isArray(o.values) || o.values.length === 0)) {
      throw new InvalidPluginError(`registerMethod: enum option '${o.name}' of '${name}' must list its values`);
    }
  }
}

/**
 * Checks a plugin object against the contract (docs/architecture.md §3) and throws a typed error
 * naming what is wrong: {@link SpecificationVersionError} for another contract version,
 * `InvalidPluginError` for a malformed plugin. The registry runs it on every registration.
 *
 * @example
 * ```ts
 * validatePlugin(myPlugin); // throws when myPlugin would not register
 * ```
 */
export function validatePlugin(plugin: unknown): asserts plugin is MethodPlugin<any> {
  if (plugin == null || typeof plugin !== 'object') throw new InvalidPluginError('registerMethod: expected a plugin object');
  const p = plugin as Partial<MethodPlugin<any>> & { apiVersion?: unknown };
  const name = p.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new InvalidPluginError(
      `registerMethod: invalid name ${JSON.stringify(name)}; use lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  if (p.specificationVersion !== SPECIFICATION_VERSION) throw new SpecificationVersionError(name, p.specificationVersion ?? p.apiVersion, SPECIFICATION_VERSION);
  if (typeof p.description !== 'string') throw new InvalidPluginError(`registerMethod: plugin '${name}' needs a one-line description`);
  if (!Array.isArray(p.supports) || p.supports.length === 0 || p.supports.some((k) => !KINDS.includes(k))) {
    throw new InvalidPluginError(`registerMethod: plugin '${name}' must list the layer kinds it supports, a non-empty subset of ${KINDS.join(', ')}`);
  }
  checkOptionSpecs(name, p.options);
  if (typeof p.cost !== 'function') throw new InvalidPluginError(`registerMethod: plugin '${name}' has no cost(geometry, options, mode); every method declares its cost model`);
  if (p.create != null && typeof p.create !== 'function') throw new InvalidPluginError(`registerMethod: plugin '${name}' has a create that is not a function`);
  if (p.weights != null && typeof p.weights.create !== 'function') throw new InvalidPluginError(`registerMethod: plugin '${name}' has weights without a create(base, geometry, options)`);
  for (const hook of ['unsupportedReason', 'layerOptions', 'costOptionsFor'] as const) {
    if (p[hook] != null && typeof p[hook] !== 'function') throw new InvalidPluginError(`registerMethod: plugin '${name}' has a ${hook} that is not a function`);
  }
  if (p.planner != null && (typeof p.planner.needsPlan !== 'function' || typeof p.planner.plan !== 'function')) {
    throw new InvalidPluginError(`registerMethod: plugin '${name}' has a planner without needsPlan(options) and plan(request)`);
  }
}

/**
 * Registers a method under `plugin.name`, so the fine-tuning session, the profiler, the CLI and
 * the web demo use it by name. Throws `SpecificationVersionError` for another contract version,
 * `DuplicateMethodError` for a taken name, `InvalidPluginError` for a malformed plugin.
 *
 * @example
 * ```ts
 * registerMethod({ specificationVersion: SPECIFICATION_VERSION, name: 'my-method', description: '…',
 *   supports: ['conv2d'], options: [], create: (g, o) => new MyCompressor(g, o), cost: myCost });
 * ```
 */
export function registerMethod<O>(plugin: MethodPlugin<O>): void {
  validatePlugin(plugin);
  if (plugins.has(plugin.name)) throw new DuplicateMethodError(plugin.name);
  plugins.set(plugin.name, plugin as MethodPlugin<any>);
}

/**
 * Removes a registered method. Returns false when no method had that name.
 *
 * @example
 * ```ts
 * unregisterMethod('my-method');
 * ```
 */
export function unregisterMethod(name: string): boolean {
  return plugins.delete(name);
}

/**
 * The plugin registered under `name`; throws `UnknownMethodError` listing the registered names.
 *
 * @example
 * ```ts
 * const plugin = getMethod('vanilla');
 * ```
 */
export function getMethod<O = Record<string, unknown>>(name: string): MethodPlugin<O> {
  const plugin = plugins.get(name);
  if (plugin == null) throw new UnknownMethodError(name, listMethods().map((p) => p.name));
  return plugin as MethodPlugin<O>;
}

/**
 * True when a method is registered under `name`.
 *
 * @example
 * ```ts
 * if (!hasMethod('asi')) registerShortcut();
 * ```
 */
export function hasMethod(name: string): boolean {
  return plugins.has(name);
}

/**
 * Every registered plugin, sorted by name.
 *
 * @example
 * ```ts
 * console.log(listMethods().map((p) => `${p.name}: ${p.description}`).join('\n'));
 * ```
 */
export function listMethods(): MethodPlugin<any>[] {
  return [...plugins.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Why `method` cannot serve this layer, or `null` when it can: a kind it does not list in
 * `supports`, or its own `unsupportedReason` (e.g. a method that needs spatial inputs on a 2-D
 * dense layer).
 *
 * @example
 * ```ts
 * unsupportedReason(getMethod('gradient-filter'), denseGeometry([32, 160], [160, 5])); // 'needs a 4-D input …'
 * ```
 */
export function unsupportedReason(plugin: MethodPlugin<any>, geometry: LayerGeometry): string | null {
  if (!plugin.supports.includes(geometry.kind)) return `'${plugin.name}' supports ${plugin.supports.join(', ')} layers, not ${geometry.kind}`;
  return plugin.unsupportedReason?.(geometry) ?? null;
}

/**
 * Makes the compressor of one layer with the method registered as `method` (for a method with no
 * activation side of its own, the vanilla compressor). Validates the geometry (`ShapeError`) and
 * that the method serves the layer (`UnsupportedLayerError`). Options are passed as they are:
 * validate user input with `resolveOptions` first.
 *
 * @example
 * ```ts
 * const c = createLayerCompressor('vanilla', conv2dGeometry([8, 16, 16, 4], [3, 3, 4, 8], { pad: 'same' }));
 * ```
 */
export function createLayerCompressor<O = Record<string, unknown>>(method: string, geometry: LayerGeometry, options?: O): LayerCompressor {
  const plugin = getMethod<O>(method);
  if (geometry == null || typeof geometry !== 'object') throw new ArgumentError('createLayerCompressor: geometry is required');
  const g = normalizeGeometry(geometry);
  if (!plugin.supports.includes(g.kind)) throw new UnsupportedLayerError(method, g.kind, plugin.supports);
  const reason = plugin.unsupportedReason?.(g);
  if (reason != null) throw new UnsupportedLayerError(method, g.kind, plugin.supports, reason);
  const compressor = plugin.create != null ? plugin.create(g, (options ?? {}) as O) : vanillaPlugin.create!(g, {});
  if (compressor == null || typeof compressor.compress !== 'function' || typeof compressor.weightGradient !== 'function') {
    throw new InvalidPluginError(`createLayerCompressor: plugin '${method}' returned no LayerCompressor from create()`);
  }
  return compressor;
}

/** What {@link adaptV1Plugin} adds to a version-1 plugin. */
export interface V1Adaptation<O> {
  /** The options the plugin takes (version 1 did not declare them). */
  options: readonly OptionSpec[];
  /** Its cost model, when the version-1 plugin had none. */
  cost?: MethodPlugin<O>['cost'];
}

/**
 * Wraps a version-1 plugin (`apiVersion: 1`) as a version-2 one: same name, description,
 * supported kinds and compressor, with the options it takes declared and a cost model (its own,
 * or the one given).
 *
 * @example
 * ```ts
 * registerMethod(adaptV1Plugin(oldPlugin, { options: [{ name: 'rank', type: 'integer', min: 1, doc: 'rows kept' }] }));
 * ```
 */
export function adaptV1Plugin<O>(v1: MethodPluginV1<O>, adaptation: V1Adaptation<O>): MethodPlugin<O> {
  if (v1 == null || (v1 as { apiVersion?: unknown }).apiVersion !== 1) {
    throw new InvalidPluginError('adaptV1Plugin: expected a version-1 plugin (apiVersion: 1)');
  }
  const cost = adaptation.cost ?? v1.cost?.bind(v1);
  if (cost == null) throw new InvalidPluginError(`adaptV1Plugin: plugin '${v1.name}' has no cost model; pass one as { cost }`);
  return {
    specificationVersion: SPECIFICATION_VERSION,
    name: v1.name,
    description: v1.description,
    supports: v1.supports,
    options: adaptation.options,
    create: (g, o) => v1.create(g, o),
    cost,
  };
}

/**
 * True when `value` looks like a method plugin of any contract version (an object with a
 * string `name` and a `specificationVersion` or `apiVersion`); `registerMethod` then checks it fully.
 *
 * @example
 * ```ts
 * Object.values(await import('./my-plugin.js')).filter(isMethodPlugin);
 * ```
 */
export function isMethodPlugin(value: unknown): value is MethodPlugin<any> {
  if (value == null || typeof value !== 'object') return false;
  const v = value as { name?: unknown; specificationVersion?: unknown; apiVersion?: unknown };
  return typeof v.name === 'string' && (v.specificationVersion != null || v.apiVersion != null);
}

/**
 * Registers what a plugin module provides, the one rule every front door follows (the CLI's
 * `--plugin`, the web demo's build-time plugins): a `register()` export is called (it may
 * register methods itself); then every exported method plugin not yet registered is registered
 * (one already registered as the same object is skipped; another plugin under a taken name
 * throws `DuplicateMethodError`). Returns the names registered by this call.
 *
 * @example
 * ```ts
 * await registerModuleMethods(await import('./my-method.js')); // e.g. ['my-method']
 * ```
 */
export async function registerModuleMethods(namespace: Record<string, unknown>): Promise<string[]> {
  const before = new Set(plugins.keys());
  const register = namespace.register;
  if (typeof register === 'function') await (register as () => unknown)();
  for (const value of Object.values(namespace)) {
    if (!isMethodPlugin(value)) continue;
    if (plugins.get(value.name) === value) continue;
    registerMethod(value);
  }
  return [...plugins.keys()].filter((n) => !before.has(n));
}
