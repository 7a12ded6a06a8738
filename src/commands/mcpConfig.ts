import * as vscode from 'vscode';
import { notify } from '../common/notify';
import { UserFacingError } from '../common/userError';
import { mcpServerScript } from '../agents/mcpServerProvider';
import { clientFormats, mcpServerEntry, mergeMcpServer, teamEnvFromUser, type McpClient } from '../library/mcpClientConfig';
import { readStorageSettings } from '../storage/settings';
import { toUri } from './agentFiles';
import type { CommandContext } from './context';

// "Add Library to Claude Code / Cursor / VS Code": the library's MCP server in the project's own
// config file, for people (and agents) who read files rather than VS Code's registration.

export interface AddServerOptions {
  /** The project folder; default: the workspace folder (asked when there are several). */
  folder?: vscode.Uri | string;
}

export interface AddServerResult {
  file: string;
  /** True when an earlier entry of ours was replaced. */
  replaced: boolean;
  /** Environment variables the user must set where the tool runs (team mode). */
  setInEnvironment: string[];
  /** Ones the user may set there (team mode). */
  mayBeSetInEnvironment: string[];
}

/** Merges the entry into the file; a file that cannot be read as JSON is left untouched, with what to do. */
async function addServerTo(ctx: CommandContext, client: McpClient, options: AddServerOptions = {}): Promise<AddServerResult | undefined> {
  const format = clientFormats[client];
  const folder = toUri(options.folder) ?? (await workspaceFolder(format.file));
  if (!folder) return undefined;
  const file = vscode.Uri.joinPath(folder, ...format.file.split('/'));
  const settings = readStorageSettings();
  const team = settings.mode === 'team' ? { tlsMode: settings.tlsMode, caFile: settings.caFile } : undefined;
  const entry = mcpServerEntry(client, mcpServerScript(ctx.extensionPath), team);
  const merged = mergeMcpServer(client, await readIfExists(file), entry);
  if (!merged.ok) throw new UserFacingError(merged.problem.replace(format.file, file.fsPath));
  await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(file, '..'));
  await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(merged.text));
  const setInEnvironment: string[] = team ? [...teamEnvFromUser.required] : [];
  const mayBeSetInEnvironment: string[] = team ? [...teamEnvFromUser.optional] : [];
  ctx.log.info(`Added the library's MCP server to ${file.fsPath}`);
  if (!options.folder) reportAdded(format.title, file, team !== undefined);
  return { file: file.fsPath, replaced: merged.replaced, setInEnvironment, mayBeSetInEnvironment };
}

async function workspaceFolder(fileName: string): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new UserFacingError(`Open the project’s folder first: ${fileName} goes in it.`);
  if (folders.length === 1) return folders[0]!.uri;
  return (await vscode.window.showWorkspaceFolderPick({ placeHolder: `Which project gets ${fileName}?` }))?.uri;
}

async function readIfExists(file: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
  } catch (err) {
    if (err instanceof vscode.FileSystemError && err.code === 'FileNotFound') return undefined;
    throw new UserFacingError(`Could not read ${file.fsPath} (${(err as Error).message}). Nothing was written.`);
  }
}

function reportAdded(tool: string, file: vscode.Uri, team: boolean): void {
  const where = vscode.workspace.asRelativePath(file);
  if (!team) {
    notify(
      'info',
      `Added the library to ${tool} in ${where}. It points at this copy of the extension: run the command again after an update.`,
    );
    return;
  }
  notify(
    'info',
    `Added the team library to ${tool} in ${where}. Set ${teamEnvFromUser.required.join(', ')} (the team connection string) where ${tool} ` +
      `runs, and ${teamEnvFromUser.optional.join(', ')} if git's email is not the one the team knows: the file names them, never the password.`,
  );
}

export const mcpConfigCommands = {
  addToClaudeCode: (ctx: CommandContext, options?: AddServerOptions) => addServerTo(ctx, 'claude-code', options),
  addToCursor: (ctx: CommandContext, options?: AddServerOptions) => addServerTo(ctx, 'cursor', options),
  addToVSCode: (ctx: CommandContext, options?: AddServerOptions) => addServerTo(ctx, 'vscode', options),
};
