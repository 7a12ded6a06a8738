import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityAlive, processIdentity } from './processes';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` while holding a lock shared by every process on this machine. The lock folder
 * appears with its owner file already in it (made aside, then renamed into place), so a lock
 * whose owner is missing, unreadable or no longer running is stale at once and taken over.
 */
export async function withFileLock<T>(lockDir: string, work: () => Promise<T>, { timeoutMs = 60_000 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!tryAcquire(lockDir)) {
    const owner = readOwner(lockDir);
    if (owner !== undefined && !identityAlive(owner)) {
      takeOver(lockDir, owner);
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs / 1000} s waiting for ${lockDir}, held by process ${owner?.split(':')[0]}. If no such process runs, delete that folder.`,
      );
    }
    await sleep(20 + Math.random() * 20);
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function tryAcquire(lockDir: string): boolean {
  const staging = `${lockDir}.${process.pid}.${randomBytes(4).toString('hex')}`;
  mkdirSync(staging, { mode: 0o700 });
  writeFileSync(join(staging, 'owner'), processIdentity());
  try {
    // Fails when the lock exists (a lock folder is never empty: it has its owner file).
    renameSync(staging, lockDir);
    return true;
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') return false;
    throw err;
  }
}

/** The owner's identity; '' for a lock folder without a readable owner (left by older versions). */
function readOwner(lockDir: string): string | undefined {
  try {
    return readFileSync(join(lockDir, 'owner'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !statSync(lockDir, { throwIfNoEntry: false })) return undefined;
    return '';
  }
}

/**
 * Moves a stale lock aside (atomic: of two processes taking it over, one wins) and deletes it.
 * Should the lock have changed hands in between, it is put back.
 */
function takeOver(lockDir: string, staleOwner: string): void {
  const aside = `${lockDir}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(lockDir, aside);
  } catch {
    return; // someone else took it over first
  }
  if (readOwner(aside) !== staleOwner) {
    try {
      renameSync(aside, lockDir);
      return;
    } catch {
      // a third process took the lock meanwhile: the one we moved was released anyway
    }
  }
  rmSync(aside, { recursive: true, force: true });
}
