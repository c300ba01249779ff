// The pending changesets (.changeset/*.md) must be releasable: `changeset version` refuses a
// changeset that names an unknown package, or one that mixes ignored packages (the web demo, the
// examples, the test utilities: never published) with published ones.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const changesetDir = join(root, '.changeset');
const config = JSON.parse(readFileSync(join(changesetDir, 'config.json'), 'utf8')) as { ignore?: string[] };
const ignored = new Set(config.ignore ?? []);

/** Every workspace package's name (packages/*, apps/*, examples). */
function workspacePackages(): Set<string> {
  const names = new Set<string>();
  for (const parent of ['packages', 'apps']) {
    for (const dir of readdirSync(join(root, parent))) {
      try {
        names.add((JSON.parse(readFileSync(join(root, parent, dir, 'package.json'), 'utf8')) as { name: string }).name);
      } catch {
        // not a package folder
      }
    }
  }
  names.add((JSON.parse(readFileSync(join(root, 'examples', 'package.json'), 'utf8')) as { name: string }).name);
  return names;
}

/** The packages a changeset bumps, from its front matter. */
function bumped(text: string): string[] {
  const front = /^---\n([\s\S]*?)\n---/.exec(text);
  if (!front) return [];
  return [...front[1].matchAll(/^"([^"]+)":\s*(major|minor|patch)\s*$/gm)].map((m) => m[1]);
}

describe('pending changesets', () => {
  const known = workspacePackages();
  const changesets = readdirSync(changesetDir).filter((f) => f.endsWith('.md') && f !== 'README.md');
  it.each(changesets)('%s names known packages and does not mix ignored with published ones', (file) => {
    const names = bumped(readFileSync(join(changesetDir, file), 'utf8'));
    expect(names.length, 'front matter lists no package').toBeGreaterThan(0);
    for (const n of names) expect(known.has(n), `unknown package ${n}`).toBe(true);
    const ignoredHere = names.filter((n) => ignored.has(n));
    if (ignoredHere.length > 0) expect(ignoredHere, 'mixes ignored and published packages').toEqual(names);
  });
});
