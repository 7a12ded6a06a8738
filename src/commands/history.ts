import * as vscode from 'vscode';
import { notify } from '../common/notify';
import { UserFacingError } from '../common/userError';
import { changeNoteSchema, visibleName } from '../db/validation';
import type { HistoryPage, ResourceVersion } from '../db/versions';
import { resourceIdOf, resourceScheme, resourceUri } from '../editor/resourceFileSystem';
import { versionUri } from '../editor/versionDocuments';
import { relativeTime } from '../views/presentation';
import { isProgrammatic, resourceIdFrom, type ResourceArgument } from './arguments';
import type { CommandContext } from './context';
import { readable } from './readable';

/** What the quick pick lists: a version, or the row that loads older ones. */
interface VersionItem extends vscode.QuickPickItem {
  version?: ResourceVersion;
}

const compareButton = { iconPath: new vscode.ThemeIcon('diff'), tooltip: 'Compare with Current' };
const restoreButton = { iconPath: new vscode.ThemeIcon('discard'), tooltip: 'Restore This Version' };

/**
 * The versions of the user's own resource, newest first, each with its `version` and `content`
 * (`{ limit, before }` pages). From a menu or the palette: a quick pick of them with their notes and
 * dates, where Enter compares a version with the current one and a button restores it.
 */
async function history(ctx: CommandContext, arg?: ResourceArgument | vscode.Uri, options: { limit?: number; before?: number } = {}) {
  // The editor title menu passes its document's URI: that resource's history, shown as from any menu.
  const uri = arg instanceof vscode.Uri ? arg : undefined;
  const programmatic = !uri && isProgrammatic(arg);
  const id =
    uri?.scheme === resourceScheme
      ? resourceIdOf(uri)
      : await resourceIdFrom(ctx, uri ? undefined : (arg as ResourceArgument), 'Show the history of which resource?');
  if (!id) return undefined;
  const page = await ctx.library.history(id, { limit: options.limit ?? 100, before: options.before });
  if (!programmatic) await showHistory(ctx, id, page);
  return page.versions;
}

/** The quick pick of a resource's history, from its newest version. */
async function pickFromHistory(ctx: CommandContext, id: string): Promise<void> {
  await showHistory(ctx, id, await ctx.library.history(id, { limit: 100 }));
}

async function showHistory(ctx: CommandContext, id: string, first: HistoryPage): Promise<void> {
  const [current, session] = await Promise.all([readable(ctx, id), ctx.library.session()]);
  const pick = vscode.window.createQuickPick<VersionItem>();
  pick.title = `History of “${visibleName(current.name)}”`;
  pick.placeholder = 'Enter compares a version with the current one; the buttons compare or restore it.';
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  let versions = first.versions;
  let nextBefore = first.nextBefore;
  const render = () => {
    const items = versions.map((v, i) => versionItem(v, i === 0 && first.versions[0] === v, session.userId, current.name));
    if (nextBefore) items.push({ label: '$(history) Load older versions…', alwaysShow: true });
    pick.items = items;
  };
  render();
  const done = new Promise<void>((resolve) => pick.onDidHide(() => resolve()));
  // Nobody awaits the handlers: what fails in them is shown here.
  const act = (work: () => Promise<unknown>) =>
    work().catch((err: unknown) => notify('error', err instanceof Error ? err.message : String(err)));
  pick.onDidAccept(() =>
    act(async () => {
      const item = pick.selectedItems[0];
      if (item && !item.version && nextBefore) {
        pick.busy = true;
        const older = await ctx.library.history(id, { limit: 100, before: nextBefore });
        [versions, nextBefore, pick.busy] = [[...versions, ...older.versions], older.nextBefore, false];
        return render();
      }
      if (!item?.version) return;
      pick.hide();
      if (item.version === first.versions[0]) await vscode.commands.executeCommand('agentResources.open', id);
      else await openComparison(ctx, id, item.version.version);
    }),
  );
  pick.onDidTriggerItemButton((e) =>
    act(async () => {
      pick.hide();
      if (e.button === restoreButton) await restore(ctx, id, e.item.version!.version, undefined, false);
      else await openComparison(ctx, id, e.item.version!.version);
    }),
  );
  pick.show();
  await done;
  pick.dispose();
}

function versionItem(v: ResourceVersion, current: boolean, me: string, currentName: string): VersionItem {
  const details = [`${relativeTime(v.createdAt)} (${v.createdAt.toLocaleString()})`];
  if (v.changedBy && v.changedBy !== me) details.push('by another user');
  if (v.forkedFrom) details.push(`forked${v.forkedFrom.version ? ` from version ${v.forkedFrom.version}` : ''}`);
  if (v.name !== currentName) details.push(`named “${visibleName(v.name)}”`);
  return {
    label: `Version ${v.version}${current ? ' (current)' : ''}`,
    description: v.note ?? '',
    detail: details.join(' · '),
    version: v,
    buttons: current ? [] : [compareButton, restoreButton],
  };
}

/** A version (read-only, left) beside the current resource (right) in VS Code's diff editor; returns the version's document. */
async function openComparison(ctx: CommandContext, id: string, version: number): Promise<vscode.Uri> {
  const [old, current] = await Promise.all([ctx.library.version(id, version), readable(ctx, id)]);
  const left = versionUri(old);
  await vscode.commands.executeCommand(
    'vscode.diff',
    left,
    resourceUri(current),
    `${visibleName(current.name)}: version ${version} ↔ current`,
  );
  return left;
}

async function compareVersion(ctx: CommandContext, arg?: ResourceArgument, options: { version?: number } = {}) {
  const id = await resourceIdFrom(ctx, arg, 'Compare a version of which resource?');
  if (!id) return undefined;
  if (options.version === undefined) return pickFromHistory(ctx, id);
  return openComparison(ctx, id, options.version);
}

async function restore(ctx: CommandContext, id: string, version: number, note: string | undefined, quiet: boolean) {
  const result = await ctx.library.restoreVersion(id, version, { note });
  // Open documents without edits show the restored text; one with edits keeps them, and its save conflicts.
  ctx.files.reloadClean(id);
  const name = visibleName(result.resource.name);
  if (!quiet) {
    notify(
      'info',
      result.changed
        ? `Restored version ${version} of “${name}” as version ${result.version}. The version it replaced stays in the history.`
        : `Version ${version} is already the current text of “${name}”: nothing changed.`,
    );
  }
  return { restored: result.restored, version: result.version, changed: result.changed };
}

/** Restores `{ version }` (with an optional `note`) as a new version; without a version, the history to pick from. */
async function restoreVersion(ctx: CommandContext, arg?: ResourceArgument, options: { version?: number; note?: string } = {}) {
  const id = await resourceIdFrom(ctx, arg, 'Restore a version of which resource?');
  if (!id) return undefined;
  if (options.version === undefined) return pickFromHistory(ctx, id);
  return restore(ctx, id, options.version, options.note, isProgrammatic(arg));
}

/** Live check of a note with the data layer's rule. */
function noteProblem(value: string): string | undefined {
  const result = changeNoteSchema.safeParse(value);
  return result.success ? undefined : `The note ${result.error.issues[0]?.message}.`;
}

/** Saves a resource's document (the active one, or the URI an editor menu passes) with a change note for its version. */
async function saveWithNote(ctx: CommandContext, arg?: vscode.Uri | { note?: string }, options: { note?: string } = {}) {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  const document =
    uri && uri.scheme === resourceScheme ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : undefined;
  if (!document) throw new UserFacingError('Open a resource from the Agent Resources view first: Save with Note saves its document.');
  if (!document.isDirty) throw new UserFacingError('The document has no unsaved changes: edit it first, then Save with Note.');
  const given = options.note ?? (arg instanceof vscode.Uri ? undefined : arg?.note);
  const note =
    given ??
    (await vscode.window.showInputBox({
      title: 'Save with Note',
      prompt: 'What changed? Kept with this version in the history.',
      validateInput: noteProblem,
    }));
  if (note === undefined) return undefined;
  const problem = noteProblem(note);
  if (problem) throw new UserFacingError(problem);
  ctx.files.setNextNote(resourceIdOf(document.uri), note);
  return document.save();
}

export const historyCommands = { history, compareVersion, restoreVersion, saveWithNote };
