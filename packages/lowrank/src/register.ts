import { OdlError } from '@odl/backend';
import { getMethod, hasMethod, registerMethod, type MethodPlugin } from '@odl/core';
import { gradientFilterPlugin } from './gradient-filter';
import { hosvdPlugin } from './hosvd';
import { loraPlugin } from './lora';
import { svdPlugin } from './svd';

/**
 * The plugins of this package, in registration order.
 *
 * @example
 * ```ts
 * lowrankPlugins.map((p) => p.name); // ['hosvd', 'svd', 'gradient-filter', 'lora']
 * ```
 */
export const lowrankPlugins: readonly MethodPlugin<any>[] = [hosvdPlugin, svdPlugin, gradientFilterPlugin, loraPlugin];

/**
 * Registers `'hosvd'`, `'svd'`, `'gradient-filter'` and `'lora'` with `@odl/core`'s registry. Idempotent:
 * a name already registered with this package's plugin is skipped; a name taken by a different
 * plugin throws {@link LowrankRegistrationError} (nothing is overwritten). Importing
 * `@odl/lowrank` does NOT register anything (the package has no side effects): call this once.
 * (`'vanilla'` is built into `@odl/core`.)
 *
 * @returns the names registered by this call (empty when all were registered already)
 * @example
 * ```ts
 * import { registerLowrank } from '@odl/lowrank';
 * import { createLayerCompressor, conv2dGeometry } from '@odl/core';
 * registerLowrank();
 * const c = createLayerCompressor('hosvd', conv2dGeometry([8, 16, 16, 4], [3, 3, 4, 8], { pad: 'same' }), { epsilon: 0.8 });
 * ```
 */
export function registerLowrank(): string[] {
  const added: string[] = [];
  for (const plugin of lowrankPlugins) {
    if (hasMethod(plugin.name)) {
      if (getMethod(plugin.name) !== plugin) {
        throw new LowrankRegistrationError(plugin.name);
      }
      continue;
    }
    registerMethod(plugin);
    added.push(plugin.name);
  }
  return added;
}

/**
 * {@link registerLowrank} found one of its names taken by another plugin (for example two
 * copies of `@odl/lowrank` loaded side by side).
 *
 * @example
 * ```ts
 * try { registerLowrank(); } catch (e) { if (e instanceof LowrankRegistrationError) console.error(e.method); }
 * ```
 */
export class LowrankRegistrationError extends OdlError {
  /** The registry name that is taken. */
  readonly method: string;

  constructor(method: string) {
    super(
      'duplicate-method',
      `registerLowrank: the name '${method}' is already registered by a different plugin (two copies of @odl/lowrank?); ` +
        `call unregisterMethod('${method}') first or load a single copy`,
    );
    this.method = method;
  }
}
