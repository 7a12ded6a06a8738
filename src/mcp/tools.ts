// The server's tools: search, get, save, use and fork, over the library. Input and output schemas
// are zod (the SDK turns them into JSON Schema and checks both ways); a tool's failure is a result
// with isError and a message that says what to do, so the agent can correct itself.
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { NotFoundError, ValidationError } from '../db/errors';
import { resourceTypes, type Resource } from '../db/schema';
import type { ResourceListItem } from '../db/queries';
import { userMessage } from '../library/errors';
import { parseSearchText } from '../library/searchText';
import type { Library } from '../library/library';
import { documentText } from '../library/text';
import { variableNames } from '../library/variables';
import { argumentValues, isPromptType, promptName, promptVariables, resourceIdOf } from './prompts';

const idInput = z.string().describe('The resource id (or its MCP prompt name, which ends in the id)');
const typeSchema = z.enum(resourceTypes);

const summarySchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  type: typeSchema,
  prompt: z.string().optional().describe('Its name in prompts/list (prompts and workflows only)'),
  owned: z.boolean().describe('Whether it is in your library (false: another user made it public)'),
  isPublic: z.boolean(),
  pinned: z.boolean(),
  executionCount: z.number().int(),
  forkCount: z.number().int(),
  updatedAt: z.string().describe('ISO 8601, UTC'),
  tags: z.array(z.string()).optional().describe('Its tags (of your own resources)'),
});
type Summary = z.infer<typeof summarySchema>;

const variableSchema = z.object({ name: z.string(), default: z.string().optional() });

const detailSchema = summarySchema.extend({
  content: z.record(z.string(), z.unknown()).describe('As stored: { text } for a prompt, { steps: [{ name?, text }] } for a workflow'),
  text: z.string().describe('The text as a document shows it (a workflow or agent config as JSON)'),
  variables: z.array(variableSchema).describe('The arguments use_resource and prompts/get fill'),
  parentResourceId: z.string().nullable().describe('What it was forked from'),
  createdAt: z.string(),
  lastExecutedAt: z.string().nullable(),
});

export interface ToolContext {
  library: Library;
  /** The acting user: tells which resources are their own. */
  userId: string;
  log(line: string): void;
}

export interface ToolDefinition<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  run(args: z.output<I>, context: ToolContext): Promise<z.output<O>>;
}

const readOnly: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
const adds: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };

function summary(resource: ResourceListItem | Resource, userId: string): Summary {
  const out: Summary = {
    id: resource.id,
    name: resource.name,
    description: resource.description,
    type: resource.resourceType,
    owned: resource.userId === userId,
    isPublic: resource.isPublic,
    pinned: resource.pinned,
    executionCount: resource.executionCount,
    forkCount: resource.forkCount,
    updatedAt: resource.updatedAt.toISOString(),
  };
  if (isPromptType(resource.resourceType)) out.prompt = promptName(resource);
  if ('tags' in resource && out.owned) out.tags = resource.tags;
  return out;
}

/** The resource the id (or prompt name) names, if this user may read it; else the one message for "missing or not yours". */
async function readable(library: Library, idOrName: string): Promise<Resource> {
  const id = resourceIdOf(idOrName);
  const resource = id ? await library.get(id) : null;
  if (!resource) throw new NotFoundError('resource');
  return resource;
}

const searchResources = defineTool({
  name: 'search_resources',
  title: 'Search the library',
  description:
    'Finds saved prompts, workflows and agent configs whose name or description contains the query (case-insensitive), ' +
    'pinned first, then most recently updated. Pass nextCursor back as cursor for the next page.',
  input: z.strictObject({
    query: z
      .string()
      .optional()
      .describe('Text to find in names and descriptions (tag:name in it filters by a tag); omit to list everything'),
    type: typeSchema.optional().describe('Only this type'),
    tag: z.string().optional().describe('Only your resources with this tag'),
    scope: z.enum(['mine', 'public']).default('mine').describe("'mine': your library; 'public': what other users made public"),
    limit: z.number().int().min(1).max(100).default(20).describe('Results per page, 1 to 100'),
    cursor: z.string().optional().describe('nextCursor of the previous page'),
  }),
  output: z.object({ resources: z.array(summarySchema), nextCursor: z.string().optional() }),
  annotations: readOnly,
  async run({ query, type, tag, scope, limit, cursor }, { library, userId }) {
    // The words and tag:name as the tree's search box reads them.
    const parsed = parseSearchText(query ?? '');
    if (parsed.problem) throw new ArgumentProblem(parsed.problem);
    if (tag !== undefined && parsed.tag !== undefined && tag.toLowerCase() !== parsed.tag) {
      throw new ArgumentProblem(`Ask for one tag: \`tag\` is "${tag}" but the query says tag:${parsed.tag}.`);
    }
    const options = { search: parsed.search || undefined, type, tag: tag ?? parsed.tag, limit, cursor };
    const page = await library.list(scope, options).catch((err: unknown) => {
      if (err instanceof ValidationError && err.issues.some((i) => i.field === 'cursor')) {
        throw new ArgumentProblem(
          'This cursor is not one search_resources gave for this search: pass nextCursor of the previous page, or none.',
        );
      }
      throw err;
    });
    const resources = page.items.map((item) => summary(item, userId));
    return page.nextCursor ? { resources, nextCursor: page.nextCursor } : { resources };
  },
});

const getResource = defineTool({
  name: 'get_resource',
  title: 'Get a resource',
  description: 'A resource in full: its content, its text and its variables. Yours, or one another user made public.',
  input: z.strictObject({ id: idInput }),
  output: detailSchema,
  annotations: readOnly,
  async run({ id }, { library, userId }) {
    const resource = await readable(library, id);
    const tags = resource.userId === userId ? await library.resourceTags(resource.id) : undefined;
    return {
      ...summary(resource, userId),
      ...(tags ? { tags } : {}),
      content: resource.content as Record<string, unknown>,
      text: documentText(resource.resourceType, resource.content),
      variables: promptVariables(resource),
      parentResourceId: resource.parentResourceId,
      createdAt: resource.createdAt.toISOString(),
      lastExecutedAt: resource.lastExecutedAt?.toISOString() ?? null,
    };
  },
});

const saveResource = defineTool({
  name: 'save_resource',
  title: 'Save a prompt or workflow',
  description:
    'Saves a new prompt (text) or workflow (steps) in your library, private to you. ' +
    'Variables in the text: {{name}}, ${name}, or ${name:default}. It appears in prompts/list at once.',
  input: z.strictObject({
    name: z.string().describe('Its name: one line, at most 255 characters'),
    type: z.enum(['prompt', 'workflow']).default('prompt'),
    description: z.string().optional().describe('What it is for'),
    text: z.string().optional().describe('The prompt text (type prompt)'),
    steps: z
      .array(z.strictObject({ name: z.string().optional(), text: z.string() }))
      .optional()
      .describe('The steps, in order (type workflow)'),
  }),
  output: summarySchema,
  annotations: adds,
  async run({ name, type, description, text, steps }, { library, userId }) {
    if (type === 'prompt' && (text === undefined || steps !== undefined)) {
      throw new ArgumentProblem('A prompt takes `text` (and no `steps`): pass its text, or set type to "workflow" to save steps.');
    }
    if (type === 'workflow' && (steps === undefined || text !== undefined)) {
      throw new ArgumentProblem('A workflow takes `steps`, a list of { name?, text } (and no `text`): pass its steps.');
    }
    const content = type === 'prompt' ? { text: text!, variables: variableNames(text!) } : { steps: steps! };
    const saved = await library.save({ name, description: description ?? null, resourceType: type, content });
    return summary(saved, userId);
  },
});

const useResource = defineTool({
  name: 'use_resource',
  title: 'Use a resource',
  description:
    'The text of a prompt with its variables filled (a variable not given takes its default; without one it stays as written, ' +
    'and is listed in unfilled), a workflow step or all its steps; counts one use of a resource of yours.',
  input: z.strictObject({
    id: idInput,
    arguments: z.record(z.string(), z.string()).optional().describe('A value for each variable, by name'),
    step: z.number().int().min(0).optional().describe("A workflow's step, from 0; all steps when omitted"),
  }),
  output: z.object({
    id: z.string(),
    name: z.string(),
    type: typeSchema,
    text: z.string(),
    unfilled: z.array(z.string()).describe('Variables left as written: no value given and no default'),
    counted: z.boolean().describe('Whether the use was counted (only on your own resources)'),
  }),
  annotations: adds,
  async run({ id, arguments: given, step }, { library }) {
    const resource = await readable(library, id);
    const filled = argumentValues(promptVariables(resource), given, { requireAll: false });
    if ('problem' in filled) throw new ArgumentProblem(filled.problem);
    if (step !== undefined && resource.resourceType !== 'workflow') throw new ArgumentProblem('`step` is only for a workflow: omit it.');
    const text = library.render(resource, { variables: filled.values, step });
    if (text === undefined) throw new ArgumentProblem(`This workflow has no step ${step}: steps count from 0.`);
    const counted = await library.recordUse(resource);
    return { id: resource.id, name: resource.name, type: resource.resourceType, text, unfilled: filled.unfilled, counted };
  },
});

const forkResource = defineTool({
  name: 'fork_resource',
  title: 'Fork a resource',
  description: 'Copies a resource (yours, or one another user made public) into your library; the copy remembers where it came from.',
  input: z.strictObject({ id: idInput, name: z.string().optional().describe('The copy\'s name; default "<name> (fork)"') }),
  output: summarySchema,
  annotations: adds,
  async run({ id, name }, { library, userId }) {
    const source = await readable(library, id);
    return summary(await library.fork(source.id, { name }), userId);
  },
});

/** Arguments that parse but do not make sense together: said as it is. */
class ArgumentProblem extends Error {}

function defineTool<I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<I, O>): ToolDefinition<z.ZodObject, z.ZodObject> {
  return tool as unknown as ToolDefinition<z.ZodObject, z.ZodObject>;
}

export const tools = [searchResources, getResource, saveResource, useResource, forkResource];

/** Runs a tool: its structured result, or an isError result whose message says what to do (never a password). */
export async function runTool(
  tool: ToolDefinition<z.ZodObject, z.ZodObject>,
  args: Record<string, unknown>,
  context: ToolContext,
): Promise<CallToolResult> {
  try {
    const structuredContent = await tool.run(args, context);
    return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
  } catch (err) {
    return { content: [{ type: 'text', text: toolErrorMessage(err, context) }], isError: true };
  }
}

function toolErrorMessage(err: unknown, context: ToolContext): string {
  if (err instanceof ArgumentProblem) return err.message;
  if (err instanceof NotFoundError) {
    return 'No such resource: it may have been deleted, or it is private to someone else. search_resources lists what you can use.';
  }
  const message = userMessage(err);
  context.log(`A tool failed: ${message}`);
  return message;
}
