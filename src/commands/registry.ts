import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { lazy } from '../common/lazy';
import { notify, type NotificationAction } from '../common/notify';
import { CancelledError, UserFacingError } from '../common/userError';
import { userMessage } from '../library/errors';
import type { CommandContext } from './context';
import type { CommandHandler, CommandTable } from './table';

export type { CommandHandler };
export type CommandId = `agentResources.${keyof CommandTable}`;

// The commands' modules (and the data layer they validate with) load when a command first runs:
// the ids come from package.json, which lists exactly the table's commands.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see lazy()
const table = lazy(() => (require('./table') as typeof import('./table')).commandTable);

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const manifest = JSON.parse(readFileSync(join(ctx.extensionPath, 'package.json'), 'utf8')) as {
    contributes: { commands: { command: string }[] };
  };
  return manifest.contributes.commands.map(({ command }) => {
    const name = command.slice('agentResources.'.length);
    return vscode.commands.registerCommand(command, (...args: unknown[]) => {
      const handler = (table() as Record<string, CommandHandler | undefined>)[name];
      if (!handler) throw new Error(`${command} is in package.json but has no handler`);
      return runCommand(ctx, name, handler as (ctx: CommandContext, ...a: unknown[]) => unknown, args);
    });
  });
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
