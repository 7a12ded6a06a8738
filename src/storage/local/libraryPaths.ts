import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Postgres runs as this OS user when we are root: it refuses to run as root. */
export interface OsUser {
  uid: number;
  gid: number;
}

/** Where one OS user's local library lives. */
export interface LibraryPaths {
  /** This OS user's folder: lock, client registrations, server log (0700). */
  home: string;
  /** The folder the server's OS user owns: the cluster, the socket folder, the access rules. */
  clusterRoot: string;
  dataDir: string;
  /** The server listens only on a Unix socket here (0700): whoever reaches it is this OS user. */
  socketDir: string;
  hbaFile: string;
  logFile: string;
  clientsDir: string;
  lockDir: string;
  /** Set when we are root: the server runs as this OS user, which owns clusterRoot. */
  serverUser: OsUser | undefined;
}

/** The socket's port number: only part of its file name, as the server opens no TCP port. */
export const socketPort = 5432;
// sun_path holds 108 bytes; keep room for "/.s.PGSQL.5432.lock".
const maxSocketDirLength = 107 - '/.s.PGSQL.5432.lock'.length;

/**
 * The folder of this OS user's local library, shared by every VS Code window, profile and
 * agent of the user: $AGENT_RESOURCES_HOME, else the platform's per-user data folder.
 */
export function defaultLibraryHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AGENT_RESOURCES_HOME) return env.AGENT_RESOURCES_HOME;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'agent-resources');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'agent-resources');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'agent-resources');
}

/** As root: the server's binaries and clusters (one per library home, owned by the server's user). */
export const rootDataDir = '/var/lib/agent-resources';
export const rootClustersDir = join(rootDataDir, 'clusters');

/**
 * Makes the library's folders (never loosening any folder it did not make) and returns them.
 * As root, the cluster lives under /var/lib/agent-resources, owned by the OS user `postgres`,
 * because that user cannot reach a home that is 0700 (as /root is).
 */
export function prepareLibraryPaths(home: string): LibraryPaths {
  makePrivateDir(home);
  const serverUser = serverOsUser();
  const clusterRoot = serverUser ? join(rootClustersDir, libraryId(home)) : home;
  if (serverUser) {
    makeSharedDir(rootDataDir);
    makeSharedDir(rootClustersDir);
    makePrivateDir(clusterRoot, serverUser);
    replaceFile(join(home, 'cluster-location'), `${clusterRoot}\n`);
  }
  const socketDir = privateSocketDir(clusterRoot, home, serverUser);
  const paths: LibraryPaths = {
    home,
    clusterRoot,
    dataDir: join(clusterRoot, 'pgdata'),
    socketDir,
    hbaFile: join(clusterRoot, 'access.conf'),
    logFile: join(home, 'postgres.log'),
    clientsDir: join(home, 'clients'),
    lockDir: join(home, 'start.lock'),
    serverUser,
  };
  makePrivateDir(paths.clientsDir);
  writeAccessRules(paths);
  return paths;
}

/** Our own folder under /var/lib that the server's user must traverse: 0755 whatever the umask. */
export function makeSharedDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  if ((lstatSync(dir).mode & 0o755) !== 0o755) chmodSync(dir, 0o755);
}

/** A short stable name for a library home (its real path hashed). */
function libraryId(home: string): string {
  return createHash('sha256').update(realpathSync(home)).digest('hex').slice(0, 16);
}

/**
 * Unix socket only, no password: the socket folder is 0700, so only this OS user (and root)
 * can connect. A lost password can then never lock anyone out of their library.
 */
function writeAccessRules(paths: LibraryPaths): void {
  replaceFile(
    paths.hbaFile,
    '# Written by Agent Resources: the Unix socket only (its folder is private).\nlocal all all trust\n',
    paths.serverUser,
  );
}

/**
 * Puts `text` in a 0600 file that another process may be reading: unchanged when it already holds
 * it, else written beside it and renamed over it. This runs before the start lock is taken, and a
 * plain write empties the file first: a server another window was starting read empty access
 * rules and refused to start ("contains no entries").
 */
function replaceFile(path: string, text: string, owner?: OsUser): void {
  try {
    if (readFileSync(path, 'utf8') === text) return;
  } catch {
    // not there yet
  }
  const staged = `${path}.${process.pid}.tmp`;
  writeFileSync(staged, text, { mode: 0o600 });
  if (owner) chownSync(staged, owner.uid, owner.gid);
  renameSync(staged, path);
}

function privateSocketDir(clusterRoot: string, home: string, owner: OsUser | undefined): string {
  let dir = join(clusterRoot, 'socket');
  // A deep home would make a socket path longer than the OS allows: use a private folder in tmp.
  if (dir.length > maxSocketDirLength) dir = join(tmpdir(), `agent-resources-${process.getuid?.() ?? 'user'}-${libraryId(home)}`);
  makePrivateDir(dir, owner);
  return dir;
}

/**
 * Creates `dir` as 0700 (owned by `owner` when given); an existing one must be a real folder
 * owned by the expected user, else it may be someone else's trap (in a shared tmp folder).
 */
function makePrivateDir(dir: string, owner?: OsUser): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  const uid = owner?.uid ?? process.getuid?.();
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder. Move it away and try again.`);
  if (owner) {
    if (stat.uid !== owner.uid || stat.gid !== owner.gid) chownSync(dir, owner.uid, owner.gid);
  } else if (uid !== undefined && stat.uid !== uid) {
    throw new Error(`${dir} belongs to another OS user (uid ${stat.uid}). Remove it, or set AGENT_RESOURCES_HOME to a folder of yours.`);
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/**
 * Postgres refuses to run as root. When VS Code runs as root (containers, CI), the server
 * runs as the OS user `postgres`, created when missing.
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
