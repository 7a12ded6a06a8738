// The MCP suite's real parts: dist/mcp.js built for this run into a package folder of its own,
// the SDK's own Client spawning it over stdio, and a TCP + password Postgres as the team database.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import postgres, { type Sql } from 'postgres';
import { migrateDatabase } from '../../src/db/migrate';
import { buildMcpPackage, connectMcp, type McpConnection, type McpPackage } from '../support/mcpServer';
import { startTeamServer, type TeamServer } from '../support/teamServer';
import { uniqueName } from '../support/embedded-postgres';

export const repoRoot = join(__dirname, '..', '..');
const cleanups: (() => Promise<void> | void)[] = [];

let built: Promise<McpPackage> | undefined;
/** The server, built once for the run (see test/support/mcpServer.ts). */
export function serverPackage(): Promise<McpPackage> {
  built ??= buildMcpPackage().then((built) => {
    cleanups.push(() => built.remove());
    return built;
  });
  return built;
}

export interface TeamDatabase {
  server: TeamServer;
  /** The chat app's connection: plain SQL, as another program writes the tables. */
  sql: Sql;
  /** The environment that points the server at this database as `email`. */
  env(email: string): Record<string, string>;
  /** A new user row; returns its id and email. */
  newUser(label: string): Promise<{ id: string; email: string }>;
  resourceCount(): Promise<number>;
}

let team: Promise<TeamDatabase> | undefined;
/** One migrated team database for the suite; tests keep apart by their own users. */
export function teamDatabase(): Promise<TeamDatabase> {
  team ??= (async () => {
    const server = await startTeamServer(repoRoot);
    cleanups.push(() => server.stop());
    await migrateDatabase(server.url, join(repoRoot, 'migrations'));
    const sql = postgres(server.url, { max: 4, onnotice: () => {}, connection: { TimeZone: 'UTC' } });
    cleanups.push(() => sql.end({ timeout: 5 }));
    return {
      server,
      sql,
      env: (email) => ({
        AGENT_RESOURCES_DATABASE_URL: server.url,
        AGENT_RESOURCES_USER_EMAIL: email,
        AGENT_RESOURCES_TLS_MODE: 'disable',
      }),
      async newUser(label) {
        const email = `${uniqueName(label)}@example.com`;
        const [row] = await sql<{ id: string }[]>`insert into "user" (email) values (${email}) returning id`;
        return { id: row!.id, email };
      },
      async resourceCount() {
        const [row] = await sql<{ n: number }[]>`select count(*)::int as n from resource`;
        return row!.n;
      },
    };
  })();
  return team;
}

export type McpSession = McpConnection;

/** The server spawned with this environment, closed when the suite ends; the output schemas fetched. */
export async function connectServer(env: Record<string, string>, args: string[] = []): Promise<McpSession> {
  const session = await connectMcp((await serverPackage()).serverPath, env, args);
  cleanups.push(() => session.close().catch(() => {}));
  // The client checks every structuredContent against the output schemas listed here.
  await session.client.listTools();
  return session;
}

/** Runs `node dist/mcp.js` to its exit (a start that fails, --help): the exit code and what it wrote. */
export async function runToExit(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const { serverPath } = await serverPackage();
  const child = spawn(process.execPath, [serverPath, ...args], {
    env: { ...getDefaultEnvironment(), TMPDIR: tmpdir(), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/** The structured result of a tool call that must succeed. */
export async function callTool<T = Record<string, unknown>>(session: McpSession, name: string, args: Record<string, unknown>): Promise<T> {
  const result = (await session.client.callTool({ name, arguments: args })) as CallToolResult;
  assert.notEqual(result.isError, true, `${name} failed: ${JSON.stringify(result.content)}`);
  assert.ok(result.structuredContent, `${name} returned no structured content`);
  return result.structuredContent as T;
}

/** The message of a tool call that must fail as a tool error (isError), per the spec for bad arguments. */
export async function toolError(session: McpSession, name: string, args: Record<string, unknown>): Promise<string> {
  const result = (await session.client.callTool({ name, arguments: args })) as CallToolResult;
  assert.equal(result.isError, true, `${name} should have failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
  const [first] = result.content;
  assert.equal(first?.type, 'text');
  return first.type === 'text' ? first.text : '';
}

/** A request that must fail with a JSON-RPC error: its code and message. */
export async function protocolError(work: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await work;
  } catch (err) {
    const { code, message } = err as { code?: unknown; message: string };
    assert.equal(typeof code, 'number', `expected a JSON-RPC error, got ${message}`);
    return { code: code as number, message };
  }
  return assert.fail('the request succeeded');
}

export async function stopAll(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
  cleanups.length = 0;
  built = undefined;
  team = undefined;
}

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopAll();
  },
};

export interface SeedResource {
  name: string;
  type?: 'prompt' | 'workflow' | 'agent_config';
  content: Record<string, unknown>;
  description?: string | null;
  isPublic?: boolean;
}

/** Writes a resource row by plain SQL, as the chat app does; returns its id. */
export async function insertResource(sql: Sql, userId: string, r: SeedResource): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into resource (user_id, name, description, resource_type, content, is_public)
    values (${userId}, ${r.name}, ${r.description ?? null}, ${r.type ?? 'prompt'}, ${sql.json(r.content as postgres.JSONValue)}, ${r.isPublic ?? false})
    returning id`;
  return row!.id;
}
