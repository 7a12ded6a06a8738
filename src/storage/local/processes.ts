import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';

/** Alive and not a zombie: a zombie has exited, it only waits for its parent to reap it. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.state !== 'Z';
}

/**
 * When the process started (clock ticks since boot, from /proc): with the pid, it names one
 * process, so a pid reused by an unrelated process is not taken for the one we recorded.
 * Undefined where /proc is not available.
 */
export function processStartTime(pid: number): string | undefined {
  return procStat(pid)?.startTime;
}

/** A pid and start time, as written to lock and client files: `pid:start`. */
export function processIdentity(pid = process.pid): string {
  return `${pid}:${processStartTime(pid) ?? ''}`;
}

/** Whether the process a `pid:start` identity names is still running (false for garbage). */
export function identityAlive(identity: string): boolean {
  const match = /^(\d+):(\d*)$/.exec(identity.trim());
  if (!match) return false;
  const pid = Number(match[1]);
  if (!isAlive(pid)) return false;
  const recorded = match[2];
  const now = processStartTime(pid);
  return !recorded || now === undefined || recorded === now;
}

function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

/**
 * Whether `pid` is a Postgres process working in `dataDir`: Postgres changes into its data
 * folder, so the process's working folder names the cluster it serves. A pid reused by an
 * unrelated process, or another user's process we may not inspect, is not ours.
 */
export function isPostgresIn(pid: number, dataDir: string): boolean {
  if (!isAlive(pid)) return false;
  if (process.platform !== 'linux') return commandName(pid).includes('postgres');
  try {
    return readlinkSync(`/proc/${pid}/cwd`) === realpathSync(dataDir) && readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres');
  } catch {
    return false;
  }
}

/** Every Postgres process (postmaster or backend) working in `dataDir`; Linux only, else empty. */
export function postgresProcessesIn(dataDir: string): number[] {
  if (process.platform !== 'linux') return [];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (Number.isInteger(pid) && pid !== process.pid && isPostgresIn(pid, dataDir)) found.push(pid);
  }
  return found;
}

function commandName(pid: number): string {
  try {
    return execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' });
  } catch {
    return '';
  }
}
