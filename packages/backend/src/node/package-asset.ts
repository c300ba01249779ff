import { OdlError } from '../errors';

/** Where {@link findPackageAsset} looks for a folder that a package ships beside its code. */
export interface PackageAssetLookup {
  /** Environment variable naming the folder; tried first when set and not empty. */
  envVar: string;
  /**
   * The folder relative to the calling module (e.g. `'../data/'`), resolved against `baseUrl`:
   * found when the package runs from its own `src/` or `dist/`.
   */
  relativeUrl: string;
  /**
   * The calling module's `import.meta.url`. It must be evaluated in that module (in this one it
   * would name `@odl/backend`), and it is also where the package is first resolved from.
   */
  baseUrl: string;
  /** The package that ships the folder (e.g. `'@odl/datasets'`); it must export `./package.json`. */
  packageName: string;
  /** The folder inside the package, `/`-separated (e.g. `'data'`). */
  subpath: string;
  /** A file that must be in the folder for it to count (e.g. `'model.json'`). */
  marker: string;
  /**
   * The error to throw when no folder holds `marker`, given the folders tried in order; default
   * an {@link OdlError} (`'missing-asset'`) that lists them and names `envVar`.
   */
  notFound?: (tried: string[]) => Error;
}

/**
 * Finds a folder that a package ships beside its code (data, pretrained weights), in Node. Tries,
 * in order, and returns the first that holds `marker`: the `envVar` environment variable;
 * `relativeUrl` next to the calling module (from `src/` or `dist/`); `subpath` inside
 * `packageName` as `require.resolve` finds it from the calling module, then from the working
 * folder (for code bundled into another file, such as the odl CLI). Throws `notFound(tried)`
 * when none does. Node's modules are loaded when it is called, so importing
 * `@odl/backend/node` in a browser bundle is harmless.
 *
 * @example
 * ```ts
 * import { findPackageAsset } from '@odl/backend/node';
 * const dir = await findPackageAsset({
 *   envVar: 'ODL_DATASETS_DATA_DIR', relativeUrl: '../data/', baseUrl: import.meta.url,
 *   packageName: '@odl/datasets', subpath: 'data', marker: 'labels.gz',
 * });
 * ```
 */
export async function findPackageAsset(lookup: PackageAssetLookup): Promise<string> {
  const { existsSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath, pathToFileURL } = await import('node:url');
  const tried: string[] = [];
  const holdsMarker = (dir: string): boolean => {
    tried.push(dir);
    return existsSync(join(dir, lookup.marker));
  };
  const env = process.env[lookup.envVar];
  if (env != null && env !== '' && holdsMarker(env)) return env;
  try {
    const local = fileURLToPath(new URL(lookup.relativeUrl, lookup.baseUrl));
    if (holdsMarker(local)) return local;
  } catch {
    // baseUrl is not a file: URL (e.g. bundled for a browser); fall through.
  }
  for (const from of [lookup.baseUrl, pathToFileURL(join(process.cwd(), 'noop.js')).href]) {
    try {
      const dir = join(dirname(createRequire(from).resolve(`${lookup.packageName}/package.json`)), lookup.subpath);
      if (holdsMarker(dir)) return dir;
    } catch {
      // not resolvable from here
    }
  }
  throw lookup.notFound?.(tried) ?? new OdlError(
    'missing-asset',
    `${lookup.packageName}/${lookup.subpath} not found (tried ${tried.join(', ') || 'nothing'}); set ${lookup.envVar} to the folder`,
  );
}
