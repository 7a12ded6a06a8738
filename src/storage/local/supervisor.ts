// The local server's supervisor: a small detached process that starts Postgres (or adopts a
// running one) and stops it once no window or agent has been attached for a while, even when
// every one of them was killed. Run as `node supervisor.js '<json SupervisorConfig>'`.
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './fileLock';
import type { LibraryPaths } from './libraryPaths';
import { liveClients } from './clients';
import { postgresArgs, serverEnvironment } from './postgresProcess';
import { isAlive, processIdentity } from './processes';

export interface SupervisorConfig {
  binDir: string;
  paths: LibraryPaths;
  /** Stop the server after this long without an attached client. */
  idleMs: number;
  /** Adopt this running postmaster instead of starting one. */
  adoptPid?: number;
}

export const supervisorFile = (home: string) => join(home, 'supervisor');
const pollMs = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function supervise(config: SupervisorConfig): Promise<void> {
  const { paths } = config;
  writeFileSync(supervisorFile(paths.home), processIdentity(), { mode: 0o600 });
  const postmaster = config.adoptPid ?? startPostgres(config);
  const stop = () => signal(postmaster, 'SIGINT');
  process
    .on('SIGTERM', stop)
    .on('SIGINT', stop)
    .on('SIGHUP', () => {});
  try {
    await watchClients(config, postmaster, stop);
  } finally {
    // Whatever ended the watch (even a library folder deleted under us), no server is left behind.
    if (isAlive(postmaster)) stop();
    while (isAlive(postmaster)) await sleep(20);
  }
}

/** Returns once the server stopped, or after stopping it when no client was attached for `idleMs`. */
async function watchClients({ paths, idleMs }: SupervisorConfig, postmaster: number, stop: () => void): Promise<void> {
  let idleSince: number | undefined;
  while (isAlive(postmaster)) {
    await sleep(pollMs);
    if (liveClients(paths.clientsDir).length > 0) {
      idleSince = undefined;
      continue;
    }
    idleSince ??= Date.now();
    if (Date.now() - idleSince < idleMs) continue;
    // Under the start lock, so a window attaching right now either comes first or finds it stopped.
    await withFileLock(paths.lockDir, async () => {
      if (liveClients(paths.clientsDir).length > 0) return;
      stop();
      while (isAlive(postmaster)) await sleep(20);
    });
  }
}

function startPostgres({ binDir, paths }: SupervisorConfig): number {
  const log = openSync(paths.logFile, 'a', 0o600);
  try {
    const child = spawn(join(binDir, 'postgres'), postgresArgs(paths), {
      stdio: ['ignore', log, log],
      ...paths.serverUser,
      env: serverEnvironment(),
    });
    if (!child.pid) throw new Error('the postgres process did not start');
    return child.pid;
  } finally {
    closeSync(log);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

if (require.main === module) {
  supervise(JSON.parse(process.argv[2] ?? '{}') as SupervisorConfig).then(
    () => process.exit(0),
    (err) => {
      process.stderr.write(`agent-resources supervisor: ${String((err as Error)?.stack ?? err)}\n`);
      process.exit(1);
    },
  );
}
