import type { ImportEntry } from '../db/transfer';
import { readMarkdown, type FrontMatter } from './frontMatter';

// The files agents read in a repository, as prompts to import. Each tool's documented format:
// - VS Code prompt files (`*.prompt.md`): https://code.visualstudio.com/docs/copilot/customization/prompt-files
// - VS Code instructions (`*.instructions.md`) and AGENTS.md: https://code.visualstudio.com/docs/copilot/customization/custom-instructions
// - Claude Code commands (`.claude/commands/*.md`) and skills (`.claude/skills/<name>/SKILL.md`): https://code.claude.com/docs/en/skills
// - Cursor rules (`.cursor/rules/*.mdc`): https://cursor.com/docs/context/rules
// The front matter is kept in the content (`frontMatter`), with the format it came in (`format`).

export const agentFormats = ['vscode-prompt', 'vscode-instructions', 'claude-command', 'claude-skill', 'cursor-rule', 'agents-md'] as const;
export type AgentFormat = (typeof agentFormats)[number];

/** Front matter keys that say which resource (and which version of it) a file was exported from. */
export const idKey = 'agent-resources-id';
export const versionKey = 'agent-resources-version';

/**
 * The agent format a path names, if any: by its extension, or its name and folder. A plain `.md`
 * is a Claude Code command in a `commands` folder, or anywhere when it says it was exported from
 * this library (given its text).
 */
export function agentFormatOf(path: string, text?: string): AgentFormat | undefined {
  const parts = path.split(/[\\/]/);
  const name = parts.at(-1)!;
  const lower = name.toLowerCase();
  if (lower.endsWith('.prompt.md')) return 'vscode-prompt';
  if (lower.endsWith('.instructions.md')) return 'vscode-instructions';
  if (name === 'SKILL.md') return 'claude-skill';
  if (lower.endsWith('.mdc')) return 'cursor-rule';
  // Upper case, as the convention writes it: an exported command may well be called agents.md.
  if (name === 'AGENTS.md') return 'agents-md';
  if (!lower.endsWith('.md')) return undefined;
  if (parts.slice(0, -1).includes('commands')) return 'claude-command';
  if (text !== undefined && new RegExp(`^${idKey}:`, 'm').test(text.slice(0, 4096)) && text.replace(/^\uFEFF/, '').startsWith('---'))
    return 'claude-command';
  return undefined;
}

/** An imported agent file: the entry, and the resource it was exported from (when it says so). */
export interface AgentFileEntry extends ImportEntry {
  /** The file's resource and version, as its front matter says, and the file's text. */
  exportedFrom?: { id: string; version?: string; text?: string };
}

/** One agent file as an entry to import; a file that cannot be read is an entry with its problem. */
export function agentFileEntry(path: string, text: string, format: AgentFormat): AgentFileEntry {
  const fallbackName = nameFromPath(path, format);
  let frontMatter: FrontMatter;
  let body: string;
  try {
    ({ frontMatter, body } = readMarkdown(text));
  } catch (err) {
    return { name: fallbackName, resourceType: 'prompt', content: null, source: path, problem: (err as Error).message };
  }
  const kept: FrontMatter = { ...frontMatter };
  const id = take(kept, idKey);
  const version = take(kept, versionKey);
  const namedInFile =
    format === 'vscode-prompt' || format === 'vscode-instructions' || format === 'claude-skill' ? take(kept, 'name') : undefined;
  const description = typeof kept.description === 'string' ? take(kept, 'description') : undefined;
  let textOut = body;
  if (format === 'vscode-prompt' || format === 'vscode-instructions') textOut = fromVsCodeInputs(body);
  if (format === 'claude-command' || format === 'claude-skill') textOut = fromClaudeArguments(body, kept);
  const content: Record<string, unknown> = { text: textOut, format };
  if (Object.keys(kept).length) content.frontMatter = kept;
  const entry: AgentFileEntry = {
    name: typeof namedInFile === 'string' && namedInFile.trim() ? namedInFile : fallbackName,
    description: description ?? null,
    resourceType: 'prompt',
    content,
    source: path,
  };
  if (typeof id === 'string') entry.exportedFrom = typeof version === 'string' ? { id, version } : { id };
  return entry;
}

/** `${input:x}` and `${input:x:placeholder}` (VS Code's input variables) as `${x}` and `${x:placeholder}`. */
function fromVsCodeInputs(body: string): string {
  return body.replace(/\$\{input:([^:}\n]+)(?::([^}\n]*))?\}/g, (_all, name: string, hint?: string) =>
    hint === undefined ? `\${${name.trim()}}` : `\${${name.trim()}:${hint}}`,
  );
}

/**
 * Claude Code's `$name` (named in the `arguments` front matter) and `$ARGUMENTS` as `${name}`; a
 * single `argument-hint` such as `[topic]` names `$ARGUMENTS`. `arguments` is taken out of the
 * front matter: the exporter writes it again from the variables.
 */
function fromClaudeArguments(body: string, frontMatter: FrontMatter): string {
  const declared = take(frontMatter, 'arguments');
  const names = (Array.isArray(declared) ? declared.map(String) : typeof declared === 'string' ? declared.split(/\s+/) : [])
    .filter((n) => /^[A-Za-z_]\w*$/.test(n))
    .sort((a, b) => b.length - a.length);
  let text = body;
  for (const name of names) text = text.replace(new RegExp(`\\$${name}(?![\\w[])`, 'g'), `\${${name}}`);
  const hint =
    typeof frontMatter['argument-hint'] === 'string' ? /^\s*[[<]([A-Za-z_][\w.-]{0,63})[\]>]\s*$/.exec(frontMatter['argument-hint']) : null;
  return text.replace(/\$ARGUMENTS(?![\w[])/g, `\${${hint?.[1] ?? 'arguments'}}`);
}

function nameFromPath(path: string, format: AgentFormat): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  const file = parts.at(-1) ?? path;
  const folder = parts.at(-2);
  switch (format) {
    case 'claude-skill':
      return folder ?? 'skill';
    case 'agents-md':
      return folder ? `AGENTS (${folder})` : 'AGENTS';
    case 'vscode-prompt':
      return file.replace(/\.prompt\.md$/i, '');
    case 'vscode-instructions':
      return file.replace(/\.instructions\.md$/i, '');
    case 'cursor-rule':
      return file.replace(/\.mdc$/i, '');
    case 'claude-command':
      return file.replace(/\.md$/i, '');
  }
}

function take(object: FrontMatter, key: string): unknown {
  const value = object[key];
  delete object[key];
  return value;
}
