// The MCP suite's real parts: dist/mcp.js built for this run into a package folder of its own,
// the SDK's own Client spawning it over stdio, and a TCP + password Postgres as the team database.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PromptListChangedNotificationSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import postgres, { type Sql } from 'postgres';
import { migrateDatabase } from '../../src/db/migrate';
import { startTeamServer, type TeamServer } from '../support/teamServer';
import { uniqueName } from '../support/embedded-postgres';

export const repoRoot = join(__dirname, '..', '..');
const cleanups: (() => Promise<void> | void)[] = [];

let built: Promise<string> | undefined;
/**
 * A package folder as the .vsix or npm lays it out: dist/mcp.js (and the supervisor it starts for
 * a local library) built by esbuild.mjs's own options, beside migrations/ and node_modules/.
 */
export function serverPackage(): Promise<string> {
  built ??= (async () => {
    const root = mkdtempSync(join(tmpdir(), 'agent-resources-mcp-'));
    chmodSync(root, 0o755);
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    // A variable specifier: the build script is plain JavaScript, typed here by what it returns.
    const script = pathToFileURL(join(repoRoot, 'esbuild.mjs')).href;
    const { build } = (await import(script)) as { build(names: string[], options: { outdir: string }): Promise<unknown> };
    await build(['mcp', 'supervisor'], { outdir: join(root, 'dist') });
    for (const part of ['migrations', 'node_modules']) symlinkSync(join(repoRoot, part), join(root, part));
    return root;
  })();
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

export interface McpSession {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** How many notifications/prompts/list_changed arrived so far. */
  readonly listChanges: number;
  /** Resolves with the milliseconds waited when the next list_changed arrives; rejects after `timeoutMs`. */
  nextListChange(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Spawns `node dist/mcp.js` with only this environment (and the SDK's default PATH, HOME...) and connects the SDK's Client. */
export async function connectServer(env: Record<string, string>, args: string[] = []): Promise<McpSession> {
  const root = await serverPackage();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [join(root, 'dist', 'mcp.js'), ...args],
    env: { ...getDefaultEnvironment(), TMPDIR: tmpdir(), ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'agent-resources-test', version: '1.0.0' });
  let count = 0;
  const waiting = new Set<() => void>();
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => {
    count++;
    for (const wake of [...waiting]) wake();
  });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`the server did not start: ${(err as Error).message}\n${stderr}`);
  }
  // The client checks every structuredContent against the output schemas listed here.
  await client.listTools();
  const session: McpSession = {
    client,
    stderr: () => stderr,
    get listChanges() {
      return count;
    },
    nextListChange(timeoutMs = 5000) {
      const started = performance.now();
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(wake);
          reject(new Error(`no notifications/prompts/list_changed within ${timeoutMs} ms`));
        }, timeoutMs);
        const wake = () => {
          clearTimeout(timer);
          waiting.delete(wake);
          resolve(performance.now() - started);
        };
        waiting.add(wake);
      });
    },
    close: () => client.close(),
  };
  cleanups.push(() => client.close().catch(() => {}));
  return session;
}

/** Runs `node dist/mcp.js` to its exit (a start that fails, --help): the exit code and what it wrote. */
export async function runToExit(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { spawn } = await import('node:child_process');
  const root = await serverPackage();
  const child = spawn(process.execPath, [join(root, 'dist', 'mcp.js'), ...args], {
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
