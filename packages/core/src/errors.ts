import { ArgumentError, OdlError } from '@odl/backend';
import { suggest } from './did-you-mean';

/**
 * No method is registered under the requested name. The message lists the registered names and
 * the closest one.
 *
 * @example
 * ```ts
 * try { getMethod('asi'); } catch (e) { if (e instanceof UnknownMethodError) console.log(e.available); }
 * ```
 */
export class UnknownMethodError extends OdlError {
  /** The name that was asked for. */
  readonly method: string;
  /** The names registered when the lookup failed, sorted. */
  readonly available: string[];

  constructor(method: string, available: string[]) {
    super(
      'unknown-method',
      `no method named '${method}' is registered${suggest(method, available)}; registered: ${available.length > 0 ? available.join(', ') : '(none)'}. ` +
        `Register the package or plugin that defines it first (registerShortcut() of @odl/shortcut, registerLowrank() of @odl/lowrank, registerMethod(plugin), or --plugin <module> in the CLI)`,
    );
    this.method = method;
    this.available = available;
  }
}

/**
 * A plugin was registered under a name that is already taken.
 *
 * @example
 * ```ts
 * registerMethod(myPlugin);
 * registerMethod(otherPluginWithTheSameName); // throws DuplicateMethodError
 * ```
 */
export class DuplicateMethodError extends OdlError {
  /** The name that is already registered. */
  readonly method: string;

  constructor(method: string) {
    super(
      'duplicate-method',
      `a method named '${method}' is already registered; pick another name or call unregisterMethod('${method}') first`,
    );
    this.method = method;
  }
}

/**
 * A plugin states a contract version other than the one this `@odl/core` implements (a
 * version-1 plugin, `apiVersion: 1`, can be wrapped with `adaptV1Plugin`).
 *
 * @example
 * ```ts
 * registerMethod({ ...myPlugin, specificationVersion: 3 as never }); // throws SpecificationVersionError
 * ```
 */
export class SpecificationVersionError extends OdlError {
  /** The version the plugin states. */
  readonly found: unknown;
  /** The version this `@odl/core` implements. */
  readonly expected: number;

  constructor(method: string, found: unknown, expected: number) {
    super(
      'specification-version',
      found === 1
        ? `method '${method}' implements plugin contract version 1 (apiVersion: 1), but @odl/core implements version ${expected}; ` +
            `wrap it with adaptV1Plugin(plugin, { options: [...] }) or add the version-${expected} fields (specificationVersion, options, cost; docs/guides/writing-a-compressor.md)`
        : `method '${method}' implements plugin contract version ${String(found)}, but @odl/core implements version ${expected}; ` +
            `update the plugin (docs/guides/writing-a-compressor.md) or use a matching @odl/core`,
    );
    this.found = found;
    this.expected = expected;
  }
}

/**
 * A plugin object is malformed (bad name, no cost model, empty `supports`, a bad option declaration).
 *
 * @example
 * ```ts
 * registerMethod({ ...myPlugin, name: 'My Method' }); // throws InvalidPluginError (spaces, upper case)
 * ```
 */
export class InvalidPluginError extends ArgumentError {}

/**
 * A compressor was asked to serve a layer kind its plugin does not support.
 *
 * @example
 * ```ts
 * createLayerCompressor('conv-only-method', denseGeometry([8, 16], [16, 4])); // throws UnsupportedLayerError
 * ```
 */
export class UnsupportedLayerError extends OdlError {
  constructor(method: string, kind: string, supported: readonly string[], reason?: string) {
    super(
      'unsupported-layer',
      reason != null
        ? `method '${method}' cannot serve this ${kind} layer: ${reason}; use another method for this layer, e.g. 'vanilla'`
        : `method '${method}' does not support '${kind}' layers (it supports: ${supported.join(', ')}); ` +
            `use another method for this layer, e.g. 'vanilla'`,
    );
  }
}

/**
 * A method option is unknown, of the wrong type or out of range. `option` names it; the message
 * says what is allowed.
 *
 * @example
 * ```ts
 * try { resolveOptions(getMethod('hosvd'), { epsilon: 2 }); } catch (e) { if (e instanceof MethodOptionError) console.log(e.option); } // 'epsilon'
 * ```
 */
export class MethodOptionError extends ArgumentError {
  /** The method whose option is wrong. */
  readonly method: string;
  /** The option's name. */
  readonly option: string;

  constructor(method: string, option: string, detail: string) {
    super(`${method}: ${detail}`);
    this.method = method;
    this.option = option;
  }
}
