import * as vscode from 'vscode';
import { UserFacingError } from '../common/userError';
import { notify } from '../common/notify';
import { userMessage } from '../library/errors';
import { NotFoundError } from '../db/errors';
import { forkName } from '../library/library';
import type { Resource } from '../db/schema';
import { usableOf } from '../library/text';
import type { PromptVariable } from '../library/variables';
import { resourceIdOf, resourceScheme, resourceUri } from '../editor/resourceFileSystem';
import { sharedScheme } from '../editor/sharedPreviews';
import { typeNames } from '../views/presentation';
import { isProgrammatic, optionsFrom, resourceIdFrom, type ResourceArgument } from './arguments';
import type { CommandContext } from './context';
import { copyToClipboard } from './clipboard';
import { withCancellableProgress } from './progress';
import { noLongerShared, readable, sharedReader } from './readable';
import { validateName } from './save';

async function open(ctx: CommandContext, arg?: ResourceArgument): Promise<vscode.Uri | undefined> {
  const id = await resourceIdFrom(ctx, arg, 'Open which resource?');
  if (!id) return undefined;
  const resource = await readable(ctx, id);
  const token = ctx.previews.tokenFor(id);
  // Someone else's resource opened from a share stays the read-only preview of that share.
  const shared = token !== undefined && resource.userId !== (await ctx.library.session()).userId;
  const uri = shared ? ctx.previews.add(token, resource, sharedReader(ctx)) : resourceUri(resource);
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}

/** Where a use puts the text: at the cursor, on the clipboard, or in VS Code's chat input. */
type UseTarget = 'insert' | 'clipboard' | 'chat';

const chatCommand = 'workbench.action.chat.open';

interface UseOptions {
  variables?: Record<string, string>;
  target?: UseTarget;
  /** For a workflow: the 0-based step to use; all steps when omitted. */
  step?: number;
}

/** Inserts, copies or sends to chat a resource's text (a prompt with its variables filled) and counts the use. */
async function use(ctx: CommandContext, arg?: ResourceArgument, options: UseOptions = {}): Promise<string | undefined> {
  const programmatic = isProgrammatic(arg);
  const id = await resourceIdFrom(ctx, arg, 'Use which resource?');
  if (!id) return undefined;
  const resource = await readable(ctx, id);
  const usable = usableOf(resource);
  if (usable.kind === 'workflow' && options.step === undefined && !programmatic) return useWorkflowSteps(ctx, resource, usable.steps);
  const variables = usable.kind === 'prompt' ? await askVariables(usable.variables, options.variables ?? {}, programmatic) : {};
  if (!variables) return undefined;
  const text = ctx.library.render(resource, { variables, step: options.step });
  if (text === undefined)
    throw new UserFacingError(
      `The workflow has ${usable.kind === 'workflow' ? usable.steps.length : 0} steps: step ${options.step} does not exist.`,
    );
  const target = options.target ?? (programmatic ? 'insert' : await pickTarget());
  if (!target) return undefined;
  await deliver(text, target);
  await ctx.library.recordUse(resource);
  return text;
}

/**
 * The values of a prompt's variables: those given, the others asked for with their default
 * pre-filled (none asked in scripts: there a variable without a value takes its default).
 */
async function askVariables(
  variables: PromptVariable[],
  given: Record<string, string>,
  programmatic: boolean,
): Promise<Record<string, string> | undefined> {
  const values: Record<string, string> = { ...given };
  for (const { name, default: fallback } of variables) {
    if (Object.hasOwn(values, name) || programmatic) continue;
    const value = await vscode.window.showInputBox({
      title: 'Fill in the prompt',
      prompt: fallback === undefined ? `Value for “${name}”` : `Value for “${name}” (default: ${fallback})`,
      value: fallback,
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    values[name] = value;
  }
  return values;
}

async function pickTarget(): Promise<UseTarget | undefined> {
  const chat = (await vscode.commands.getCommands(true)).includes(chatCommand);
  const picks = [
    ...(vscode.window.activeTextEditor ? [{ label: '$(insert) Insert at Cursor', target: 'insert' as const }] : []),
    ...(chat ? [{ label: '$(comment-discussion) Send to Chat', target: 'chat' as const }] : []),
    { label: '$(copy) Copy to Clipboard', target: 'clipboard' as const },
  ];
  if (picks.length === 1) return 'clipboard';
  return (await vscode.window.showQuickPick(picks, { placeHolder: 'Use it how?' }))?.target;
}

async function deliver(text: string, target: UseTarget): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  // Never into a resource's own document or a read-only shared preview.
  if (target === 'insert' && editor && editor.document.uri.scheme !== resourceScheme && editor.document.uri.scheme !== sharedScheme) {
    await editor.edit((edit) => editor.selections.forEach((s) => edit.replace(s, text)));
    return;
  }
  if (target === 'chat') {
    try {
      // In the chat input, not sent: the user reads it and presses Enter.
      await vscode.commands.executeCommand(chatCommand, { query: text, isPartialQuery: true });
      return;
    } catch {
      await copyToClipboard(text, 'the text', 'Chat is not available here either: open an editor and use Insert at Cursor.');
      notify('info', 'Chat is not available here: copied to the clipboard instead.');
      return;
    }
  }
  await copyToClipboard(text, 'the text', 'Open an editor and use Insert at Cursor instead.');
  if (target === 'insert') notify('info', 'No editor to insert into: copied to the clipboard instead.');
}

/** The steps in a quick pick that stays open: insert or copy them one by one. */
async function useWorkflowSteps(
  ctx: CommandContext,
  resource: Resource,
  steps: { name?: string; text: string }[],
): Promise<string | undefined> {
  const insert = { iconPath: new vscode.ThemeIcon('insert'), tooltip: 'Insert at cursor' };
  const copy = { iconPath: new vscode.ThemeIcon('copy'), tooltip: 'Copy' };
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { text: string }>();
  pick.title = `${resource.name}: ${steps.length} steps`;
  pick.placeholder = 'Enter inserts a step; the buttons insert or copy it. Escape when done.';
  pick.ignoreFocusOut = true;
  pick.items = steps.map((s, i) => ({
    label: `${i + 1}. ${s.name ?? s.text.split('\n')[0]}`,
    detail: s.text,
    text: s.text,
    buttons: [insert, copy],
  }));
  let used: string | undefined;
  const done = new Promise<void>((resolve) => pick.onDidHide(() => resolve()));
  // The event handlers' promises go to no one: a step that cannot be delivered is reported here.
  const deliverStep = (text: string, target: UseTarget) => {
    used = text;
    deliver(text, target).catch((err: unknown) => notify('error', `Could not use the step: ${userMessage(err)}`));
  };
  pick.onDidTriggerItemButton((e) => deliverStep(e.item.text, e.button === copy ? 'clipboard' : 'insert'));
  pick.onDidAccept(() => {
    const item = pick.selectedItems[0];
    if (item) deliverStep(item.text, 'insert');
  });
  pick.show();
  await done;
  pick.dispose();
  if (used !== undefined) await ctx.library.recordUse(resource);
  return used;
}

async function fork(
  ctx: CommandContext,
  arg?: ResourceArgument,
  options: { name?: string; viaShareToken?: string } = {},
): Promise<Resource | undefined> {
  const programmatic = isProgrammatic(arg);
  const id = await resourceIdFrom(ctx, arg, 'Fork which resource?');
  if (!id) return undefined;
  const viaShareToken = options.viaShareToken ?? ctx.previews.tokenFor(id);
  let name = options.name;
  if (name === undefined && !programmatic) {
    const source = await readable(ctx, id, viaShareToken);
    name = await vscode.window.showInputBox({
      title: 'Fork',
      prompt: 'Name of your copy',
      value: forkName(source.name),
      validateInput: validateName,
    });
    if (name === undefined) return undefined;
  }
  let forked: Resource;
  try {
    forked = await withCancellableProgress('Forking…', (token) => ctx.library.fork(id, { name, viaShareToken }, token));
  } catch (err) {
    if (err instanceof NotFoundError && viaShareToken) throw noLongerShared(ctx, id);
    throw err;
  }
  ctx.view.reveal(forked.id);
  if (!programmatic) notify('info', `Forked into your library as “${forked.name}”.`);
  return forked;
}

async function rename(ctx: CommandContext, arg?: ResourceArgument, options: { name?: string } = {}): Promise<void> {
  const id = await resourceIdFrom(ctx, arg, 'Rename which resource?');
  if (!id) return;
  let name = options.name ?? optionsFrom<{ name: string }>(arg).name;
  if (name === undefined) {
    const current = await readable(ctx, id);
    name = await vscode.window.showInputBox({ title: 'Rename', prompt: 'New name', value: current.name, validateInput: validateName });
    if (name === undefined) return;
  }
  await ctx.library.update(id, { name });
}

async function remove(ctx: CommandContext, arg?: ResourceArgument): Promise<void> {
  const id = await resourceIdFrom(ctx, arg, 'Delete which resource?');
  if (!id) return;
  if (!isProgrammatic(arg)) {
    const resource = await readable(ctx, id);
    const choice = await vscode.window.showWarningMessage(
      `Delete “${resource.name}”?`,
      {
        modal: true,
        detail: `This ${typeNames[resource.resourceType]} and its share tokens are deleted for good. Forks of it keep their content.`,
      },
      'Delete',
    );
    if (choice !== 'Delete') return;
  }
  await ctx.library.delete(id);
  // Its open documents would only fail to save now.
  const tabs = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.scheme === resourceScheme && resourceIdOf(t.input.uri) === id);
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
}

const pinning = (pinned: boolean) => async (ctx: CommandContext, arg?: ResourceArgument) => {
  const id = await resourceIdFrom(ctx, arg, pinned ? 'Pin which resource?' : 'Unpin which resource?');
  if (!id) return;
  await ctx.library.setPinned(id, pinned);
};

async function togglePublic(ctx: CommandContext, arg?: ResourceArgument): Promise<boolean | undefined> {
  const id = await resourceIdFrom(ctx, arg, 'Make which resource public or private?');
  if (!id) return undefined;
  const current = await readable(ctx, id);
  const updated = await ctx.library.update(id, { isPublic: !current.isPublic });
  if (!isProgrammatic(arg)) {
    notify(
      'info',
      updated.isPublic
        ? `“${updated.name}” is now public: every user of this database can read and fork it.`
        : `“${updated.name}” is now private.`,
    );
  }
  return updated.isPublic;
}

export const resourceCommands = {
  open,
  use,
  fork,
  rename,
  delete: remove,
  pin: pinning(true),
  unpin: pinning(false),
  togglePublic,
};
