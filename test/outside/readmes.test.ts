// The published packages' READMEs as the npm registry shows them: an `npm install` line, links
// to the repository's docs that work off GitHub (absolute, to files that exist), and snippets the
// release dry run can extract (scripts/release-dry-run.mjs type-checks and runs them).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readmeSnippets } from '../../scripts/release/readme-snippets.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REPO = 'https://github.com/odl-toolkit/odl/blob/main/';
const PUBLISHED = ['packages/backend', 'packages/core', 'packages/datasets', 'packages/lowrank', 'packages/shortcut', 'packages/profiler', 'packages/models', 'apps/cli'];

describe.each(PUBLISHED)('%s/README.md', (dir) => {
  const text = readFileSync(join(root, dir, 'README.md'), 'utf8');
  const name = (JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string }).name;

  it('shows how to install it with npm', () => {
    expect(text).toMatch(new RegExp(`^npm install (-g )?(\\S+ )*${name.replace('/', '\\/')}( |$)`, 'm'));
  });

  it('links to the repository with absolute URLs to files that exist', () => {
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    for (const link of links) {
      if (link.startsWith('#') || /^https?:\/\//.test(link) && !link.startsWith(REPO)) continue;
      expect(link.startsWith(REPO), `relative link ${link} breaks on the npm registry; use ${REPO}…`).toBe(true);
      const path = link.slice(REPO.length).split('#')[0];
      expect(existsSync(join(root, path)), `${link} points to a missing file`).toBe(true);
    }
  });

  it('has TypeScript snippets that are modules (they import what they use)', () => {
    const snippets = readmeSnippets(text, `${dir}/README.md`);
    if (dir === 'apps/cli') return; // the CLI's README shows commands, not code
    expect(snippets.length).toBeGreaterThan(0);
    expect(snippets.some((s) => s.run), 'no ```ts run snippet').toBe(true);
    for (const s of snippets) expect(s.code, `snippet at line ${s.line}`).toMatch(/^(import|export) /m);
  });
});

describe('readmeSnippets', () => {
  it('reads ```ts and ```ts run blocks and skips the others', () => {
    const md = ['# x', '```sh', 'npm i', '```', '```ts', 'import a from "a";', '```', 'text', '```ts run', 'import b from "b";', 'b();', '```'].join('\n');
    expect(readmeSnippets(md)).toEqual([
      { line: 5, code: 'import a from "a";\n', run: false },
      { line: 9, code: 'import b from "b";\nb();\n', run: true },
    ]);
  });

  it('refuses an unknown kind and an unclosed block, naming the line', () => {
    expect(() => readmeSnippets('```ts runn\nx\n```', 'R.md')).toThrow(/R\.md:1: unknown snippet kind 'runn'/);
    expect(() => readmeSnippets('a\n```ts\nx', 'R.md')).toThrow(/R\.md:2: code block is never closed/);
  });
});
