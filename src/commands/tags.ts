import * as vscode from 'vscode';
import { UserFacingError } from '../common/userError';
import { tagsSchema } from '../db/validation';
import { ResourceNode } from '../views/nodes';
import { optionsFrom, resourceIdFrom, type ResourceArgument } from './arguments';
import type { CommandContext } from './context';

/** The tags typed in the input box: separated by commas or spaces. */
const splitTags = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** Live check with the data layer's own rule, so the input box and the database agree. */
function tagsProblem(text: string): string | undefined {
  const result = tagsSchema.safeParse(splitTags(text));
  return result.success ? undefined : `Tags ${result.error.issues[0]?.message}.`;
}

/** Makes `{ tags }` the tags of the user's own resource (an empty list removes them); returns them as stored. Asks when none are given. */
async function setTags(ctx: CommandContext, arg?: ResourceArgument, options: { tags?: unknown } = {}): Promise<string[] | undefined> {
  const id = await resourceIdFrom(ctx, arg, 'Set the tags of which resource?');
  if (!id) return undefined;
  let tags = options.tags ?? optionsFrom<{ tags: unknown }>(arg).tags;
  if (tags === undefined) {
    const current = arg instanceof ResourceNode ? arg.resource.tags : await ctx.library.resourceTags(id);
    const text = await vscode.window.showInputBox({
      title: 'Set Tags',
      prompt: 'Tags separated by commas or spaces: letters, digits and - _ . /. Empty removes them.',
      value: current.join(', '),
      validateInput: tagsProblem,
    });
    if (text === undefined) return undefined;
    tags = splitTags(text);
  }
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) {
    throw new UserFacingError('The tags must be a list of names, e.g. { "tags": ["review", "python"] }.');
  }
  return ctx.library.setTags(id, tags);
}

export const tagCommands = { setTags };
