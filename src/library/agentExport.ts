import type { Resource } from '../db/schema';
import { readContent } from '../db/validation';
import { idKey, versionKey, type AgentFormat } from './agentImport';
import { readMarkdown, writeMarkdown, type FrontMatter } from './frontMatter';
import { parseVariables, rewriteVariables, type PromptVariable } from './variables';

// Resources as the files agents read (see agentImport.ts for each tool's documentation). Each file
// carries its resource's id and version in its front matter, so importing it again updates that
// resource instead of adding a copy. What a format cannot carry is said, never dropped silently.

export const exportFormats = ['vscode-prompt', 'claude-command', 'claude-skill', 'cursor-rule'] as const;
export type ExportFormat = (typeof exportFormats)[number];

type Exportable = Pick<Resource, 'id' | 'name' | 'description' | 'resourceType' | 'content' | 'updatedAt'>;

/** The keys each tool documents; others are kept only when the file goes back to the format it came from. */
const knownKeys: Record<ExportFormat, readonly string[]> = {
  'vscode-prompt': ['description', 'name', 'argument-hint', 'agent', 'mode', 'model', 'tools'],
  'claude-command': ['description', 'argument-hint', 'arguments', 'allowed-tools', 'model', 'disable-model-invocation'],
  'claude-skill': [
    'name',
    'description',
    'when_to_use',
    'argument-hint',
    'arguments',
    'disable-model-invocation',
    'user-invocable',
    'allowed-tools',
    'model',
    'effort',
    'context',
    'agent',
    'hooks',
    'paths',
    'shell',
    'license',
    'metadata',
  ],
  'cursor-rule': ['description', 'globs', 'alwaysApply'],
};

// VS Code fills these itself: they stay `${name}` and never become `${input:name}`.
const vsCodeBuiltIns = new Set([
  'workspaceFolder',
  'workspaceFolderBasename',
  'selection',
  'selectedText',
  'file',
  'fileBasename',
  'fileDirname',
  'fileBasenameNoExtension',
]);

/** The path of a resource's file in the export folder. */
export function exportPath(format: ExportFormat, slug: string): string {
  switch (format) {
    case 'vscode-prompt':
      return `${slug}.prompt.md`;
    case 'claude-command':
      return `${slug}.md`;
    case 'claude-skill':
      return `${slug}/SKILL.md`;
    case 'cursor-rule':
      return `${slug}.mdc`;
  }
}

/** The file's text and what it could not carry; or why the resource has no such file. */
export function renderAgentFile(
  resource: Exportable,
  format: ExportFormat,
  slug: string,
): { text: string; lost: string[] } | { skip: string } {
  const read = readContent(resource.resourceType, resource.content);
  if (!read.ok) return { skip: `its content cannot be read (${read.reason})` };
  if (read.type === 'agent_config') return { skip: 'an agent configuration is JSON settings, not a text a tool reads' };
  const lost: string[] = [];
  let text: string;
  let sourceFormat: unknown;
  let stored: FrontMatter = {};
  if (read.type === 'workflow') {
    const steps = read.content.steps;
    text = steps.map((s, i) => `## ${i + 1}. ${s.name ?? `Step ${i + 1}`}\n\n${s.text}`).join('\n\n');
    lost.push(`its ${steps.length} steps become one text with a heading each (Use can no longer give one step)`);
  } else {
    text = read.content.text;
    sourceFormat = read.content.format;
    const frontMatter = read.content.frontMatter;
    if (frontMatter && typeof frontMatter === 'object' && !Array.isArray(frontMatter)) stored = { ...(frontMatter as FrontMatter) };
  }
  const frontMatter = carriedFrontMatter(stored, sourceFormat, format, lost);
  const variables = parseVariables(text);
  let body = text;
  if (format === 'vscode-prompt') body = toVsCodeInputs(text, variables, lost);
  else if (format === 'claude-command' || format === 'claude-skill') body = toClaudeArguments(text, variables, frontMatter, lost);
  else if (variables.length) lost.push(`Cursor rules have no variables: ${variables.map((v) => v.name).join(', ')} stay as written`);
  if (format !== 'vscode-prompt' && slug !== resource.name) lost.push(`the name “${resource.name}” is only the file name “${slug}”`);
  const header: FrontMatter = {};
  if (format === 'vscode-prompt') header.name = resource.name;
  if (format === 'claude-skill') header.name = slug;
  if (resource.description) header.description = resource.description;
  else if (format === 'cursor-rule') header.description = '';
  Object.assign(header, frontMatter);
  if (format === 'cursor-rule') {
    header.globs ??= '';
    header.alwaysApply = header.alwaysApply === true || header.alwaysApply === 'true';
  }
  header[idKey] = resource.id;
  header[versionKey] = resource.updatedAt.toISOString();
  return { text: writeMarkdown(header, body), lost };
}

/** The stored front matter the target format can carry; the rest is reported. */
function carriedFrontMatter(stored: FrontMatter, sourceFormat: unknown, target: ExportFormat, lost: string[]): FrontMatter {
  const carried: FrontMatter = {};
  // VS Code's applyTo and Cursor's globs say the same thing.
  if (target === 'cursor-rule' && stored.applyTo !== undefined && stored.globs === undefined) {
    carried.globs = stored.applyTo;
    delete stored.applyTo;
  }
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(stored)) {
    if (key === 'name' || key === 'description') continue;
    if (sourceFormat === target || knownKeys[target].includes(key)) carried[key] = value;
    else dropped.push(key);
  }
  if (dropped.length)
    lost.push(`front matter ${dropped.join(', ')} (from ${String(sourceFormat ?? 'the library')}) is not part of this format`);
  return carried;
}

function toVsCodeInputs(text: string, variables: PromptVariable[], lost: string[]): string {
  if (variables.some((v) => v.default !== undefined))
    lost.push('defaults become VS Code placeholders (a hint in the input box, not a value)');
  return rewriteVariables(text, (o) => {
    if (vsCodeBuiltIns.has(o.name)) return `\${${o.name}}`;
    return o.default === undefined ? `\${input:${o.name}}` : `\${input:${o.name}:${o.default}}`;
  });
}

/** One variable: `$ARGUMENTS` with an `argument-hint` that names it; several: `arguments` and `$name`. */
function toClaudeArguments(text: string, all: PromptVariable[], frontMatter: FrontMatter, lost: string[]): string {
  // Claude Code fills ${CLAUDE_SKILL_DIR}, ${CLAUDE_SESSION_ID}... itself: they stay as written.
  const variables = all.filter((v) => !v.name.startsWith('CLAUDE_'));
  if (variables.length === 0) return text;
  const defaults = variables.filter((v) => v.default !== undefined);
  if (defaults.length) lost.push(`Claude Code arguments have no defaults: ${defaults.map((v) => `${v.name} (${v.default})`).join(', ')}`);
  if (variables.length === 1) {
    const [only] = variables;
    frontMatter['argument-hint'] ??= `[${only!.name}]`;
    return rewriteVariables(text, (o) => (o.name === only!.name ? '$ARGUMENTS' : undefined));
  }
  const names = new Map<string, string>();
  for (const v of variables) {
    let name = v.name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^(?=\d)/, '_') || 'arg';
    while ([...names.values()].includes(name) || name === 'ARGUMENTS') name = `${name}_`;
    if (name !== v.name) lost.push(`variable “${v.name}” is named $${name} (Claude Code names are letters, digits and _)`);
    names.set(v.name, name);
  }
  frontMatter.arguments = [...names.values()];
  frontMatter['argument-hint'] ??= [...names.values()].map((n) => `[${n}]`).join(' ');
  return rewriteVariables(text, (o) => (names.has(o.name) ? `$${names.get(o.name)}` : undefined));
}

/** A file name part for any name: lowercase letters, digits and dashes, never empty, never a device name. */
export function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  if (!slug) return 'resource';
  return /^(con|prn|aux|nul|com\d|lpt\d)$/.test(slug) ? `${slug}-file` : slug;
}

/** The id of the resource a file was exported from, if it says. */
export function exportedId(text: string): string | undefined {
  try {
    const id = readMarkdown(text).frontMatter[idKey];
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

export type { AgentFormat };

/** One file to write: its path in the folder, its text, its resource, what it could not carry. */
export interface ExportedFile {
  path: string;
  text: string;
  resourceId: string;
  name: string;
  lost: string[];
}

export interface ExportPlan {
  files: ExportedFile[];
  skipped: { resourceId: string; name: string; reason: string }[];
}

/**
 * The files for these resources in a folder that already holds `existing` (paths relative to it).
 * A file exported before from the same resource is written again in its place; any other file is
 * never overwritten: the name takes a number instead (`review-2.prompt.md`).
 */
export function planExport(
  resources: readonly Exportable[],
  format: ExportFormat,
  existing: readonly { path: string; text: string }[],
): ExportPlan {
  const owner = new Map<string, string | undefined>(existing.map((f) => [f.path, exportedId(f.text)]));
  const placed = new Map<string, string>();
  for (const [path, id] of owner) if (id && !placed.has(id)) placed.set(id, path);
  const taken = new Set<string>();
  const plan: ExportPlan = { files: [], skipped: [] };
  for (const resource of resources) {
    let path = placed.get(resource.id);
    if (!path || taken.has(path)) {
      const base = slugOf(resource.name);
      for (let n = 1; ; n++) {
        path = exportPath(format, n === 1 ? base : `${base}-${n}`);
        if (!taken.has(path) && (!owner.has(path) || owner.get(path) === resource.id)) break;
      }
    }
    const slug = format === 'claude-skill' ? path.slice(0, path.indexOf('/')) : path.slice(0, path.indexOf('.'));
    const rendered = renderAgentFile(resource, format, slug);
    if ('skip' in rendered) {
      plan.skipped.push({ resourceId: resource.id, name: resource.name, reason: rendered.skip });
      continue;
    }
    taken.add(path);
    plan.files.push({ path, text: rendered.text, resourceId: resource.id, name: resource.name, lost: rendered.lost });
  }
  return plan;
}
