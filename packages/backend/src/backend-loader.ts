// Loads the tfjs backend packages, which are optional peer dependencies of @odl/backend: only the
// backends setupBackend tries are imported, and a missing one gets an error that names the package
// to install (docs/traps.md, "Optional backends").
import { OdlError } from './errors';

/** Names of the tfjs backends odl can run on. */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';

/** The npm package of each backend. */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, string>> = {
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
  webgl: '@tensorflow/tfjs-backend-webgl',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
};

/** Imports a backend's package and resolves to its module (importing it registers the backend with tfjs). */
export type BackendModuleLoader = () => Promise<unknown>;

/**
 * A backend's package could not be loaded: it is not installed, or (in a bundled app) the bundler
 * was not told to include it. The message names the package and the fix.
 *
 * @example
 * ```ts
 * try { await setupBackend({ prefer: ['webgl'] }); }
 * catch (e) { if (e instanceof BackendNotInstalledError) console.error(`npm install ${e.packageName}`); }
 * ```
 */
export class BackendNotInstalledError extends OdlError {
  /** The backend that could not be loaded. */
  readonly backend: BackendName;
  /** Its npm package, e.g. `'@tensorflow/tfjs-backend-wasm'`. */
  readonly packageName: string;

  constructor(backend: BackendName, cause: string) {
    const pkg = BACKEND_PACKAGES[backend];
    super(
      'backend-not-installed',
      `backend '${backend}' needs the package ${pkg}, which could not be loaded (${cause}). ` +
        `Install it next to @tensorflow/tfjs-core, at the same version: npm install ${pkg}. ` +
        `In a bundled app, also tell odl how to import it: provideBackend('${backend}', () => import('${pkg}')).`,
    );
    this.backend = backend;
    this.packageName = pkg;
  }
}

const loaders = new Map<BackendName, BackendModuleLoader>();

// The package name is computed, so a bundler does not try (and fail) to resolve a backend the app
// did not install; bundled apps name theirs with provideBackend, plain Node resolves it at run time.
const importByName = (name: BackendName): Promise<unknown> => {
  const specifier = BACKEND_PACKAGES[name];
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
};

/**
 * Tells {@link setupBackend} how to import a backend's package. Needed in bundled apps (Vite,
 * webpack, esbuild), where a literal `import('…')` is what makes the bundler include the package;
 * in plain Node, setupBackend imports installed backends by name and this is optional. The loader
 * runs only when setupBackend tries that backend.
 *
 * @param name - the backend, e.g. `'webgl'`
 * @param load - imports its package, e.g. `() => import('@tensorflow/tfjs-backend-webgl')`
 *
 * @example
 * ```ts
 * provideBackend('webgl', () => import('@tensorflow/tfjs-backend-webgl'));
 * provideBackend('wasm', () => import('@tensorflow/tfjs-backend-wasm'));
 * await setupBackend({ prefer: ['webgl', 'wasm'] });
 * ```
 */
export function provideBackend(name: BackendName, load: BackendModuleLoader): void {
  if (!(name in BACKEND_PACKAGES)) {
    throw new OdlError('invalid-argument', `provideBackend: unknown backend '${name}'; use one of ${Object.keys(BACKEND_PACKAGES).join(', ')}`);
  }
  loaders.set(name, load);
}

/** Forgets every loader given to {@link provideBackend} (for tests). */
export function resetBackendLoaders(): void {
  loaders.clear();
}

/**
 * True when `error` says that `pkg` itself could not be found: Node's ERR_MODULE_NOT_FOUND, a
 * browser's TypeError for an unresolvable bare specifier, a dev server's "failed to load/resolve";
 * each quotes the package name.
 */
function isNotFound(error: unknown, pkg: string): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  const text = String(message);
  if (!text.includes(pkg)) return false;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || error instanceof TypeError) return true;
  return /cannot find|could not (be )?(found|resolved?)|failed to (load|resolve|fetch)|does not resolve|bare specifier/i.test(text);
}

/**
 * Imports the package of backend `name` (with the loader given to {@link provideBackend}, else by
 * name) and resolves to its module. Throws {@link BackendNotInstalledError} if it is missing.
 */
export async function loadBackendModule(name: BackendName): Promise<unknown> {
  const load = loaders.get(name) ?? (() => importByName(name));
  try {
    return await load();
  } catch (e) {
    if (isNotFound(e, BACKEND_PACKAGES[name])) throw new BackendNotInstalledError(name, (e as Error).message.split('\n')[0]);
    throw e;
  }
}
