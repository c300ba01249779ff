import { readFileSync } from 'node:fs';

/**
 * The version of @odl/cli, read from its package.json (one folder above this module both in the
 * sources, `src/`, and in the bundle, `dist/`).
 */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
