// A second process for the local-server tests: attaches, writes N rows, reports, releases.
import { createDatabaseClient } from '../../src/db/client';
import { attachLocalServer, connectionOptions } from '../../src/storage/local/localServer';
import { postgresBinDir } from '../../src/storage/local/postgresProcess';

async function main() {
  const [storageDir, rows, label, hold] = process.argv.slice(2);
  const handle = await attachLocalServer({ storageDir: storageDir!, binDir: postgresBinDir(process.cwd()) });
  const client = createDatabaseClient(undefined, { ...connectionOptions(handle), max: 4 });
  await client.sql`create table if not exists writes (label text, n int, primary key (label, n))`;
  await Promise.all(Array.from({ length: Number(rows) }, (_, n) => client.sql`insert into writes values (${label!}, ${n})`));
  process.stdout.write(JSON.stringify({ port: handle.port, started: handle.started }) + '\n');
  if (hold === 'hold') await new Promise((r) => process.stdin.once('data', r));
  await client.close();
  await handle.release();
}
main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err));
  process.exit(1);
});
