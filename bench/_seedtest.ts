import postgres from 'postgres';
import { join } from 'node:path';
import { startBenchServer } from '/work/main/bench/lib/server';
import { migrateDatabase } from '/work/main/src/db/migrate';
import { seed } from '/work/main/bench/seed';
async function main() {
const t0 = performance.now();
const server = await startBenchServer();
console.log('server', Math.round(performance.now() - t0));
try {
  await migrateDatabase(server.url, join('/work/main', 'migrations'));
  console.log('migrated', Math.round(performance.now() - t0));
  const conns = [postgres(server.url, { max: 1, onnotice: () => {} }), postgres(server.url, { max: 1, onnotice: () => {} })];
  const r = await seed(conns);
  console.log(JSON.stringify(r, null, 1));
  const [s] = await conns[0].unsafe(`select pg_size_pretty(pg_total_relation_size('resource')) total, pg_size_pretty(pg_relation_size('resource')) heap`);
  console.log(s);
  console.log(await conns[0].unsafe(`select indexname, pg_size_pretty(pg_relation_size(indexname::regclass)) from pg_indexes where tablename='resource'`));
  console.log(await conns[0].unsafe(`select name, description, resource_type, pinned, updated_at, content from resource limit 3`));
  for (const t of ['review','backoff','zanzibar','quokka']) console.log(t, await conns[0].unsafe(`select count(*) filter (where u.email='bench-big@example.com') big, count(*) all from resource r join "user" u on u.id=r.user_id where name ilike $1 or description ilike $1`, ['%'+t+'%']));
  await Promise.all(conns.map(c => c.end()));
} finally { await server.stop(); }
console.log('total', Math.round(performance.now() - t0));
}
main().catch(e => { console.error(e); process.exit(1); });
