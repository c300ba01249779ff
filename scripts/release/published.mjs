// The workspace's published packages, found, not listed: every folder under packages/ and apps/
// whose package.json is not private. The release dry run packs these and test/require-esm.test.ts
// loads their entries, so a new package is covered the day it is added.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @param {string} root the repository root
 * @returns {{ dir: string, name: string, manifest: Record<string, any> }[]} folder relative to the root, package name, package.json
 */
export function publishedPackages(root) {
  const found = [];
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const file = join(root, group, entry.name, 'package.json');
      if (!entry.isDirectory() || !existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (manifest.private === true) continue;
      found.push({ dir: `${group}/${entry.name}`, name: manifest.name, manifest });
    }
  }
  return found.sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * The import specifiers a published library offers: its name and each subpath of its exports map
 * (`./package.json`, wildcard asset folders and packages without an exports map, such as a CLI,
 * left out).
 * @param {{ name: string, manifest: Record<string, any> }} pkg
 * @returns {string[]}
 */
export function entrySpecifiers(pkg) {
  const exportsMap = pkg.manifest.exports;
  if (exportsMap == null || typeof exportsMap !== 'object') return [];
  return Object.keys(exportsMap)
    .filter((key) => key !== './package.json' && !key.includes('*')) // wildcards are asset folders
    .map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
}
