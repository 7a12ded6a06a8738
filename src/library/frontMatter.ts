import type * as Yaml from 'yaml';

// YAML front matter of the Markdown files agents read: `---`, YAML, `---`, then the body. The yaml
// package (YAML 1.2, no dependencies) reads and writes it: hand-written parsers get colons and
// quotes in values wrong, and those are common in descriptions.

export type FrontMatter = Record<string, unknown>;

let loaded: typeof Yaml | undefined;
/** Loaded on first use: evaluating the yaml package takes tens of milliseconds that activation should not pay. */
function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load; esbuild bundles it all the same
  return (loaded ??= require('yaml') as typeof Yaml);
}

export interface MarkdownFile {
  frontMatter: FrontMatter;
  body: string;
}

const opening = /^\uFEFF?---[ \t]*\r?\n/;

/**
 * Splits a file into its front matter (an object, {} when there is none) and its body. Line
 * breaks of the body are kept as written (CRLF stays CRLF). Front matter that is not a YAML
 * mapping is an Error that says so.
 */
export function readMarkdown(text: string): MarkdownFile {
  const start = opening.exec(text);
  if (!start) return { frontMatter: {}, body: text.replace(/^\uFEFF/, '') };
  const rest = text.slice(start[0].length);
  const closing = /^---[ \t]*(?:\r?\n|$)/m.exec(rest);
  if (!closing) throw new Error('its front matter opens with --- but never closes with a --- line');
  const source = rest.slice(0, closing.index);
  const body = rest.slice(closing.index + closing[0].length);
  if (source.trim() === '') return { frontMatter: {}, body };
  const document = yaml().parseDocument(source, { prettyErrors: false, uniqueKeys: false });
  if (document.errors.length) throw new Error(`its front matter is not valid YAML (${document.errors[0]!.message.split('\n')[0]})`);
  const value: unknown = document.toJSON();
  if (value === null || value === undefined) return { frontMatter: {}, body };
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error('its front matter is not a list of key: value pairs');
  return { frontMatter: jsonSafe(value) as FrontMatter, body };
}

/** The file's text: front matter (when there is any) and body. */
export function writeMarkdown(frontMatter: FrontMatter, body: string): string {
  const keys = Object.entries(frontMatter).filter(([, v]) => v !== undefined);
  if (keys.length === 0) return body;
  const header = yaml().stringify(Object.fromEntries(keys), { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
  return `---\n${header}---\n${body}`;
}

/** Dates and other YAML-only values as JSON: what a resource's content can hold. */
function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}
