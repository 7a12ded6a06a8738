import * as vscode from 'vscode';
import { notify, type NotificationAction } from '../common/notify';
import { CancelledError, UserFacingError } from '../common/userError';
import { userMessage } from '../library/errors';
import type { CommandContext } from './context';
import { agentFileCommands } from './agentFiles';
import { historyCommands } from './history';
import { ioCommands } from './io';
import { mcpConfigCommands } from './mcpConfig';
import { resourceCommands } from './resources';
import { saveCommands } from './save';
import { shareCommands } from './shares';
import { storageCommands } from './storage';
import { tagCommands } from './tags';
import { teamAdminCommands } from './teamAdmin';
import { viewCommands } from './view';

export type CommandHandler = (ctx: CommandContext, ...args: never[]) => unknown;

/** Every command the extension registers; a test checks this table against package.json. */
export const commandTable = {
  ...saveCommands,
  ...resourceCommands,
  ...shareCommands,
  ...viewCommands,
  ...storageCommands,
  ...teamAdminCommands,
  ...ioCommands,
  ...agentFileCommands,
  ...historyCommands,
  ...tagCommands,
  ...mcpConfigCommands,
} satisfies Record<string, CommandHandler>;

export type CommandId = `agentResources.${keyof typeof commandTable}`;

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(commandTable).map(([name, handler]) =>
    vscode.commands.registerCommand(`agentResources.${name}`, (...args: unknown[]) =>
      runCommand(ctx, name, handler as (ctx: CommandContext, ...a: unknown[]) => unknown, args),
    ),
  );
}

/**
 * A failed command tells the user what happened and what to do, with actions where they
 * help, and resolves to undefined: no "command failed" dialog, no unhandled rejection.
 */
async function runCommand(
  ctx: CommandContext,
  name: string,
  handler: (ctx: CommandContext, ...a: unknown[]) => unknown,
  args: unknown[],
): Promise<unknown> {
  try {
    return await handler(ctx, ...args);
  } catch (err) {
    if (err instanceof CancelledError) {
      // What was cancelled may have committed just before: show the database's truth.
      ctx.model.invalidate();
      return undefined;
    }
    const message = userMessage(err);
    ctx.log.error(`${name} failed: ${message}`);
    // The buttons run commands: what fails in them is reported by this runner too.
    const problem = err instanceof UserFacingError ? err.problem : undefined;
    notify('error', ctx.log.clean(message), ...(problem ? storageProblemActions(ctx) : []));
    return undefined;
  }
}

/** What the user can do about a storage problem (a failure that names one). */
function storageProblemActions(ctx: CommandContext): NotificationAction[] {
  const actions: NotificationAction[] = [{ title: 'Retry', command: 'agentResources.retry' }];
  if (ctx.storage.state.mode === 'team') actions.push({ title: 'Use Local Library', command: 'agentResources.useLocalLibrary' });
  actions.push({ title: 'Configure', command: 'agentResources.connect' }, { title: 'Show Log', command: 'agentResources.showLog' });
  return actions;
}
