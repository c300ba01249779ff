// The TypeScript snippets of a README, as the release dry run checks them
// (scripts/release-dry-run.mjs; the convention is in DEVELOPERS.md, "README snippets").
//
// Every ```ts block is a snippet and is type-checked against the installed packages. A block
// whose fence is directly preceded by the line `<!-- snippet: run -->` is also run with Node in
// the scratch project (so it must be complete, quick and need no file of its own).

const MARKER = /^<!--\s*snippet:\s*([a-z-]+)\s*-->\s*$/;
const KINDS = new Set(['run', 'typecheck']);

/**
 * The ```ts blocks of `text`: `{ line, code, run }` with the 1-based line of the opening fence.
 * Throws on an unknown marker or an unclosed fence (a README mistake, named by line).
 */
export function readmeSnippets(text, file = 'README.md') {
  const lines = text.split('\n');
  const snippets = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*$/.exec(lines[i]);
    if (fence == null) continue;
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: code block is never closed`);
    const marker = i > 0 ? MARKER.exec(lines[i - 1]) : null;
    if (marker && !KINDS.has(marker[1])) {
      throw new Error(`${file}:${i}: unknown snippet marker '${marker[1]}'; use <!-- snippet: run --> or <!-- snippet: typecheck -->`);
    }
    if (fence[1] === 'ts' || fence[1] === 'typescript') {
      snippets.push({ line: i + 1, code: lines.slice(i + 1, end).join('\n') + '\n', run: marker?.[1] === 'run' });
    } else if (marker) {
      throw new Error(`${file}:${i}: a snippet marker must precede a \`\`\`ts block, not \`\`\`${fence[1]}`);
    }
    i = end;
  }
  return snippets;
}
