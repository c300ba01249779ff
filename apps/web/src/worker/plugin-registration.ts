// Registering plugin modules and describing the registered methods to the page. Generic: it reads
// what the modules export and what the methods declare, never a method's name.
import { isMethodPlugin, listMethods, registerModuleMethods, type OptionSpec } from '@odl/core';
import type { MethodInfo } from '../protocol';
import { PluginRegistrationError } from './errors';

/** A plugin module: where it came from (for messages) and its namespace. */
export interface PluginModule {
  /** The module as listed (ODL_WEB_PLUGINS). */
  source: string;
  /** Its exports. */
  namespace: Record<string, unknown>;
}

/**
 * Registers what each module provides (`registerModuleMethods` of @odl/core, the CLI's rule). A
 * module that fails, or provides no method, does not stop the others: its error is returned.
 */
export async function registerPluginModules(modules: readonly PluginModule[]): Promise<PluginRegistrationError[]> {
  const failed: PluginRegistrationError[] = [];
  for (const { source, namespace } of modules) {
    try {
      const added = await registerModuleMethods(namespace);
      if (added.length === 0 && !Object.values(namespace).some(isMethodPlugin)) {
        failed.push(new PluginRegistrationError(source, 'the module registered no method and exports none (export a MethodPlugin, or a register() function)'));
      }
    } catch (e) {
      failed.push(new PluginRegistrationError(source, e instanceof Error ? e.message : String(e)));
    }
  }
  return failed;
}

/** Every registered method as plain JSON for the page: name, description, whether it plans, options. */
export function describeMethods(): MethodInfo[] {
  return listMethods().map((plugin) => ({
    name: plugin.name,
    description: plugin.description,
    plans: plugin.planner != null,
    options: plugin.options.map((spec: OptionSpec) => JSON.parse(JSON.stringify(spec)) as OptionSpec),
  }));
}
