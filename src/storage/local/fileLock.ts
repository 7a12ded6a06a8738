import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './postgresProcess';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` while holding a lock shared by every process on this machine (mkdir is atomic).
 * A lock left by a dead process, or older than `staleMs`, is taken over.
 */
export async function withFileLock<T>(lockDir: string, work: () => Promise<T>, { timeoutMs = 60_000, staleMs = 60_000 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'owner'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (isStale(lockDir, staleMs)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${lockDir}: another process holds it.`, { cause: err });
      await sleep(25 + Math.random() * 25);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function isStale(lockDir: string, staleMs: number): boolean {
  try {
    const owner = Number(readFileSync(join(lockDir, 'owner'), 'utf8'));
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) return true;
    return Date.now() - statSync(lockDir).mtimeMs > staleMs;
  } catch {
    // The owner file is written right after mkdir; give a fresh lock a moment before judging it.
    try {
      return Date.now() - statSync(lockDir).mtimeMs > 2_000;
    } catch {
      return false;
    }
  }
}
