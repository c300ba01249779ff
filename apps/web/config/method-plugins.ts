// Build-time method plugins: ODL_WEB_PLUGINS lists ES modules (comma-separated paths, absolute or
// relative to the repository root) that export method plugins or a register() function. They are
// bundled into the worker through the virtual module `virtual:odl-plugins`, which exports their
// namespaces; the worker registers them with @odl/core's registerModuleMethods. Their imports of
// @odl/* resolve through the app's aliases, so they share the app's single copies (one registry,
// one tfjs engine).
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Plugin } from 'vite';

/** The environment variable listing the plugin modules. */
export const PLUGINS_ENV = 'ODL_WEB_PLUGINS';

/** The id the worker imports. */
export const PLUGINS_MODULE_ID = 'virtual:odl-plugins';

/** A path in ODL_WEB_PLUGINS that is not a module file. */
export class PluginPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginPathError';
  }
}

/** One plugin module: the path as listed, and the file it names. */
export interface PluginModule {
  /** As written in ODL_WEB_PLUGINS (shown in the worker's messages). */
  source: string;
  /** Absolute path of the file. */
  file: string;
}

/**
 * The modules listed in `value` (ODL_WEB_PLUGINS), relative paths taken from `root`. Empty when
 * the variable is unset or blank; throws {@link PluginPathError} for a path that is not a file.
 */
export function pluginModules(value: string | undefined, root: string): PluginModule[] {
  if (value == null || value.trim() === '') return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((source) => {
      const file = isAbsolute(source) ? source : resolve(root, source);
      if (!existsSync(file) || !statSync(file).isFile()) {
        throw new PluginPathError(
          `${PLUGINS_ENV}: '${source}' is not a file (looked at ${file}); list plugin modules as comma-separated paths, absolute or relative to the repository root ${root}`,
        );
      }
      return { source: isAbsolute(source) ? source : relative(root, file), file };
    });
}

/** The source of `virtual:odl-plugins` for these modules. */
export function pluginsModuleSource(modules: readonly PluginModule[]): string {
  const imports = modules.map((m, i) => `import * as plugin${i} from ${JSON.stringify(m.file)};`);
  return [
    ...imports,
    `export const namespaces = [${modules.map((_, i) => `plugin${i}`).join(', ')}];`,
    `export const sources = ${JSON.stringify(modules.map((m) => m.source))};`,
    '',
  ].join('\n');
}

/** The Vite plugin that provides `virtual:odl-plugins`. */
export function methodPluginsModule(modules: readonly PluginModule[]): Plugin {
  const resolvedId = `\0${PLUGINS_MODULE_ID}`;
  return {
    name: 'odl-method-plugins',
    resolveId(id) {
      return id === PLUGINS_MODULE_ID ? resolvedId : null;
    },
    load(id) {
      return id === resolvedId ? pluginsModuleSource(modules) : null;
    },
  };
}
