import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { withFileLock } from './fileLock';
import {
  ensureExecutable,
  initialiseCluster,
  isAlive,
  lastLogLines,
  readPostmasterPid,
  serverOsUser,
  spawnServer,
  type PostmasterInfo,
} from './postgresProcess';

export interface LocalServerOptions {
  /** The extension's global storage folder: the data folder and the lock files live here. */
  storageDir: string;
  /** Folder of the initdb and postgres binaries (see postgresBinDir). */
  binDir: string;
  log?: (line: string) => void;
  startTimeoutMs?: number;
}

export interface LocalServerHandle {
  host: string;
  port: number;
  user: string;
  /** Secret: for the connection only, never for logs or messages. */
  password: string;
  database: string;
  /** Whether this call started the server (false: attached to one another window started). */
  started: boolean;
  /** Whether this call created the cluster (the first start ever). */
  initialised: boolean;
  /** This process no longer needs the server; the last process to release stops it. */
  release(): Promise<void>;
}

/** The driver's connection options for an attached server. */
export function connectionOptions(h: LocalServerHandle): { host: string; port: number; username: string; password: string; database: string } {
  return { host: h.host, port: h.port, username: h.user, password: h.password, database: h.database };
}

/** The same as a postgres:// URL (for code that takes a connection string). */
export function connectionUrl(h: LocalServerHandle): string {
  return `postgres://${h.user}:${encodeURIComponent(h.password)}@${h.host}:${h.port}/${h.database}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Attaches to the local library's Postgres, starting it when no live server owns the data
 * folder. One server serves every window of the user: Postgres' own postmaster.pid tells
 * its pid and port; each attached process registers under clients/.
 */
export async function attachLocalServer(options: LocalServerOptions): Promise<LocalServerHandle> {
  const { storageDir, binDir, log = () => {} } = options;
  const dataDir = join(storageDir, 'pgdata');
  const clientsDir = join(storageDir, 'clients');
  const lockDir = join(storageDir, 'start.lock');
  prepareStorageDir(storageDir, clientsDir);

  return withFileLock(lockDir, async () => {
    const password = localPassword(storageDir);
    const osUser = serverOsUser();
    ensureExecutable(binDir);
    let initialised = false;
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      log(`Creating the local library's database in ${dataDir}`);
      await initialiseCluster(binDir, dataDir, password, osUser);
      initialised = true;
    }
    let server = await runningServer(dataDir);
    let started = false;
    if (server) {
      log(`Attached to the local database server (pid ${server.pid}, port ${server.port})`);
    } else {
      const port = await freePort();
      const logFile = join(storageDir, 'postgres.log');
      const pid = spawnServer(binDir, dataDir, port, logFile, osUser);
      server = await waitUntilReady(dataDir, pid, port, logFile, options.startTimeoutMs ?? 30_000);
      started = true;
      log(`Started the local database server (pid ${pid}, port ${port})`);
    }
    writeFileSync(join(clientsDir, String(process.pid)), String(server.pid));
    const { pid: serverPid } = server;
    return {
      host: '127.0.0.1',
      port: server.port,
      user: 'postgres',
      password,
      database: 'postgres',
      started,
      initialised,
      release: () => withFileLock(lockDir, async () => {
        rmSync(join(clientsDir, String(process.pid)), { force: true });
        if (liveClients(clientsDir).length > 0) return;
        log(`Last window closed: stopping the local database server (pid ${serverPid})`);
        await stopServer(dataDir, serverPid);
      }),
    };
  });
}

function prepareStorageDir(storageDir: string, clientsDir: string): void {
  mkdirSync(clientsDir, { recursive: true });
  // As root the server runs as `postgres`, which must be able to reach its data folder.
  if (process.getuid?.() === 0) chmodSync(storageDir, 0o755);
}

/** The local server's password, made once and kept in a file only this OS user can read. */
function localPassword(storageDir: string): string {
  const file = join(storageDir, 'credentials');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return stored;
  } catch {
    // first start: made below
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  // A cluster made with another password would refuse it: only a new cluster takes a new one.
  rmSync(join(storageDir, 'pgdata', 'PG_VERSION'), { force: true });
  return password;
}

/** The server that owns the data folder, if it is alive and accepting connections. */
async function runningServer(dataDir: string): Promise<PostmasterInfo | undefined> {
  const info = readPostmasterPid(dataDir);
  if (!info || !isAlive(info.pid)) return undefined;
  if (info.status === 'ready' && (await acceptsConnections(info.port))) return info;
  if (info.status === 'starting') return waitUntilReady(dataDir, info.pid, info.port, '', 30_000).catch(() => undefined);
  return undefined;
}

async function waitUntilReady(dataDir: string, pid: number, port: number, logFile: string, timeoutMs: number): Promise<PostmasterInfo> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = readPostmasterPid(dataDir);
    if (info?.pid === pid && info.status === 'ready' && (await acceptsConnections(port))) return info;
    if (!isAlive(pid)) {
      throw new Error(`The local database server stopped while starting: ${lastLogLines(logFile) || 'no log output'}`);
    }
    await sleep(20);
  }
  throw new Error(`The local database server did not start within ${timeoutMs / 1000} s: ${lastLogLines(logFile)}`);
}

function liveClients(clientsDir: string): number[] {
  const live: number[] = [];
  for (const name of readdirSync(clientsDir)) {
    const pid = Number(name);
    if (Number.isInteger(pid) && isAlive(pid)) live.push(pid);
    else rmSync(join(clientsDir, name), { force: true });
  }
  return live;
}

/** Fast shutdown (SIGINT): open transactions roll back, committed data is kept. */
async function stopServer(dataDir: string, pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let i = 0; i < 500 && isAlive(pid); i++) await sleep(20);
  if (readPostmasterPid(dataDir)?.pid === pid && !isAlive(pid)) rmSync(join(dataDir, 'postmaster.pid'), { force: true });
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** A port nothing listens on right now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
