import { join } from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../common/disposable';
import { resolveUserEmail } from '../library/identity';
import { mcpServerEnv } from '../library/mcpClientConfig';
import type { TeamSecrets } from '../storage/secrets';
import { readStorageSettings, type StorageSettings } from '../storage/settings';

// The library's MCP server (dist/mcp.js) in VS Code's chat, with no configuration: the server of
// the library this window uses, local or team. VS Code keeps what provideMcpServerDefinitions
// returns in its own storage (its tool cache), so the team connection string is added only in
// resolveMcpServerDefinition, when VS Code starts the server, and only to its environment.

/** The id in package.json's contributes.mcpServerDefinitionProviders. */
export const mcpProviderId = 'agentResources.library';
/** VS Code knows a provider's server by its label: the same in local and team mode. */
export const mcpServerLabel = 'Agent Resources';

/** The server script inside an installed extension. */
export function mcpServerScript(extensionPath: string): string {
  return join(extensionPath, 'dist', 'mcp.js');
}

type Env = Record<string, string | number | null>;

export class LibraryMcpServers extends Disposable implements vscode.McpServerDefinitionProvider<vscode.McpStdioServerDefinition> {
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Fires when the storage mode, the team connection or a team setting changes. */
  readonly onDidChangeMcpServerDefinitions = this.changed.event;

  constructor(
    private readonly extension: { extensionPath: string; packageJSON: { version?: unknown } },
    private readonly secrets: TeamSecrets,
  ) {
    super();
    this.register(vscode.workspace.onDidChangeConfiguration((e) => servesAnotherLibrary(e) && this.changed.fire()));
    this.register(secrets.onDidChange(() => this.changed.fire()));
  }

  async provideMcpServerDefinitions(): Promise<vscode.McpStdioServerDefinition[]> {
    return [await this.definition(false)];
  }

  /** VS Code is starting the server: in team mode its environment gets the connection string. */
  resolveMcpServerDefinition(): Promise<vscode.McpStdioServerDefinition> {
    return this.definition(true);
  }

  /** `node dist/mcp.js` on the editor's own Node, with the environment that picks the library. */
  private async definition(withSecret: boolean): Promise<vscode.McpStdioServerDefinition> {
    const settings = readStorageSettings();
    const connectionString = settings.mode === 'team' ? await this.secrets.get() : undefined;
    if (withSecret && settings.mode === 'team' && !connectionString) {
      throw new Error(
        'The library’s MCP server needs the team connection string stored in VS Code. Run “Agent Resources: Connect to Postgres…” ' +
          'and paste it (the PG* environment variables alone do not say which database is the team’s), or use the local library.',
      );
    }
    const env =
      settings.mode === 'local'
        ? localEnv()
        : { ...(await teamEnv(settings, connectionString)), ...(withSecret ? { [mcpServerEnv.databaseUrl]: connectionString! } : {}) };
    const version = String(this.extension.packageJSON.version ?? '');
    return new vscode.McpStdioServerDefinition(
      mcpServerLabel,
      process.execPath,
      [mcpServerScript(this.extension.extensionPath)],
      env,
      version,
    );
  }
}

/** The local library: a database URL inherited from the editor's environment must not point it elsewhere. */
function localEnv(): Env {
  return { [mcpServerEnv.databaseUrl]: null };
}

/**
 * What the server needs besides the connection string; nothing here is secret. The database it
 * names (user, host, database) makes a changed connection a changed definition: VS Code then
 * restarts a running server instead of leaving it on the old database.
 */
async function teamEnv(settings: StorageSettings, connectionString: string | undefined): Promise<Env> {
  return {
    [mcpServerEnv.databaseUrl]: null,
    [mcpServerEnv.userEmail]: (await resolveUserEmail(settings.userEmail)) ?? null,
    [mcpServerEnv.tlsMode]: settings.tlsMode,
    [mcpServerEnv.caFile]: settings.caFile ?? null,
    [mcpServerEnv.passwordCommand]: settings.passwordCommand ?? null,
    [teamDatabaseVariable]: databaseNamed(connectionString),
  };
}

/** Read by no one: it only tells VS Code which team database a definition is for. */
const teamDatabaseVariable = 'AGENT_RESOURCES_TEAM_DATABASE';

/** `user@host:port/database` of a connection string: never its password. */
function databaseNamed(connectionString: string | undefined): string {
  if (!connectionString) return 'none stored';
  try {
    const url = new URL(connectionString.trim());
    return `${decodeURIComponent(url.username)}@${url.host}${decodeURIComponent(url.pathname)}`;
  } catch {
    return 'unreadable connection string';
  }
}

/** Settings that decide which library the server serves, or as whom. */
function servesAnotherLibrary(e: vscode.ConfigurationChangeEvent): boolean {
  return ['agentResources.storage.mode', 'agentResources.userEmail', 'agentResources.team'].some((section) =>
    e.affectsConfiguration(section),
  );
}
