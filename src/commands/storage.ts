import * as vscode from 'vscode';
import { notify } from '../common/notify';
import { UserFacingError } from '../common/userError';
import { describeConnectionError } from '../library/connectionErrors';
import { testConnection } from '../library/session';
import { readStorageSettings } from '../storage/settings';
import { connectionStringFromParts, connectionStringProblem, resolveTeamConnection } from '../library/teamConnection';
import { isProgrammatic } from './arguments';
import type { CommandContext } from './context';

interface ConnectArgs {
  connectionString?: string;
  label?: string;
}

/** Connects to a team Postgres: asks for the connection, tests it, and only then keeps it (in SecretStorage). */
async function connect(ctx: CommandContext, args?: ConnectArgs): Promise<{ label: string } | undefined> {
  const connectionString = args?.connectionString ?? (await askConnectionString());
  if (connectionString === undefined) return undefined;
  const problem = connectionString === '' ? undefined : connectionStringProblem(connectionString);
  if (problem) throw new UserFacingError(`${problem}. Nothing was saved.`);
  const resolved = resolveTeamConnection(connectionString || undefined, readStorageSettings());
  ctx.log.addSecret(resolved.password);
  ctx.log.addSecret(connectionString);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Testing the connection to ${resolved.label}…` },
    async () => {
      try {
        await testConnection(resolved.url, resolved.options);
      } catch (err) {
        const described = describeConnectionError(err, resolved.target, [resolved.password ?? '', connectionString]);
        throw new UserFacingError(`${described.message} Nothing was saved.`, described.problem);
      }
    },
  );
  if (connectionString) await ctx.secrets.store(connectionString);
  else await ctx.secrets.delete();
  const label = args?.label ?? resolved.label;
  await ctx.storage.switchTo('team', label);
  if (!isProgrammatic(args)) notify('info', `Connected to the team database ${label}.`);
  return { label };
}

async function askConnectionString(): Promise<string | undefined> {
  const how = await vscode.window.showQuickPick(
    [
      {
        label: '$(key) Paste a connection string',
        detail: 'postgres://user:password@host:5432/database — kept in the OS keychain, never in settings',
        how: 'url',
      },
      { label: '$(list-flat) Enter host, port, database, user and password', how: 'parts' },
      {
        label: '$(terminal) Use the PG* environment variables',
        detail: 'PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD of the VS Code process',
        how: 'env',
      },
    ],
    { title: 'Connect to Postgres', placeHolder: 'How do you want to connect?' },
  );
  if (!how) return undefined;
  if (how.how === 'env') return '';
  if (how.how === 'url') {
    return vscode.window.showInputBox({
      title: 'Connect to Postgres',
      prompt: 'Connection string',
      placeHolder: 'postgres://user:password@host:5432/database',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => connectionStringProblem(v),
    });
  }
  const step = (prompt: string, value = '', password = false) =>
    vscode.window.showInputBox({ title: 'Connect to Postgres', prompt, value, password, ignoreFocusOut: true });
  const host = await step('Host', 'localhost');
  if (!host) return undefined;
  const port = await vscode.window.showInputBox({
    title: 'Connect to Postgres',
    prompt: 'Port',
    value: '5432',
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? undefined : 'A port is a number from 1 to 65535.'),
  });
  if (!port) return undefined;
  const database = await step('Database');
  if (database === undefined) return undefined;
  const user = await step('User');
  if (user === undefined) return undefined;
  const password = await step('Password (kept in the OS keychain)', '', true);
  if (password === undefined) return undefined;
  return connectionStringFromParts({ host, port, database, user, password });
}

async function useLocalLibrary(ctx: CommandContext): Promise<void> {
  await ctx.storage.switchTo('local');
}

async function createTeamSchema(ctx: CommandContext, args?: { confirm?: boolean }): Promise<void> {
  if (ctx.storage.state.mode !== 'team')
    throw new UserFacingError('Connect to a team database first: the local library creates its tables by itself.');
  if (args?.confirm !== true) {
    const choice = await vscode.window.showWarningMessage(
      `Create the resource tables in the team database ${ctx.storage.state.label}?`,
      {
        modal: true,
        detail:
          'This applies the extension’s migrations where they are missing: CREATE EXTENSION pg_trgm, the resource tables, and the user and message tables when the chat app has not made them. The chat app’s own tables, columns and rows are left as they are; only message.attachments is added when it is missing.',
      },
      'Create Tables',
    );
    if (choice !== 'Create Tables') return;
  }
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Creating the resource tables…' }, () =>
    ctx.storage.createTeamSchema(),
  );
}

async function retry(ctx: CommandContext): Promise<void> {
  await ctx.storage.reconnect();
}

function showLog(ctx: CommandContext): void {
  ctx.log.show();
}

async function storageActions(ctx: CommandContext): Promise<void> {
  const state = ctx.storage.state;
  const picks = [
    { label: '$(plug) Connect to Postgres…', command: 'agentResources.connect' },
    ...(state.mode === 'team' ? [{ label: '$(home) Use Local Library', command: 'agentResources.useLocalLibrary' }] : []),
    ...(state.kind === 'offline' ? [{ label: '$(debug-restart) Retry Connection', command: 'agentResources.retry' }] : []),
    ...(state.kind === 'setup' ? [{ label: '$(database) Create Resource Tables…', command: 'agentResources.createTeamSchema' }] : []),
    { label: '$(output) Show Log', command: 'agentResources.showLog' },
  ];
  const picked = await vscode.window.showQuickPick(picks, { placeHolder: `Storage: ${state.label} (${state.kind})` });
  if (picked) await vscode.commands.executeCommand(picked.command);
}

export const storageCommands = { connect, useLocalLibrary, createTeamSchema, retry, showLog, storageActions };
