// The seams the architecture promises (docs/architecture.md §3), checked on the sources:
// - no code outside a method's own package branches on that method's name: the contract carries
//   everything method-specific;
// - the example plugins are named only inside examples/: odl knows them through their plugin;
// - code comments cite the project's own docs, not notes outside the repository.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', 'dist', '.turbo', 'api', 'odl-output', 'bench-results', 'pretrained', 'data']);

function files(dir: string, exts: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p, exts));
    else if (exts.test(name)) out.push(p);
  }
  return out;
}

/** `file:line: text` of every line matching `pattern`. */
function grep(paths: string[], pattern: RegExp): string[] {
  const hits: string[] = [];
  for (const p of paths) {
    readFileSync(p, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (pattern.test(line)) hits.push(`${relative(root, p)}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

// Each built-in compression method, with the package that owns it ('vanilla', the reference
// every method is compared with, may be named as such).
const OWNERS: Record<string, string> = {
  asi: 'packages/shortcut',
  wasi: 'packages/shortcut',
  hosvd: 'packages/lowrank',
  svd: 'packages/lowrank',
  'gradient-filter': 'packages/lowrank',
  lora: 'packages/lowrank',
};
const CODE = /\.(ts|tsx|mjs|js)$/;

describe('seams', () => {
  for (const [method, owner] of Object.entries(OWNERS)) {
    it(`no source outside ${owner} branches on '${method}'`, () => {
      const sources = ['packages', 'apps'].flatMap((d) => files(join(root, d), CODE)).filter((p) => !p.startsWith(join(root, owner)) && !/\/(test|bench)\//.test(p));
      const q = `['"]${method}['"]`;
      const branch = new RegExp(`(===|!==|==|!=)\\s*${q}|${q}\\s*(===|!==|==|!=)|case\\s+${q}`);
      // 'gram' | 'svd' is the vocabulary of spectrum paths (how singular vectors are found), not the method
      expect(grep(sources, branch).filter((hit) => !hit.includes("'gram'"))).toEqual([]);
    });
  }

  it('the example plugins are named only inside examples/', () => {
    // layers-model is not a plugin: it is the example of @odl/layers (whose LayersModel it names).
    const names = readdirSync(join(root, 'examples')).filter((n) => statSync(join(root, 'examples', n)).isDirectory() && !['shared', 'guide', 'node_modules', 'layers-model'].includes(n));
    expect(names.length).toBeGreaterThanOrEqual(2);
    const outside = ['packages', 'apps', 'docs', 'test', 'scripts'].flatMap((d) => files(join(root, d), /\.(ts|tsx|mjs|js|md|html|json)$/));
    outside.push(...['README.md', 'DEVELOPERS.md', 'vitest.config.ts', 'eslint.config.js'].map((f) => join(root, f)));
    const self = fileURLToPath(import.meta.url);
    expect(grep(outside.filter((p) => p !== self), new RegExp(names.map((n) => n.replace(/[-]/g, '[-_ ]?')).join('|'), 'i'))).toEqual([]);
  });

  it('comments cite the project\'s own docs, not DESIGN §n', () => {
    const sources = ['packages', 'apps', 'examples', 'docs'].flatMap((d) => files(join(root, d), /\.(ts|mjs|js|md)$/));
    expect(grep(sources, /DESIGN(\.md)? ?§/)).toEqual([]);
  });
});
