// The methods this page offers: odl's built-in ones, described to the page from their
// declarations. Nothing here knows a method by name.
import { listMethods, type OptionSpec } from '@odl/core';
import { registerBuiltinMethods } from '@odl/models';
import type { MethodInfo } from '../protocol';

/** Registers the built-in methods (idempotent). */
export async function registerMethods(): Promise<Error[]> {
  registerBuiltinMethods();
  return [];
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
