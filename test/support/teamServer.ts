// A throwaway Postgres that plays the team's server in tests: TCP on 127.0.0.1, a password,
// as a team database is reached. Runs the same binaries as the local library.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { serverOsUser } from '../../src/storage/local/libraryPaths';
import { freePort } from './freePort';
import { postgresBinDir } from '../../src/storage/local/postgresProcess';

export interface TeamServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  url: string;
  stop(): Promise<void>;
}

export interface TeamServerOptions {
  /** Serve TLS with this certificate and key (PEM files); without it the server has no TLS. */
  tls?: { certFile: string; keyFile: string };
}

export async function startTeamServer(packageRoot: string, options: TeamServerOptions = {}): Promise<TeamServer> {
  const binDir = postgresBinDir(packageRoot);
  const osUser = serverOsUser();
  // The fixture's own folder: as root its server runs as `postgres`, which must reach it.
  const root = mkdtempSync(join(tmpdir(), 'agent-resources-team-'));
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const password = `team-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(root, 'pw'), password);
  if (osUser) for (const p of [dataDir, join(root, 'pw')]) chownSync(p, osUser.uid, osUser.gid);
  await promisify(execFile)(
    join(binDir, 'initdb'),
    [`--pgdata=${dataDir}`, '--username=postgres', '--auth=scram-sha-256', `--pwfile=${join(root, 'pw')}`, '--encoding=UTF8', '--locale=C'],
    { ...osUser },
  );
  const port = await freePort();
  const server: ChildProcess = spawn(
    join(binDir, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...tlsArgs(root, options, osUser),
    ],
    { ...osUser, stdio: 'ignore' },
  );
  // A development server on this machine without TLS: the one kind the product connects to in plain text, when told so.
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres${options.tls ? '' : '?sslmode=disable'}`;
  for (let i = 0; i < 500 && !(await answers(url)); i++) await new Promise((r) => setTimeout(r, 20));
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
    url,
    async stop() {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGINT');
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The server's TLS settings, its key copied where only its OS user reads it (Postgres insists). */
function tlsArgs(root: string, options: TeamServerOptions, osUser: { uid: number; gid: number } | undefined): string[] {
  if (!options.tls) return [];
  const keyFile = join(root, 'server.key');
  copyFileSync(options.tls.keyFile, keyFile);
  chmodSync(keyFile, 0o600);
  if (osUser) chownSync(keyFile, osUser.uid, osUser.gid);
  return ['-c', 'ssl=on', '-c', `ssl_cert_file=${options.tls.certFile}`, '-c', `ssl_key_file=${keyFile}`];
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
  try {
    await sql`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}
