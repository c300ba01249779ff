import { getMethod, hasMethod, registerMethod } from '@odl/core';
import { asiPlugin } from './asi/plugin';

/**
 * Registers the `'asi'` plugin with @odl/core's method registry so that the session, the
 * profiler, the CLI and the web demo find it by name. Idempotent: calling it again does nothing;
 * a different plugin already registered as `'asi'` makes it throw `DuplicateMethodError`
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
  if (hasMethod(asiPlugin.name) && (getMethod(asiPlugin.name) as unknown) === asiPlugin) return;
  registerMethod(asiPlugin);
}
