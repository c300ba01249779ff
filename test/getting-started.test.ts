// The getting-started pages (docs/guides/getting-started-*.md) are meant to be copied: every ```ts
// block type-checks against the packages' sources as a module of its own (browser blocks with the
// DOM types), and the profiler example of the Node page prints exactly what the page says it
// prints. The training examples are not run here (minutes each); the pages say what they print.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const guides = join(root, 'docs/guides');
const pages = readdirSync(guides).filter((f) => /^getting-started-.*\.md$/.test(f)).sort();

/** The ```ts blocks of a page, in order. */
function tsBlocks(page: string): string[] {
  const text = readFileSync(join(guides, page), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

describe('the getting-started pages (docs/guides/getting-started-*.md)', () => {
  // Inside the repository (under node_modules/.cache), so that packages such as tfjs' backends
  // resolve from the root's node_modules as they would in a user's project.
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'odl-getting-started-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are the command line, Node, browser and plugin pages, each listed in typedoc.json (which sets their order)', () => {
    expect(pages).toEqual(['getting-started-browser.md', 'getting-started-cli.md', 'getting-started-node.md', 'getting-started-plugin.md']);
    // Every other docs/guides/*.md is picked up by a glob; these are listed one by one, in reading order.
    const documents = (JSON.parse(readFileSync(join(root, 'typedoc.json'), 'utf8')) as { projectDocuments: string[] }).projectDocuments;
    expect(pages.filter((page) => !documents.includes(`docs/guides/${page}`))).toEqual([]);
    expect(tsBlocks('getting-started-node.md').length).toBe(4);
    expect(tsBlocks('getting-started-browser.md').length).toBe(3);
  });

  it('every ts block type-checks against the packages, as its own module', { timeout: 180_000 }, () => {
    const files = pages.flatMap((page) =>
      tsBlocks(page).map((code, i) => {
        const file = join(dir, `${page.replace(/\.md$/, '')}-${i + 1}.ts`);
        writeFileSync(file, `${code}\nexport {};\n`);
        return file;
      }),
    );
    const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } })!;
    const program = ts.createProgram(files, { ...config.options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file == null || files.includes(d.file.fileName));
    const text = diagnostics.map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(text).toEqual([]);
  });

  it("the Node page's profiler example prints what the page says", async () => {
    const page = readFileSync(join(guides, 'getting-started-node.md'), 'utf8');
    const said = /This prints ((?:`[^`]+`[,\s]*)+):/.exec(page);
    expect(said, 'the page says "This prints `…`, `…`:"').not.toBeNull();
    const expected = [...said![1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const code = tsBlocks('getting-started-node.md').find((b) => b.includes('profileModel('));
    const file = join(dir, 'profiler-example.ts');
    writeFileSync(file, `${code}\nexport {};\n`);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(pathToFileURL(file).href);
      expect(log.mock.calls.map((args) => args.join(' '))).toEqual(expected);
    } finally {
      log.mockRestore();
    }
  });
});
