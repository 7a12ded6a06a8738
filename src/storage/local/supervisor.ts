// The local server's supervisor: a small detached process that watches a running Postgres and
// stops it once no window or agent has been attached for a while, even when every one of them
// was killed. Run as `node local-server-supervisor.js '<json SupervisorConfig>'` (supervisorMain.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './fileLock';
import type { LibraryPaths } from './libraryPaths';
import { liveClients } from './clients';
import { isAlive, processIdentity } from './processes';

export interface SupervisorConfig {
  paths: LibraryPaths;
  /** The postmaster to watch. */
  postmasterPid: number;
  /** Stop the server after this long without an attached client. */
  idleMs: number;
}

export const supervisorFile = (home: string) => join(home, 'supervisor');
const pollMs = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function supervise(config: SupervisorConfig): Promise<void> {
  const postmaster = config.postmasterPid;
  const stop = () => signal(postmaster, 'SIGINT');
  process
    .on('SIGTERM', stop)
    .on('SIGINT', stop)
    .on('SIGHUP', () => {});
  try {
    writeFileSync(supervisorFile(config.paths.home), processIdentity(), { mode: 0o600 });
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

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
