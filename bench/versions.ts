// Versions and tags bench (issue 15's targets), each through the Library as a surface calls it:
//   - the first page of the history of a resource with 1,000 versions;
//   - the tag filter's first page for a user with 100,000 resources (a common, a mid-frequency and a rare tag);
//   - a save (as the editor makes it: conditional on the loaded version) with the versions trigger on
//     and with it off, in the same run, alternating blocks, and their ratio.
// Part of bench/db.ts (on the seeded million-row database, tagging its 100,000-resource user); alone,
// on an empty server with a user of its own: `node --import tsx bench/versions.ts`.
import { join } from 'node:path';
import postgres from 'postgres';
import { createDatabaseClient, type DatabaseClient } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { ensureUser } from '../src/db/users';
import { Library, sessionRunner } from '../src/library/library';
import { figure, median, ms, type Figure } from './lib/stats';
import { startBenchServer } from './lib/server';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 5;
/** Saves per block and blocks per mode for the save comparison. */
const SAVE_BLOCK = Number(process.env.BENCH_SAVE_BLOCK ?? 20);
const SAVE_BLOCKS = Number(process.env.BENCH_SAVE_BLOCKS ?? 8);

/** Every third resource is "common", every fiftieth "medium", every thousandth "rare". */
const tagPlan = [
  { tag: 'common', every: 3 },
  { tag: 'medium', every: 50 },
  { tag: 'rare', every: 1000 },
] as const;

function libraryOf(client: DatabaseClient, userId: string, email: string): Library {
  return new Library(sessionRunner({ db: client.db, client, userId, email, mode: 'team', label: 'bench', isolation: 'single' }));
}

async function samples(run: () => Promise<unknown>, runs = RUNS): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await run();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    out.push(performance.now() - t);
  }
  return out;
}

/** A user with `count` resources (bulk INSERT ... SELECT; the versions trigger records each one's version 1). */
async function seedBigUser(sql: postgres.Sql, email: string, count: number): Promise<string> {
  const [user] = await sql<{ id: string }[]>`insert into "user" (email) values (${email}) returning id`;
  await sql`insert into resource (user_id, name, resource_type, content, updated_at)
    select ${user!.id}, 'Resource ' || g, 'prompt', jsonb_build_object('text', 'text ' || g),
           localtimestamp - make_interval(secs => g)
    from generate_series(1, ${count}) g`;
  // As autovacuum would soon: the planner needs to know the table's new size.
  await sql`analyze resource`;
  return user!.id;
}

/** Tags the user's resources by their place in the list order (n-th most recently updated). */
async function tagResources(sql: postgres.Sql, userId: string): Promise<Record<string, number>> {
  await sql`insert into resource_tag (resource_id, user_id, tag)
    select r.id, r.user_id, t.tag
    from (select id, user_id, row_number() over (order by updated_at desc, id) as n from resource where user_id = ${userId}) r
    cross join unnest(${tagPlan.map((t) => t.tag)}::text[], ${tagPlan.map((t) => t.every)}::int[]) as t(tag, every)
    where r.n % t.every = 0
    on conflict do nothing`;
  await sql`analyze resource_tag`;
  const rows = await sql<
    { tag: string; n: number }[]
  >`select tag, count(*)::int as n from resource_tag where user_id = ${userId} group by tag`;
  return Object.fromEntries(rows.map((r) => [r.tag, r.n]));
}

async function historyFigure(client: DatabaseClient, sql: postgres.Sql): Promise<Figure> {
  const user = await ensureUser(client.db, `bench-history-${process.pid}-${Date.now()}@example.com`);
  const library = libraryOf(client, user.id, user.email);
  try {
    // The policy keeps them all (it is the database's; put back afterwards).
    const policy = await library.historyPolicy();
    await library.setHistoryPolicy({ maxVersions: 2000, maxAgeDays: null });
    try {
      const r = await library.save({ name: 'A thousand versions', resourceType: 'prompt', content: { text: 'v1' } });
      // 999 changes by plain SQL (as the chat app writes): each is a version.
      await sql`do $$ begin for i in 2..1000 loop
        update resource set content = jsonb_build_object('text', 'version ' || i || repeat(' words', 40)) where id = ${sql.unsafe(`'${r.id}'`)};
      end loop; end $$`;
      const first = await library.history(r.id);
      if (first.versions.length !== 50 || first.versions[0]!.version !== 1000) throw new Error('the history was not recorded');
      return figure(
        'versions.historyFirstPage',
        'history: first page (50 of 1,000 versions, content included)',
        'ms',
        await samples(() => library.history(r.id)),
        ms(5),
      );
    } finally {
      await library.setHistoryPolicy(policy);
    }
  } finally {
    library.dispose();
  }
}

async function tagFigures(client: DatabaseClient, sql: postgres.Sql, bigUser: { id: string; email: string }): Promise<Figure[]> {
  const counts = await tagResources(sql, bigUser.id);
  const library = libraryOf(client, bigUser.id, bigUser.email);
  try {
    const figures: Figure[] = [];
    for (const { tag } of tagPlan) {
      const page = await library.list('mine', { tag });
      if (page.items.length !== Math.min(50, counts[tag] ?? 0)) throw new Error(`the "${tag}" page has ${page.items.length} rows`);
      const label = `tag filter "${tag}" (${(counts[tag] ?? 0).toLocaleString('en')} of the user's rows): first page`;
      figures.push(figure(`versions.tag.${tag}`, label, 'ms', await samples(() => library.list('mine', { tag })), ms(5)));
    }
    const first = await library.list('mine', { tag: 'medium' });
    const next = () => library.list('mine', { tag: 'medium', cursor: first.nextCursor });
    figures.push(figure('versions.tag.mediumNext', 'tag filter "medium": next page (cursor)', 'ms', await samples(next), ms(5)));
    return figures;
  } finally {
    library.dispose();
  }
}

/** Saves as the editor makes them, in alternating blocks with the versions trigger on and off; the medians and their ratio. */
async function saveFigures(client: DatabaseClient, sql: postgres.Sql): Promise<Figure[]> {
  const user = await ensureUser(client.db, `bench-save-${process.pid}-${Date.now()}@example.com`);
  const library = libraryOf(client, user.id, user.email);
  const text = (i: number) => `Review this change carefully, step ${i}. `.repeat(25);
  const on: number[] = [];
  const off: number[] = [];
  try {
    let current = await library.save({ name: 'Saved often', resourceType: 'prompt', content: { text: text(0) } });
    let i = 0;
    const block = async (into: number[]) => {
      for (let n = 0; n < WARMUP; n++) current = await library.update(current.id, { content: { text: text(++i) } }, current.updatedAt);
      for (let n = 0; n < SAVE_BLOCK; n++) {
        const t = performance.now();
        current = await library.update(current.id, { content: { text: text(++i) } }, current.updatedAt);
        into.push(performance.now() - t);
      }
    };
    for (let b = 0; b < SAVE_BLOCKS; b++) {
      // Alternating which goes first, so neither gets a systematic advantage.
      for (const versioned of b % 2 ? [true, false] : [false, true]) {
        await sql.unsafe(`alter table resource ${versioned ? 'enable' : 'disable'} trigger resource_version_update`);
        await block(versioned ? on : off);
      }
    }
  } finally {
    await sql.unsafe('alter table resource enable trigger resource_version_update');
    library.dispose();
  }
  const ratio = figure('versions.saveRatio', 'a save with versioning / without (medians, same run)', 'x', [median(on) / median(off)], {
    max: 1.3,
    text: '<= 1.3x',
  });
  return [
    figure('versions.saveOn', 'a save (conditional, 1 KB prompt) with the versions trigger on', 'ms', on),
    figure('versions.saveOff', 'the same save with the trigger off (no version recorded)', 'ms', off),
    ratio,
  ];
}

/** The figures; `bigUser` is a user with 100,000 resources (made here when not given). */
export async function measureVersions(url: string, bigUser?: { id: string; email: string }): Promise<Figure[]> {
  const client = createDatabaseClient(url, { max: 1 });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const email = `bench-tags-${process.pid}@example.com`;
    const big = bigUser ?? { id: await seedBigUser(sql, email, 100_000), email };
    return [await historyFigure(client, sql), ...(await tagFigures(client, sql, big)), ...(await saveFigures(client, sql))];
  } finally {
    await client.close();
    await sql.end({ timeout: 5 });
  }
}

if (require.main === module) {
  void (async () => {
    const server = await startBenchServer();
    try {
      await migrateDatabase(server.url, join(__dirname, '..', 'migrations'));
      for (const f of await measureVersions(server.url)) {
        const unit = f.unit === 'x' ? 'x' : ' ms';
        const spread = f.n > 1 ? ` (${f.min?.toFixed(2)}–${f.max?.toFixed(2)}, n=${f.n})` : '';
        const verdict = f.target ? `, ${f.holds ? 'holds' : 'misses'} ${f.target.text}` : '';
        console.log(`${f.label}: median ${f.median?.toFixed(2)}${unit}${spread}${verdict}`);
      }
    } finally {
      await server.stop();
    }
  })();
}
