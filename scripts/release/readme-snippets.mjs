// The TypeScript snippets of a README, as the release dry run checks them
// (scripts/release-dry-run.mjs; the convention is in DEVELOPERS.md, "Release dry run").
//
// Every ```ts block is a snippet: it is type-checked against the installed packages. A block
// opened with ```ts run is also run with Node in the scratch project, so it must be complete,
// quick and need no file of its own. (Like docs/guides/writing-a-compressor.md's ```ts guide.)

const KINDS = new Set(['', 'run']);

/**
 * The ```ts blocks of `text`: `{ line, code, run }` with the 1-based line of the opening fence.
 * Throws on an unknown word after ```ts or an unclosed fence (a README mistake, named by line).
 */
export function readmeSnippets(text, file = 'README.md') {
  const lines = text.split('\n');
  const snippets = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)(?:[ \t]+(.*?))?\s*$/.exec(lines[i]);
    if (fence == null) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: code block is never closed`);
    if (fence[1] === 'ts') {
      const kind = fence[2] ?? '';
      if (!KINDS.has(kind)) throw new Error(`${file}:${i + 1}: unknown snippet kind '${kind}'; use \`\`\`ts (type-checked) or \`\`\`ts run (type-checked and run)`);
      snippets.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') + '\n', run: kind === 'run' });
    }
    i = end;
  }
  return snippets;
}
