// Data-layer bench: a throwaway Postgres with a million resources, the list queries through the
// project's functions and as the same SQL through postgres.js, and their plans.
// Run by bench/run.mjs (forked, with IPC); alone: `node --import tsx bench/db.ts`.
import { join } from 'node:path';
import postgres from 'postgres';
import { createDatabaseClient, type Database } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { encodeCursor } from '../src/db/paging';
import { getPublicResources, getUserResources } from '../src/db/queries';
import type { ListOptions } from '../src/db/validation';
import { figure, ms, type Figure } from './lib/stats';
import { startBenchServer, type BenchServer } from './lib/server';
import { explain, type CompactPlan } from './plans';
import { defaultPlan, seed, terms, type SeedReport } from './seed';
import { measureTransfer } from './transfer';
import { measureVersions } from './versions';
import { measureSearchSpread, type SpreadEntry } from './search';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 5;
const root = join(__dirname, '..');

type List = (db: Database, userId: string, options: ListOptions) => Promise<{ items: { id: string }[] }>;

export interface QueryCase {
  key: string;
  label: string;
  userId: string;
  options: ListOptions;
  /** Target of the median through the project's function. */
  target?: number;
  /** Target of project / raw. */
  ratioTarget?: number;
  /** getUserResources unless said. */
  list?: List;
  matches?: number;
}

export interface DbResults {
  seed: SeedReport;
  terms: Record<string, { term: string; bigUserMatches: number; allMatches: number }>;
  figures: Figure[];
  plans: { key: string; label: string; sql: string; params: unknown[]; plan: CompactPlan }[];
  server: { version: string; settings: Record<string, string> };
  /** bench/search.ts: the search for a spread of terms, after fresh ANALYZE samples, public and as a member. */
  searchSpread?: { terms: SpreadEntry[]; publicMs: Record<string, number>; memberMs: Record<string, number> };
}

function log(line: string) {
  console.log(`[db] ${line}`);
}

async function measureQueries(url: string): Promise<Omit<DbResults, 'seed'>> {
  // The project's client, as the extension makes it; one connection so runs are comparable.
  const client = createDatabaseClient(url, { max: 1 });
  // The SQL text and parameters the project sends, as its postgres.js client receives them
  // (drizzle and the project's own list path both call client.unsafe).
  let captured: { text: string; params: unknown[] } | undefined;
  const capturing = createDatabaseClient(url, { max: 1 });
  const unsafe = capturing.sql.unsafe.bind(capturing.sql);
  capturing.sql.unsafe = ((text: string, params?: unknown[], options?: object) => {
    if (/from "resource"/.test(text) && /order by/i.test(text)) captured = { text, params: params ?? [] };
    return unsafe(text, params as never[], options);
  }) as typeof capturing.sql.unsafe;
  // The floor: plain postgres.js with its defaults (prepared statements), the same session
  // settings, no drizzle (whose driver setup changes the client's type parsers), so timestamps are
  // parsed as an application using the driver would.
  const plain = postgres(url, {
    max: 1,
    onnotice: () => {},
    connection: { TimeZone: 'UTC', application_name: 'agent-resources-bench-raw' },
  });
  try {
    const { db, sql } = client;

    const [big] = await sql<{ id: string }[]>`select id from "user" where email = ${defaultPlan.bigUserEmail}`;
    const [small] = await sql<
      { id: string }[]
    >`select id from "user" where email like 'bench-user-%' order by email offset ${Math.floor(defaultPlan.otherUsers / 2)} limit 1`;
    const bigId = big!.id;
    const first = await getUserResources(db, bigId, {});
    // A cursor half way down the 100,000: keyset paging must not slow down with depth.
    const [deep] = await sql<{ pinned: boolean; updatedAt: Date; id: string }[]>`
      select pinned, updated_at as "updatedAt", id from resource where user_id = ${bigId}
      order by pinned desc, updated_at desc, id desc offset ${Math.floor(defaultPlan.bigUserResources / 2) - 1} limit 1`;
    const deepCursor = encodeCursor('updated', { ...deep!, updatedAt: new Date(deep!.updatedAt) });

    const [{ count: publicCount } = { count: 0 }] = await sql<
      { count: number }[]
    >`select count(*)::int as count from resource where is_public`;
    const termCounts: DbResults['terms'] = {};
    for (const [kind, term] of Object.entries(terms)) {
      const [row] = await sql.unsafe<{ big: number; all: number }[]>(
        `select count(*) filter (where user_id = $2)::int as big, count(*)::int as all from resource where name ilike $1 or description ilike $1`,
        [`%${term}%`, bigId],
      );
      termCounts[kind] = { term, bigUserMatches: row!.big, allMatches: row!.all };
    }
    const cases: QueryCase[] = [
      {
        key: 'firstPage',
        label: `tree: first page (${defaultPlan.bigUserResources.toLocaleString('en')}-resource user)`,
        userId: bigId,
        options: {},
        target: 5,
        ratioTarget: 1.5,
      },
      {
        key: 'nextPage',
        label: 'tree: next page (cursor)',
        userId: bigId,
        options: { cursor: first.nextCursor },
        target: 5,
        ratioTarget: 1.5,
      },
      {
        key: 'deepPage',
        label: `tree: page at row ${(defaultPlan.bigUserResources / 2).toLocaleString('en')} (cursor)`,
        userId: bigId,
        options: { cursor: deepCursor },
        target: 5,
      },
      {
        key: 'searchCommon',
        label: `search common "${terms.common}" (${termCounts.common!.bigUserMatches} of the user's rows)`,
        userId: bigId,
        options: { search: terms.common },
        target: 10,
      },
      {
        key: 'searchMedium',
        label: `search mid-frequency "${terms.medium}" (${termCounts.medium!.bigUserMatches} rows)`,
        userId: bigId,
        options: { search: terms.medium },
        target: 10,
      },
      {
        key: 'searchRare',
        label: `search rare "${terms.rare}" (${termCounts.rare!.bigUserMatches} rows)`,
        userId: bigId,
        options: { search: terms.rare },
        target: 10,
      },
      { key: 'searchNone', label: `search no match "${terms.none}"`, userId: bigId, options: { search: terms.none }, target: 10 },
      { key: 'typeFilter', label: 'type filter agent_config (20% of rows)', userId: bigId, options: { type: 'agent_config' }, target: 5 },
      { key: 'smallUserFirstPage', label: 'first page (1,000-resource user)', userId: small!.id, options: {}, target: 5 },
      {
        key: 'publicFirstPage',
        label: `tree, public scope: first page (${publicCount.toLocaleString('en')} public rows)`,
        userId: bigId,
        options: {},
        list: getPublicResources,
        target: 5,
      },
    ];

    const figures: Figure[] = [];
    const plans: DbResults['plans'] = [];
    const prepared: { c: QueryCase; text: string; params: unknown[]; project: () => Promise<unknown>; raw: () => Promise<unknown> }[] = [];
    const mismatches: string[] = [];
    for (const c of cases) {
      captured = undefined;
      await (c.list ?? getUserResources)(capturing.db, c.userId, c.options);
      if (!captured) throw new Error(`the list query of "${c.label}" was not captured`);
      const { text, params } = captured;
      const list = c.list ?? getUserResources;
      // Both return the same rows: the floor is the same query, not a cheaper one.
      const projectIds = (await list(db, c.userId, c.options)).items.map((r) => r.id);
      const rawIds = (await plain.unsafe<{ id: string }[]>(text, params as never[])).map((r) => r.id).slice(0, projectIds.length);
      if (rawIds.join() !== projectIds.join()) mismatches.push(c.label);
      prepared.push({
        c,
        text,
        params,
        project: () => list(db, c.userId, c.options),
        raw: () => plain.unsafe(text, params as never[]),
      });
    }
    // Warm-up of every path (JIT, caches, connections) before any figure is taken.
    for (let i = 0; i < WARMUP; i++) {
      for (const p of prepared) {
        await p.project();
        await p.raw();
      }
    }
    for (const { c, text, params, project, raw } of prepared) {
      const projectMs: number[] = [];
      const rawMs: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        // Alternate which goes first, so neither gets a systematic cache advantage.
        const order =
          i % 2
            ? ([
                [project, projectMs],
                [raw, rawMs],
              ] as const)
            : ([
                [raw, rawMs],
                [project, projectMs],
              ] as const);
        for (const [run, samples] of order) {
          const t = performance.now();
          await run();
          samples.push(performance.now() - t);
        }
      }
      const projectFigure = figure(
        `db.${c.key}`,
        `${c.label}: ${c.list?.name ?? 'getUserResources'}`,
        'ms',
        projectMs,
        c.target ? ms(c.target) : undefined,
      );
      const rawFigure = figure(`db.${c.key}.raw`, `${c.label}: same SQL through postgres.js (floor)`, 'ms', rawMs);
      const ratios = projectMs.map((p, i) => p / rawMs[i]!);
      const ratio = figure(
        `db.${c.key}.ratio`,
        `${c.label}: project / raw`,
        'x',
        ratios,
        c.ratioTarget ? { max: c.ratioTarget, text: `<= ${c.ratioTarget}x` } : undefined,
      );
      // The ratio that matters is of the medians; min/max are of the paired runs.
      ratio.median = projectFigure.median! / rawFigure.median!;
      ratio.holds = ratio.target ? ratio.median <= ratio.target.max : null;
      figures.push(projectFigure, rawFigure, ratio);
      const plan = await explain(sql, text, params);
      // Whether the project sent it as a prepared statement, and if Postgres then used its generic
      // plan (which does not see the values): that plan's indexes too.
      const [statement] = await sql<{ generic: number; custom: number }[]>`
        select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where statement = ${text}`;
      if (statement) {
        plan.prepared = { genericPlans: statement.generic, customPlans: statement.custom };
        if (statement.generic > 0) {
          const rows = await sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain (generic_plan) ${text}`);
          plan.prepared.genericIndexes = [
            ...new Set(rows.flatMap((r) => [...r['QUERY PLAN'].matchAll(/using (\w+)/gi)].map((m) => m[1]!))),
          ];
        }
      }
      plans.push({ key: c.key, label: c.label, sql: text, params, plan });
      log(
        `${c.label}: ${projectFigure.median!.toFixed(2)} ms (raw ${rawFigure.median!.toFixed(2)} ms, x${ratio.median.toFixed(2)}); indexes: ${plan.indexes.join(', ') || 'none'}`,
      );
    }
    if (mismatches.length) throw new Error(`the raw SQL returned other rows than the project for: ${mismatches.join('; ')}`);

    // What the public scope's first page would take with an index in its order (an experiment:
    // the migrations do not have it). Built here, measured the same way, dropped.
    const publicCase = prepared.find((p) => p.c.key === 'publicFirstPage');
    if (publicCase) {
      const t = performance.now();
      await sql.unsafe(`create index bench_public_list_idx on resource (pinned desc, updated_at desc, id desc) where is_public`);
      const built = performance.now() - t;
      for (let i = 0; i < WARMUP; i++) await publicCase.project();
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        await publicCase.project();
        samples.push(performance.now() - t0);
      }
      const experiment = figure(
        'db.publicFirstPage.withIndex',
        `${publicCase.c.label}, with an index (pinned desc, updated_at desc, id desc) where is_public [experiment]`,
        'ms',
        samples,
        ms(5),
        `index built in ${(built / 1000).toFixed(1)} s; not in the migrations`,
      );
      figures.push(experiment);
      const plan = await explain(sql, publicCase.text, publicCase.params);
      plans.push({ key: 'publicFirstPage.withIndex', label: experiment.label, sql: publicCase.text, params: publicCase.params, plan });
      await sql.unsafe(`drop index bench_public_list_idx`);
      log(`${experiment.label}: ${experiment.median!.toFixed(2)} ms; indexes: ${plan.indexes.join(', ')}`);
    }
    const [version] = await sql<{ v: string }[]>`select version() as v`;
    const settings = await sql<{ name: string; setting: string }[]>`
      select name, setting || coalesce(unit, '') as setting from pg_settings
      where name in ('shared_buffers', 'work_mem', 'effective_cache_size', 'random_page_cost', 'jit', 'max_parallel_workers_per_gather')`;
    return {
      terms: termCounts,
      figures,
      plans,
      server: { version: version!.v, settings: Object.fromEntries(settings.map((s) => [s.name, s.setting])) },
    };
  } finally {
    await client.close();
    await capturing.close();
    await plain.end({ timeout: 5 });
  }
}

/** A seeded user, as measureVersions takes it. */
async function userByEmail(url: string, email: string): Promise<{ id: string; email: string }> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [user] = await sql<{ id: string; email: string }[]>`select id, email from "user" where email = ${email}`;
    if (!user) throw new Error(`no seeded user ${email}`);
    return user;
  } finally {
    await sql.end();
  }
}

async function main() {
  let server: BenchServer | undefined;
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
  try {
    let t = performance.now();
    server = await startBenchServer();
    await migrateDatabase(server.url, join(root, 'migrations'));
    // Not part of the schema: lets the extension-level part count the queries the tree sends.
    const admin = postgres(server.url, { max: 1, onnotice: () => {} });
    await admin`create extension if not exists pg_stat_statements`.finally(() => admin.end());
    log(`server started and migrated in ${Math.round(performance.now() - t)} ms`);
    const sessions = [0, 1].map(() => postgres(server!.url, { max: 1, onnotice: () => {} }));
    let seeded: SeedReport;
    try {
      seeded = await seed(sessions);
    } finally {
      await Promise.all(sessions.map((s) => s.end()));
    }
    log(
      `seeded ${seeded.rows.resources.toLocaleString('en')} resources (${seeded.rows.bigUser.toLocaleString('en')} for one user, ${seeded.rows.users} users, ${seeded.rows.shares.toLocaleString('en')} shares) in ${(seeded.ms / 1000).toFixed(1)} s: ${Object.entries(
        seeded.phases,
      )
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(', ')}`,
    );
    t = performance.now();
    const measured = await measureQueries(server.url);
    log(`queries measured in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    measured.figures.push(...(await measureTransfer(server.url)));
    log(`import and export measured in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    // The tag filter on the seed's 100,000-resource user (its rows get tags here).
    measured.figures.push(...(await measureVersions(server.url, await userByEmail(server.url, defaultPlan.bigUserEmail))));
    log(`versions and tags measured in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    t = performance.now();
    // Last: it switches row-level security on (the later parts connect as a superuser, which it does not bind).
    const searched = await measureSearchSpread(server.url, (await userByEmail(server.url, defaultPlan.bigUserEmail)).id, log);
    measured.figures.push(...searched.figures);
    measured.searchSpread = { terms: searched.spread, publicMs: searched.publicSpread, memberMs: searched.member };
    log(`search spread measured in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const results: DbResults = { seed: seeded, ...measured };
    if (process.send) {
      process.send({ type: 'results', results });
      // The seeded server stays up for the extension-level part (the 100k library as a team database).
      process.send({ type: 'ready', url: server.url, email: defaultPlan.bigUserEmail });
      await new Promise<void>((resolve) => {
        process.on('message', (m: { type?: string }) => m?.type === 'stop' && resolve());
        process.once('disconnect', resolve);
      });
    } else {
      console.log(JSON.stringify(results, null, 2));
    }
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[db] failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
