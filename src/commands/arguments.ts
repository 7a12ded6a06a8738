import * as vscode from 'vscode';
import type { ResourceListItem } from '../db/queries';
import { GroupNode, LoadMoreNode, ResourceNode, ShareNode } from '../views/nodes';
import { typeNames } from '../views/presentation';
import type { CommandContext } from './context';

/** A command's target: an id (scripts, keybindings), a tree node (menus), or undefined (palette: ask). */
export type ResourceArgument = string | ResourceNode | { id: string } | undefined;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A row of the tree: what a menu passes (a title menu too: the focused row, whichever it is). */
const isTreeNode = (arg: unknown) =>
  arg instanceof ResourceNode || arg instanceof ShareNode || arg instanceof GroupNode || arg instanceof LoadMoreNode;

/** Programmatic calls pass ids or option objects and get no prompts. */
export function isProgrammatic(arg: unknown): boolean {
  return typeof arg === 'string' || (typeof arg === 'object' && arg !== null && !isTreeNode(arg));
}

export async function resourceIdFrom(ctx: CommandContext, arg: ResourceArgument, placeHolder: string): Promise<string | undefined> {
  if (arg instanceof ResourceNode) return arg.resource.id;
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof arg.id === 'string') return arg.id;
  return pickResource(ctx, placeHolder);
}

/** Quick pick over the user's library (first 200, filtered as they type). */
export async function pickResource(ctx: CommandContext, placeHolder: string): Promise<string | undefined> {
  const page = ctx.library.list('mine', { limit: 200 });
  const items = page.then((p) =>
    p.items.map((r: ResourceListItem): vscode.QuickPickItem & { id: string } => ({
      label: r.name,
      description: typeNames[r.resourceType],
      detail: r.description ?? undefined,
      id: r.id,
    })),
  );
  const picked = await vscode.window.showQuickPick(items, { placeHolder, matchOnDescription: true, matchOnDetail: true });
  return picked?.id;
}

export function shareIdFrom(arg: unknown): string | undefined {
  if (arg instanceof ShareNode) return arg.share.id;
  if (typeof arg === 'string' && uuid.test(arg)) return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { id?: unknown }).id === 'string') return (arg as { id: string }).id;
  return undefined;
}

export function optionsFrom<T extends object>(arg: unknown): Partial<T> {
  return arg && typeof arg === 'object' && !isTreeNode(arg) && !('id' in arg) ? (arg as Partial<T>) : {};
}
