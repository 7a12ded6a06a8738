import type { Resource } from '../db/schema';
import { lazy } from '../common/lazy';
import type { WorkflowStep } from '../db/validation';
import { parseVariables, type PromptVariable } from './variables';

// How a resource becomes text: for documents, for Use, for agents. Pure.

// zod loads with the first resource read, not with the extension.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see lazy()
const validation = lazy(() => require('../db/validation') as typeof import('../db/validation'));

/** The document's text: a prompt as its text, workflows and agent configs as formatted JSON. */
export function documentText(type: string, content: unknown): string {
  const read = validation().readContent(type, content);
  if (read.ok && read.type === 'prompt') return read.content.text;
  return `${JSON.stringify(content, null, 2)}\n`;
}

/** What Use works with: a prompt and its variables, a workflow's steps, or a text to use as it is. */
export type Usable =
  | { kind: 'prompt'; text: string; variables: PromptVariable[] }
  | { kind: 'workflow'; steps: WorkflowStep[] }
  | { kind: 'text'; text: string };

export function usableOf(resource: Pick<Resource, 'resourceType' | 'content'>): Usable {
  const read = validation().readContent(resource.resourceType, resource.content);
  if (!read.ok) return { kind: 'text', text: documentText(resource.resourceType, resource.content) };
  if (read.type === 'prompt') return { kind: 'prompt', text: read.content.text, variables: parseVariables(read.content.text) };
  if (read.type === 'workflow') return { kind: 'workflow', steps: read.content.steps };
  return { kind: 'text', text: `${JSON.stringify(read.content.config, null, 2)}\n` };
}
