import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityAlive, processIdentity } from './processes';

/** Each process attached to the local server has a file here named by its pid, holding its identity. */
export function registerClient(clientsDir: string): () => void {
  const file = join(clientsDir, String(process.pid));
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
    if (identityAlive(identity)) live.push(Number(name));
    else rmSync(file, { force: true });
  }
  return live;
}
