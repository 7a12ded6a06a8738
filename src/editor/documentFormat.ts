import type { ResourceType } from '../db/schema';
import { visibleName } from '../db/rules';
import { variableNames } from '../library/variables';

// How an editor document becomes a resource's content, and its file name. Pure: no VS Code.
// The text of a resource itself is the library's (library/text).

const extensions: Record<string, string> = {
  markdown: 'md',
  plaintext: 'txt',
  python: 'py',
  javascript: 'js',
  typescript: 'ts',
  json: 'json',
  jsonc: 'jsonc',
  yaml: 'yaml',
  shellscript: 'sh',
  html: 'html',
  css: 'css',
  go: 'go',
  rust: 'rs',
  java: 'java',
  csharp: 'cs',
  cpp: 'cpp',
  c: 'c',
  ruby: 'rb',
  php: 'php',
  sql: 'sql',
  xml: 'xml',
  toml: 'toml',
};

/** A resource name as a file name for the tab: no path separators, and invisible or control characters shown as ⟨U+XXXX⟩. */
export function safeFileName(name: string): string {
  return (
    visibleName(name)
      .replace(/[/\\?#%*:|"<>]/g, '_')
      .slice(0, 120) || 'resource'
  );
}

/** The file extension that gives the document its language. */
export function documentExtension(type: string, content: unknown): string {
  if (type !== 'prompt') return 'json';
  const language = (content as { language?: unknown } | null)?.language;
  return (typeof language === 'string' && extensions[language]) || 'md';
}

export class DocumentSyntaxError extends Error {
  override readonly name = 'DocumentSyntaxError';
  constructor(
    readonly line: number,
    readonly column: number,
    detail: string,
  ) {
    super(`Invalid JSON at line ${line}, column ${column}: ${detail}. Fix it and save again; your text is kept.`);
  }
}

/** The content to store for a saved document; a prompt keeps its other fields (language, variables). */
export function contentFromDocument(type: ResourceType, text: string, previous: unknown): unknown {
  if (type === 'prompt') {
    const base = previous && typeof previous === 'object' && !Array.isArray(previous) ? previous : {};
    return { ...base, text, variables: variableNames(text) };
  }
  return parseJson(text);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = Number(/at position (\d+)/.exec(message)?.[1] ?? text.length);
    const before = text.slice(0, position).split('\n');
    const detail = message.replace(/\s*in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new DocumentSyntaxError(before.length, (before[before.length - 1]?.length ?? 0) + 1, detail);
  }
}
