import * as vscode from 'vscode';
import { UserFacingError } from '../common/userError';
import { resourceTypes, type ResourceType } from '../db/schema';
import { limits, sortOrders, tagSchema, type SortOrder } from '../db/validation';
import { parseSearchText, searchTextOf } from '../library/searchText';
import type { ListKey } from '../model/libraryModel';
import { updateViewSetting } from '../storage/settings';
import { typeLabels } from '../views/presentation';
import type { CommandContext } from './context';

async function search(ctx: CommandContext, args?: { text?: string }): Promise<void> {
  const text =
    args?.text ??
    (await vscode.window.showInputBox({
      title: 'Search Resources',
      prompt: 'Matches names and descriptions, ignoring case; % and _ are ordinary characters; tag:name shows one tag',
      value: searchTextOf(ctx.model.filter.search, ctx.model.filter.tag),
      validateInput: (v) =>
        v.length > limits.searchLength ? `Search at most ${limits.searchLength} characters.` : parseSearchText(v).problem,
    }));
  if (text === undefined) return;
  const parsed = parseSearchText(text);
  if (parsed.problem) throw new UserFacingError(parsed.problem);
  ctx.model.setFilter({ search: parsed.search, tag: parsed.tag });
}

function clearSearch(ctx: CommandContext): void {
  ctx.model.setFilter({ search: '', type: undefined, tag: undefined, scope: 'mine' });
}

/** Shows one tag's resources (`{ tag }`; `all` or an empty tag shows every one), or asks which, with counts. */
async function filterByTag(ctx: CommandContext, args?: { tag?: string }): Promise<void> {
  let tag = args?.tag;
  if (tag === undefined) {
    const counts = ctx.library.tags();
    const picks = counts.then((list) => [
      { label: '$(clear-all) All tags', tag: '' },
      ...list.map((t) => ({ label: `$(tag) ${t.tag}`, description: `${t.count}`, tag: t.tag })),
    ]);
    tag = (await vscode.window.showQuickPick(picks, { placeHolder: 'Show which tag?', matchOnDescription: false }))?.tag;
    if (tag === undefined) return;
  }
  if (tag === '' || tag === 'all') return ctx.model.setFilter({ tag: undefined });
  const parsed = tagSchema.safeParse(tag);
  if (!parsed.success) throw new UserFacingError(`The tag ${parsed.error.issues[0]?.message ?? 'is not valid'}.`);
  ctx.model.setFilter({ tag: parsed.data });
}

async function filterByType(ctx: CommandContext, args?: { type?: ResourceType | 'all' }): Promise<void> {
  let type: ResourceType | 'all' | undefined = args?.type;
  if (type === undefined) {
    const picks = [{ label: 'All types', type: 'all' as const }, ...resourceTypes.map((t) => ({ label: typeLabels[t], type: t }))];
    type = (await vscode.window.showQuickPick(picks, { placeHolder: 'Show which type?' }))?.type;
    if (type === undefined) return;
  }
  if (type !== 'all' && !resourceTypes.includes(type))
    throw new UserFacingError(`The type must be one of all, ${resourceTypes.join(', ')}.`);
  ctx.model.setFilter({ type: type === 'all' ? undefined : type });
}

const sortLabels: Record<SortOrder, string> = {
  updated: 'Recently updated',
  created: 'Recently created',
  name: 'Name',
  executions: 'Most used',
};

async function sortBy(ctx: CommandContext, args?: { order?: SortOrder }): Promise<void> {
  const order =
    args?.order ??
    (
      await vscode.window.showQuickPick(
        sortOrders.map((o) => ({ label: sortLabels[o], description: o === ctx.model.filter.sort ? 'current' : undefined, order: o })),
        { placeHolder: 'Sort by (pinned always first)' },
      )
    )?.order;
  if (!order) return;
  if (!sortOrders.includes(order)) throw new UserFacingError(`The order must be one of ${sortOrders.join(', ')}.`);
  // A preference, kept for every window: the model follows the setting.
  await updateViewSetting('sortBy', order);
  ctx.model.setFilter({ sort: order });
}

async function toggleGrouping(ctx: CommandContext): Promise<void> {
  await updateViewSetting('groupByType', !ctx.model.isGrouped);
}

/** Groups the tree by tag (a resource under each of its tags, then Untagged), or back. */
async function toggleTagGrouping(ctx: CommandContext): Promise<void> {
  await updateViewSetting('groupByTag', !ctx.model.isGroupedByTag);
}

function browsePublic(ctx: CommandContext): void {
  ctx.model.setFilter({ scope: ctx.model.filter.scope === 'public' ? 'mine' : 'public' });
}

function refresh(ctx: CommandContext): void {
  ctx.model.invalidate();
  ctx.previews.refresh();
}

async function loadMore(ctx: CommandContext, key: ListKey = 'all'): Promise<void> {
  await ctx.model.loadMore(key);
}

export const viewCommands = {
  search,
  clearSearch,
  filterByType,
  filterByTag,
  sortBy,
  toggleGrouping,
  toggleTagGrouping,
  browsePublic,
  refresh,
  loadMore,
};
