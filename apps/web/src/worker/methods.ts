// The methods this page offers: odl's built-in ones and those of the build-time plugins
// (ODL_WEB_PLUGINS, provided by vite.config.ts as `virtual:odl-plugins`). Nothing here knows a
// method by name.
import { registerBuiltinMethods } from '@odl/models';
import { namespaces, sources } from 'virtual:odl-plugins';
import type { PluginRegistrationError } from './errors';
import { registerPluginModules } from './plugin-registration';

export { describeMethods } from './plugin-registration';

let registration: Promise<PluginRegistrationError[]> | null = null;

/**
 * Registers the built-in methods, then the build-time plugins', once per worker. A plugin that
 * fails does not stop the others: its error is returned (for the page to show) and its methods are
 * missing from the list.
 */
export function registerMethods(): Promise<PluginRegistrationError[]> {
  registration ??= (async () => {
    registerBuiltinMethods();
    return registerPluginModules(namespaces.map((namespace, i) => ({ source: sources[i] ?? `plugin #${i + 1}`, namespace })));
  })();
  return registration;
}
