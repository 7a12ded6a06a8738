import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { liveClients, registerClient } from './clients';
import { withFileLock } from './fileLock';
import { defaultLibraryHome, prepareLibraryPaths, socketPort, type LibraryPaths } from './libraryPaths';
import {
  ensureCluster,
  ensureExecutable,
  lastLogLines,
  postgresBinDir,
  readPostmasterPid,
  serverBinDir,
  serverEnvironment,
  spawnPostgres,
  type PostmasterInfo,
} from './postgresProcess';
import { identityAlive, isAlive, isPostgresIn, postgresProcessesIn } from './processes';
import { supervisorFile, type SupervisorConfig } from './supervisor';

export interface LocalServerOptions {
  /** The extension's (or this package's) folder: the Postgres binaries and the supervisor live there. */
  packageRoot: string;
  /** The library's folder; default: this OS user's (see defaultLibraryHome). */
  home?: string;
  log?: (line: string) => void;
  startTimeoutMs?: number;
  /** How long the server outlives its last client; default 30 s ($AGENT_RESOURCES_LOCAL_IDLE_SECONDS). */
  idleMs?: number;
}

export interface LocalServerHandle {
  /** The private folder of the server's Unix socket: the only way in. */
  socketDir: string;
  port: number;
  user: string;
  database: string;
  /** The postmaster's pid. */
  pid: number;
  /** Whether this call started the server (false: attached to one another process started). */
  started: boolean;
  /** Whether this call created the cluster (the first start ever). */
  initialised: boolean;
  paths: LibraryPaths;
  /** This process no longer needs the server; the last process to release stops it. */
  release(): Promise<void>;
}

/** The driver's connection options for an attached server (no password: the socket is private). */
export function connectionOptions(h: LocalServerHandle): { host: string; port: number; username: string; database: string } {
  return { host: h.socketDir, port: h.port, username: h.user, database: h.database };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const defaultIdleMs = () => (Number(process.env.AGENT_RESOURCES_LOCAL_IDLE_SECONDS) || 30) * 1000;

/**
 * Attaches to this OS user's local library server, starting it when none runs. One server
 * serves every window and agent of the user; each attached process registers under clients/.
 */
export async function attachLocalServer(options: LocalServerOptions): Promise<LocalServerHandle> {
  const { log = () => {} } = options;
  const home = options.home ?? defaultLibraryHome();
  const paths = withFolderHint(home, () => prepareLibraryPaths(home));
  return withFileLock(paths.lockDir, async () => {
    const binDir = serverBinDir(postgresBinDir(options.packageRoot), paths.serverUser);
    ensureExecutable(binDir);
    const initialised = await ensureCluster(binDir, paths, log);
    if (initialised) log(`Created the local library's database in ${paths.dataDir}`);
    let server = await runningPostmaster(paths, log);
    const started = !server;
    const idleMs = options.idleMs ?? defaultIdleMs();
    if (server) {
      if (!supervisorAlive(paths)) spawnSupervisor(options.packageRoot, { paths, postmasterPid: server.pid, idleMs });
      log(`Attached to the local database server (pid ${server.pid})`);
    } else {
      // The supervisor starts beside the server, not before it: its Node start is off the waiting path.
      const postmasterPid = spawnPostgres(binDir, paths);
      spawnSupervisor(options.packageRoot, { paths, postmasterPid, idleMs });
      server = await waitUntilReady(paths, options.startTimeoutMs ?? 30_000, () => isAlive(postmasterPid), postmasterPid);
      log(`Started the local database server (pid ${server.pid}, socket in ${paths.socketDir})`);
    }
    const unregister = registerClient(paths.clientsDir);
    const { pid } = server;
    let released = false;
    return {
      socketDir: paths.socketDir,
      port: socketPort,
      user: 'postgres',
      database: 'postgres',
      pid,
      started,
      initialised,
      paths,
      release: () =>
        withFileLock(paths.lockDir, async () => {
          if (released) return;
          released = true;
          unregister();
          if (liveClients(paths.clientsDir).length > 0) return;
          log(`Last client gone: stopping the local database server (pid ${pid})`);
          await stopPostmaster(paths, pid);
        }),
    };
  });
}

/**
 * The postmaster serving our data folder, if one runs: checked by what the process is (a
 * Postgres working in that folder) and by its socket in our private folder, never by a pid or
 * a port alone, which an unrelated process may hold since. Stale lock files are cleared at once.
 */
async function runningPostmaster(paths: LibraryPaths, log: (line: string) => void): Promise<PostmasterInfo | undefined> {
  const { dataDir } = paths;
  const info = readPostmasterPid(dataDir);
  if (!info) return undefined;
  if (info === 'invalid' || !isPostgresIn(info.pid, dataDir)) {
    await orphansGone(dataDir);
    const aside = `${join(dataDir, 'postmaster.pid')}.stale-${Date.now()}`;
    renameSync(join(dataDir, 'postmaster.pid'), aside);
    log(
      `Cleared a stale server lock file (${info === 'invalid' ? 'unreadable' : `pid ${info.pid} is not this library's server`}); kept as ${aside}`,
    );
    return undefined;
  }
  try {
    return await waitUntilReady(paths, 30_000, () => isAlive(info.pid), info.pid);
  } catch {
    // Ours, but not on our socket (started by an older version): restart it our way.
    log(`The local database server (pid ${info.pid}) does not answer on its socket: restarting it`);
    await stopPostmaster(paths, info.pid);
    return undefined;
  }
}

/** Backends of a killed postmaster hold its shared memory for a moment; Postgres waits for them. */
async function orphansGone(dataDir: string): Promise<void> {
  for (let i = 0; i < 250 && postgresProcessesIn(dataDir).length > 0; i++) await sleep(20);
  if (postgresProcessesIn(dataDir).length > 0) {
    throw new Error(
      `Postgres processes still run in ${dataDir} without their server (pids ${postgresProcessesIn(dataDir).join(', ')}). Stop them, then retry.`,
    );
  }
}

/** Waits for the postmaster (any, or `expectedPid`) to be ready on our socket, while `alive()` says it may still come. */
async function waitUntilReady(paths: LibraryPaths, timeoutMs: number, alive: () => boolean, expectedPid?: number): Promise<PostmasterInfo> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = readPostmasterPid(paths.dataDir);
    const candidate = typeof info === 'object' && (expectedPid === undefined || info.pid === expectedPid) ? info : undefined;
    if (candidate?.status === 'ready' && isPostgresIn(candidate.pid, paths.dataDir) && (await socketAccepts(paths))) return candidate;
    if (!alive()) break;
    await sleep(20);
  }
  const logTail = lastLogLines(paths.logFile);
  throw new Error(`The local database server did not start${logTail ? `: ${logTail}` : ''}. The full log is ${paths.logFile}.`);
}

function socketAccepts(paths: LibraryPaths): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ path: join(paths.socketDir, `.s.PGSQL.${socketPort}`), timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Fast shutdown (SIGINT): open transactions roll back, committed data is kept. */
async function stopPostmaster(paths: LibraryPaths, pid: number): Promise<void> {
  if (!isPostgresIn(pid, paths.dataDir)) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 500 && isAlive(pid); i++) await sleep(10);
}

function supervisorAlive(paths: LibraryPaths): boolean {
  try {
    return identityAlive(readFileSync(supervisorFile(paths.home), 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Starts the supervisor detached, on the Node running us (in desktop VS Code that is
 * Electron, hence ELECTRON_RUN_AS_NODE), with the server's minimal environment.
 */
function spawnSupervisor(packageRoot: string, config: SupervisorConfig): number {
  rmSync(supervisorFile(config.paths.home), { force: true });
  const fromSource = __filename.endsWith('.ts');
  const script = fromSource
    ? ['--import', 'tsx', join(__dirname, 'supervisorMain.ts')]
    : [join(packageRoot, 'dist', 'local-server-supervisor.js')];
  if (!fromSource && !existsSync(script[0]!)) throw new Error(`${script[0]} is missing: reinstall the extension.`);
  const errors = openSync(config.paths.logFile, 'a', 0o600);
  try {
    const child = spawn(process.execPath, [...script, JSON.stringify(config)], {
      cwd: packageRoot,
      detached: true,
      stdio: ['ignore', 'ignore', errors],
      env: { ...serverEnvironment(), ELECTRON_RUN_AS_NODE: '1' },
    });
    child.unref();
    if (!child.pid) throw new Error('The local database server could not be started: its supervisor process did not start.');
    return child.pid;
  } finally {
    closeSync(errors);
  }
}

/** Turns Node's raw permission errors on the library's folder into what to do about them. */
function withFolderHint<T>(home: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR') {
      const where = (err as NodeJS.ErrnoException).path ?? home;
      throw new Error(
        `The local library's folder ${where} cannot be written (${code}). Give your OS user write access to it, or set AGENT_RESOURCES_HOME to a folder you own, then retry.`,
        { cause: err },
      );
    }
    throw err;
  }
}
