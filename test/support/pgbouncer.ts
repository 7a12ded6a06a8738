// A real PgBouncer (Debian's package, /usr/sbin/pgbouncer) in front of a test or bench Postgres,
// on 127.0.0.1, in transaction pooling unless told otherwise. Logins are checked with SCRAM
// against the server's own verifiers (copied from pg_authid into its auth_file), so PgBouncer
// logs in to the server as the member did: every login gets a pool of its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { serverOsUser } from '../../src/storage/local/libraryPaths';
import { freePort } from './freePort';

export const pgbouncerBinary = '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  /** The Postgres behind it (127.0.0.1) and a superuser connection to it (reads pg_authid). */
  serverPort: number;
  superuser: Sql;
  poolMode?: 'transaction' | 'session';
  /** Server connections per (database, login) pool; default 20 (PgBouncer's). */
  defaultPoolSize?: number;
  /** Server connections for the whole database, all pools together; default unlimited. */
  maxDbConnections?: number;
  /** More pgbouncer.ini settings, e.g. { server_idle_timeout: '5' }. */
  settings?: Record<string, string>;
}

export interface PgBouncer {
  port: number;
  /** A URL through PgBouncer for this login (plain TCP on 127.0.0.1: sslmode=disable). */
  url(login: string, password: string, database?: string): string;
  /** Rows of an admin console command (SHOW CLIENTS, SHOW SERVERS, SHOW POOLS...). */
  show(command: string): Promise<Record<string, unknown>[]>;
  /** Copies the server's current logins and their verifiers again (after new members were added). */
  reloadLogins(): Promise<void>;
  /** PgBouncer's log, for a failure's message. */
  log(): string;
  stop(): Promise<void>;
}

export function pgbouncerInstalled(): boolean {
  return existsSync(pgbouncerBinary);
}

export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  if (!pgbouncerInstalled()) throw new Error(`${pgbouncerBinary} is missing: apt-get install pgbouncer`);
  const osUser = serverOsUser();
  const root = mkdtempSync(join(tmpdir(), 'agent-resources-pgbouncer-'));
  chmodSync(root, 0o755);
  // Its log and pid file are written by PgBouncer's OS user.
  if (osUser) chownSync(root, osUser.uid, osUser.gid);
  const port = await freePort();
  const adminLogin = 'pgbouncer_console';
  const adminPassword = randomBytes(12).toString('hex');
  const authFile = join(root, 'userlist.txt');
  const logFile = join(root, 'pgbouncer.log');
  const writeLogins = async () => {
    const rows = await options.superuser<{ rolname: string; rolpassword: string }[]>`
      select rolname, rolpassword from pg_authid where rolcanlogin and rolpassword like 'SCRAM-SHA-256$%'`;
    const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const lines = [[adminLogin, adminPassword], ...rows.map((r) => [r.rolname, r.rolpassword])].map(
      ([u, p]) => `${quote(u!)} ${quote(p!)}`,
    );
    writeFileSync(authFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    if (osUser) chownSync(authFile, osUser.uid, osUser.gid);
  };
  await writeLogins();
  const settings: Record<string, string> = {
    listen_addr: '127.0.0.1',
    listen_port: String(port),
    unix_socket_dir: '',
    auth_type: 'scram-sha-256',
    auth_file: authFile,
    admin_users: adminLogin,
    pool_mode: options.poolMode ?? 'transaction',
    default_pool_size: String(options.defaultPoolSize ?? 20),
    max_db_connections: String(options.maxDbConnections ?? 0),
    max_client_conn: '5000',
    logfile: logFile,
    pidfile: join(root, 'pgbouncer.pid'),
    // The log is for failures: one line per login would be tens of thousands in the bench.
    log_connections: '0',
    log_disconnections: '0',
    ...options.settings,
  };
  const ini = [
    '[databases]',
    `* = host=127.0.0.1 port=${options.serverPort}`,
    '[pgbouncer]',
    ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
    '',
  ].join('\n');
  const iniFile = join(root, 'pgbouncer.ini');
  writeFileSync(iniFile, ini);
  // PgBouncer refuses to run as root: as root it runs as the OS user the test servers run as.
  const child: ChildProcess = spawn(pgbouncerBinary, [iniFile], { ...osUser, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const log = () => `${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}${stderr}`;

  let console_: Sql | undefined;
  const consoleSql = () =>
    (console_ ??= postgres({
      host: '127.0.0.1',
      port,
      database: 'pgbouncer',
      username: adminLogin,
      password: adminPassword,
      max: 1,
      // The console speaks the simple protocol only, and has no pg_type to read.
      fetch_types: false,
      onnotice: () => {},
    }));
  const show = async (command: string) => [...(await consoleSql().unsafe(command))] as Record<string, unknown>[];
  let ready = false;
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    try {
      await show('SHOW VERSION');
      ready = true;
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  if (!ready) {
    child.kill('SIGKILL');
    await exited;
    const why = log();
    rmSync(root, { recursive: true, force: true });
    throw new Error(`PgBouncer did not start: ${why.slice(-2000)}`);
  }
  return {
    port,
    url: (login, password, database = 'postgres') =>
      `postgres://${encodeURIComponent(login)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}?sslmode=disable`,
    show,
    async reloadLogins() {
      await writeLogins();
      await show('RELOAD');
    },
    log,
    async stop() {
      await console_?.end({ timeout: 1 }).catch(() => {});
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
