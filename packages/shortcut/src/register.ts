import { getMethod, hasMethod, registerMethod, type MethodPlugin } from '@odl/core';
import { asiPlugin } from './asi/plugin';
import { wasiPlugin } from './wasi/plugin';

/**
 * Registers the `'asi'` and `'wasi'` plugins with @odl/core's method registry so that the session, the
 * profiler, the CLI and the web demo find it by name. Idempotent: calling it again does nothing;
 * a different plugin already registered under one of those names makes it throw `DuplicateMethodError`
 * (nothing is overwritten). Importing @odl/shortcut does not register anything by itself (the
 * package is side-effect free).
 *
 * @example
 * ```ts
 * import { registerShortcut } from '@odl/shortcut';
 * import { getMethod } from '@odl/core';
 * registerShortcut();
 * getMethod('asi').description;
 * ```
 */
export function registerShortcut(): void {
  const plugins: MethodPlugin<any>[] = [asiPlugin, wasiPlugin];
  for (const plugin of plugins) {
    if (hasMethod(plugin.name) && (getMethod(plugin.name) as unknown) === plugin) continue;
    registerMethod(plugin);
  }
}
