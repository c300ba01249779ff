/** A ```ts block of a README: the 1-based line of its fence, its code, and whether it runs (```ts run). */
export interface ReadmeSnippet {
  line: number;
  code: string;
  run: boolean;
}

/** The ```ts blocks of a README's text; throws on an unknown kind or an unclosed block. */
export function readmeSnippets(text: string, file?: string): ReadmeSnippet[];
