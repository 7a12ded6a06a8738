// A second process for the local-server tests: attaches, writes N rows, reports, releases.
import { createDatabaseClient } from '../../src/db/client';
import { attachLocalServer, connectionOptions } from '../../src/storage/local/localServer';

async function main() {
  const [home, rows, label, hold] = process.argv.slice(2);
  const handle = await attachLocalServer({ home: home!, packageRoot: process.cwd(), idleMs: 1000 });
  const client = createDatabaseClient(undefined, { ...connectionOptions(handle), max: 4 });
  // The test made the table before starting the workers: no race on creating it.
  await Promise.all(Array.from({ length: Number(rows) }, (_, n) => client.sql`insert into writes values (${label!}, ${n})`));
  process.stdout.write(JSON.stringify({ pid: handle.pid, started: handle.started }) + '\n');
  if (hold === 'hold') await new Promise((r) => process.stdin.once('data', r));
  await client.close();
  await handle.release();
}
main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
