import type { ResourceType } from '../db/schema';
import { readContent } from '../db/validation';

// How a resource's content becomes an editor document and back. Pure: no VS Code.

const extensions: Record<string, string> = {
  markdown: 'md', plaintext: 'txt', python: 'py', javascript: 'js', typescript: 'ts', json: 'json', jsonc: 'jsonc',
  yaml: 'yaml', shellscript: 'sh', html: 'html', css: 'css', go: 'go', rust: 'rs', java: 'java', csharp: 'cs',
  cpp: 'cpp', c: 'c', ruby: 'rb', php: 'php', sql: 'sql', xml: 'xml', toml: 'toml',
};

/** The document's text: a prompt as its text, workflows and agent configs as formatted JSON. */
export function documentText(type: string, content: unknown): string {
  if (type === 'prompt') {
    const read = readContent(type, content);
    if (read.ok) return (read.content as { text: string }).text;
  }
  return `${JSON.stringify(content, null, 2)}\n`;
}

/** A resource name as a file name for the tab: no path separators or control characters. */
export function safeFileName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return name.replace(/[/\\?#%*:|"<>\u0000-\u001f]/g, '_').slice(0, 120) || 'resource';
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
    return { ...base, text, variables: promptVariables(text) };
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

/** `{{name}}` placeholders of a prompt, in order of first appearance. */
export function promptVariables(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/\{\{\s*([A-Za-z_][\w.-]{0,63})\s*\}\}/g)) {
    if (!names.includes(match[1]!)) names.push(match[1]!);
  }
  return names;
}

export function fillVariables(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{\s*([A-Za-z_][\w.-]{0,63})\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}
