import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityAlive, processIdentity } from './processes';

/**
 * Each attachment has a file here holding its process's identity: one per handle, since one
 * process (a window reconnecting) may hold a new handle before an old one is released.
 */
export function registerClient(clientsDir: string): () => void {
  const file = join(clientsDir, `${process.pid}-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, processIdentity(), { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

/** The attached processes still running; entries of dead (or reused) pids are removed. */
export function liveClients(clientsDir: string): number[] {
  const live: number[] = [];
  let names: string[];
  try {
    names = readdirSync(clientsDir);
  } catch {
    return live;
  }
  for (const name of names) {
    const file = join(clientsDir, name);
    let identity: string;
    try {
      identity = readFileSync(file, 'utf8');
    } catch {
      continue; // removed meanwhile
    }
    if (identityAlive(identity)) live.push(Number(identity.split(':')[0]));
    else rmSync(file, { force: true });
  }
  return live;
}
