// Resources as MCP prompts: a prompt resource is one prompt, a workflow one prompt whose messages
// are its steps (agent configs are settings, not prompts). The prompt's arguments are its variables.
import type { GetPromptResult, Prompt, PromptMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Resource } from '../db/schema';
import { slugOf } from '../library/agentExport';
import type { Library } from '../library/library';
import { usableOf } from '../library/text';
import { parseVariables, type PromptVariable } from '../library/variables';

/** How many prompts one page of prompts/list holds. */
export const promptPageSize = 100;

const uuidAtEnd = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export const isPromptType = (type: string): boolean => type === 'prompt' || type === 'workflow';

/**
 * A prompt's name: a slug of the resource's name for people to type and read (in Claude Code it is
 * the slash command), then its id, which makes it unique and keeps resolving after a rename.
 */
export function promptName(resource: Pick<Resource, 'id' | 'name'>): string {
  return `${slugOf(resource.name)}-${resource.id}`;
}

/** The resource id in a prompt name (or a bare id); undefined when there is none. */
export function resourceIdOf(nameOrId: string): string | undefined {
  return uuidAtEnd.exec(nameOrId.trim())?.[1]?.toLowerCase();
}

/** Each variable once, in order of first appearance over the text (or every step), with the first default written for it. */
export function promptVariables(resource: Pick<Resource, 'resourceType' | 'content'>): PromptVariable[] {
  const usable = usableOf(resource);
  if (usable.kind === 'prompt') return usable.variables;
  if (usable.kind === 'text') return [];
  const byName = new Map<string, PromptVariable>();
  for (const step of usable.steps) {
    for (const variable of parseVariables(step.text)) {
      const known = byName.get(variable.name);
      if (!known) byName.set(variable.name, { ...variable });
      else if (known.default === undefined && variable.default !== undefined) known.default = variable.default;
    }
  }
  return [...byName.values()];
}

export function toPrompt(resource: Resource): Prompt {
  const prompt: Prompt = { name: promptName(resource), title: resource.name };
  if (resource.description) prompt.description = resource.description;
  const variables = promptVariables(resource);
  if (variables.length) {
    prompt.arguments = variables.map((v) =>
      v.default === undefined
        ? { name: v.name, required: true }
        : { name: v.name, description: `Optional; default: ${v.default}`, required: false },
    );
  }
  return prompt;
}

/**
 * The value of every variable: the one given, else its default. What is wrong with the arguments
 * (a name the resource has no variable for, a variable with no value and no default), if anything;
 * `requireAll: false` leaves such a variable as written instead.
 */
export function argumentValues(
  variables: readonly PromptVariable[],
  given: Readonly<Record<string, string>> = {},
  { requireAll }: { requireAll: boolean },
): { values: Record<string, string>; unfilled: string[] } | { problem: string } {
  const known = new Set(variables.map((v) => v.name));
  const unknown = Object.keys(given).filter((name) => !known.has(name));
  if (unknown.length) {
    const expected = known.size ? `Its arguments are: ${[...known].join(', ')}.` : 'It takes no arguments.';
    return { problem: `Unknown argument${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}. ${expected}` };
  }
  const values: Record<string, string> = {};
  const unfilled: string[] = [];
  for (const { name, default: fallback } of variables) {
    // A client's form sends an empty field for an argument left blank: the default fills it.
    const value = Object.hasOwn(given, name) && given[name] !== '' ? given[name] : fallback;
    if (value === undefined) unfilled.push(name);
    else values[name] = value;
  }
  if (requireAll && unfilled.length) {
    return { problem: `Missing required argument${unfilled.length > 1 ? 's' : ''}: ${unfilled.join(', ')}. Give a value for each.` };
  }
  return { values, unfilled };
}

/** The messages of a prompt: its text, or one user message per step of a workflow, variables filled. */
export function promptMessages(library: Library, resource: Resource, values: Readonly<Record<string, string>>): PromptMessage[] {
  const usable = usableOf(resource);
  const texts =
    usable.kind === 'workflow'
      ? usable.steps.map((_, step) => library.render(resource, { variables: values, step }) ?? '')
      : [library.render(resource, { variables: values }) ?? ''];
  return texts.map((text) => ({ role: 'user', content: { type: 'text', text } }));
}

export function promptResult(library: Library, resource: Resource, values: Readonly<Record<string, string>>): GetPromptResult {
  const result: GetPromptResult = { messages: promptMessages(library, resource, values) };
  if (resource.description) result.description = resource.description;
  return result;
}

/**
 * One page of the user's prompts and workflows, in the library's order (pinned first, then most
 * recently updated), through the library's keyset-paged list; its cursor is the list's own.
 */
export async function promptPage(library: Library, cursor: string | undefined): Promise<{ prompts: Prompt[]; nextCursor?: string }> {
  let next = cursor;
  // Agent configs are not prompts: a page of only those is skipped, so no page comes back empty but the last.
  for (let pages = 0; pages < 20; pages++) {
    const page = await library.list('mine', { limit: promptPageSize, cursor: next });
    next = page.nextCursor;
    const ids = page.items.filter((item) => isPromptType(item.resourceType)).map((item) => item.id);
    if (ids.length === 0 && next) continue;
    // The list leaves the content out; one more query brings it for the page's arguments.
    const byId = new Map((await library.getOwn(ids)).map((r) => [r.id, r]));
    const prompts = ids.flatMap((id) => {
      const resource = byId.get(id);
      return resource ? [toPrompt(resource)] : [];
    });
    return next ? { prompts, nextCursor: next } : { prompts };
  }
  return next ? { prompts: [], nextCursor: next } : { prompts: [] };
}
