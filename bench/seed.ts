// Bulk seed for the bench: a million resources built in Postgres itself (INSERT ... SELECT over
// generate_series), never row by row. Names and descriptions come from a word list with a skewed
// frequency, so a search term can be common, rare or absent.
import type { Sql } from 'postgres';

/** Words of names and descriptions; earlier words are drawn more often (index = n * u^2). */
export const words = [
  'review',
  'code',
  'summary',
  'test',
  'refactor',
  'explain',
  'api',
  'bug',
  'deploy',
  'database',
  'query',
  'prompt',
  'agent',
  'plan',
  'docs',
  'release',
  'security',
  'style',
  'python',
  'typescript',
  'migration',
  'schema',
  'commit',
  'changelog',
  'feature',
  'design',
  'meeting',
  'notes',
  'email',
  'draft',
  'performance',
  'profile',
  'cache',
  'index',
  'react',
  'component',
  'lint',
  'format',
  'translate',
  'standup',
  'incident',
  'postmortem',
  'onboarding',
  'checklist',
  'architecture',
  'diagram',
  'assistant',
  'pipeline',
  'build',
  'docker',
  'cluster',
  'terraform',
  'ansible',
  'logging',
  'metrics',
  'alert',
  'dashboard',
  'report',
  'analysis',
  'customer',
  'support',
  'ticket',
  'triage',
  'roadmap',
  'estimate',
  'backlog',
  'sprint',
  'retro',
  'interview',
  'hiring',
  'contract',
  'invoice',
  'budget',
  'forecast',
  'pricing',
  'marketing',
  'campaign',
  'landing',
  'copy',
  'headline',
  'tweet',
  'newsletter',
  'blog',
  'outline',
  'essay',
  'rewrite',
  'tone',
  'grammar',
  'spelling',
  'localize',
  'regex',
  'sql',
  'shell',
  'bash',
  'git',
  'rebase',
  'merge',
  'conflict',
  'branch',
  'tag',
  'version',
  'semver',
  'package',
  'dependency',
  'upgrade',
  'audit',
  'license',
  'compliance',
  'privacy',
  'gdpr',
  'token',
  'oauth',
  'session',
  'cookie',
  'header',
  'endpoint',
  'graphql',
  'rest',
  'grpc',
  'protobuf',
  'kafka',
  'queue',
  'worker',
  'cron',
  'scheduler',
  'retry',
  'timeout',
  'backoff',
  'webhook',
  'event',
  'stream',
  'batch',
  'etl',
  'warehouse',
  'spark',
  'pandas',
  'notebook',
  'chart',
  'plot',
  'statistics',
  'regression',
  'classifier',
  'embedding',
  'vector',
  'retrieval',
  'rag',
  'finetune',
  'eval',
  'benchmark',
  'latency',
  'throughput',
  'memory',
  'leak',
  'crash',
  'stacktrace',
  'debugger',
  'breakpoint',
  'coverage',
  'fixture',
  'mock',
  'snapshot',
  'golden',
  'flaky',
  'bisect',
  'hotfix',
  'rollback',
  'canary',
  'rollout',
  'feature-flag',
  'experiment',
  'accessibility',
  'contrast',
  'keyboard',
  'screenreader',
  'mobile',
  'android',
  'ios',
  'swift',
  'kotlin',
  'flutter',
  'rust',
  'golang',
  'java',
  'spring',
  'django',
  'rails',
  'laravel',
  'express',
  'nextjs',
  'svelte',
  'vue',
  'angular',
  'tailwind',
  'css',
  'html',
  'svg',
  'animation',
  'layout',
  'theme',
  'icon',
] as const;

/** Terms the bench searches for, and how the seed places them. */
export const terms = {
  /** The most frequent word: in roughly half the rows (name or description). */
  common: 'review',
  /** A mid-frequency word: about one row in a hundred. */
  medium: 'backoff',
  /** Injected into a handful of rows only (7 of the big user's 100,000). */
  rare: 'zanzibar',
  /** In no row. */
  none: 'quokka',
} as const;

/**
 * Words of their own trigrams placed at a known rate (in descriptions, so 90 % of it shows: a
 * tenth of the rows has none): in 0.1 % and 1 % of every user's rows, and in 2 % of other users'
 * rows but none of the big user's. With the words and phrases above, the bench's spread of search terms.
 */
export const spreadTerms = { tenth: 'kestrel', one: 'ocelot', othersOnly: 'wyvern' } as const;

export interface SeedPlan {
  bigUserEmail: string;
  bigUserResources: number;
  otherUsers: number;
  resourcesPerOtherUser: number;
}

export const defaultPlan: SeedPlan = {
  bigUserEmail: 'bench-big@example.com',
  // Smaller libraries for trying the bench out quickly; the figures are for the defaults.
  bigUserResources: Number(process.env.BENCH_BIG_USER_RESOURCES ?? 100_000),
  otherUsers: Number(process.env.BENCH_OTHER_USERS ?? 900),
  resourcesPerOtherUser: 1_000,
};

const sqlWords = `array[${words.map((w) => `'${w}'`).join(',')}]::text[]`;
// A word drawn for row i, slot k: skewed towards the start of the list.
const word = (k: number) => `(${sqlWords})[1 + floor(${words.length} * power(abs(hashint8(i * 16 + ${k}))::float8 / 2147483648, 2))::int]`;
const unit = (k: number) => `(abs(hashint8(i * 16 + ${k}))::float8 / 2147483648)`;

/** INSERT ... SELECT for rows first..last of the numbering (1..bigUserResources are the big user's). */
function resourceInsert(plan: SeedPlan, first: number, last: number): string {
  return `
insert into resource (user_id, name, description, resource_type, content, execution_count, last_executed_at,
                      is_public, pinned, created_at, updated_at)
select
  case when i <= ${plan.bigUserResources} then big.id else others.ids[1 + (i - ${plan.bigUserResources} - 1) / ${plan.resourcesPerOtherUser}] end,
  initcap(${word(1)}) || ' ' || ${word(2)} || ' ' || ${word(3)}
    || case when i % 25000 = 7 then ' ${terms.rare}' else '' end
    || ' #' || i,
  case when ${unit(4)} < 0.1 then null else
    'Helps ' || ${word(5)} || ' the ' || ${word(6)} || ' ' || ${word(7)} || ' for ' || ${word(8)} || ' teams: '
    || ${word(9)} || ', ' || ${word(10)} || ' and ' || ${word(11)} || '.'
    || case when i % 33333 = 11 then ' Mentions ${terms.rare}.' else '' end
    || case when i % 1000 = 17 then ' Mentions ${spreadTerms.tenth}.' when i % 100 = 37 then ' Mentions ${spreadTerms.one}.' else '' end
    || case when i > ${plan.bigUserResources} and i % 50 = 3 then ' Mentions ${spreadTerms.othersOnly}.' else '' end
  end,
  t.type,
  case t.type
    when 'prompt' then jsonb_build_object('text', 'Please ' || ${word(12)} || ' this {{input}} and ' || ${word(13)} || ' it.', 'language', 'markdown', 'variables', jsonb_build_array('input'))
    when 'workflow' then jsonb_build_object('steps', jsonb_build_array(
      jsonb_build_object('name', 'Collect', 'text', 'Collect the ' || ${word(12)} || ' inputs'),
      jsonb_build_object('name', 'Run', 'text', 'Run ' || ${word(13)} || ' and check the result')))
    else jsonb_build_object('config', jsonb_build_object('model', 'gpt-4o', 'temperature', 0.2, 'tools', jsonb_build_array(${word(12)}, ${word(13)})))
  end,
  (abs(hashint8(i * 16 + 14)) % 50)::int,
  case when ${unit(14)} < 0.5 then null else localtimestamp - make_interval(secs => ${unit(15)} * 86400 * 30) end,
  ${unit(3)} < 0.05,
  abs(hashint8(i * 16 + 0)) % 5000 = 1,
  ts.updated - make_interval(secs => ${unit(15)} * 86400 * 90),
  ts.updated
from generate_series(${first}, ${last}) as i
cross join (select id from "user" where email = '${plan.bigUserEmail}') as big
cross join (select array_agg(id order by email) as ids from "user" where email like 'bench-user-%') as others
cross join lateral (select case when ${unit(2)} < 0.5 then 'prompt' when ${unit(2)} < 0.8 then 'workflow' else 'agent_config' end as type) as t
cross join lateral (select date_trunc('milliseconds', localtimestamp - make_interval(secs => ${unit(16)} * 86400 * 730)) as updated) as ts`;
}

export interface SeedReport {
  ms: number;
  phases: Record<string, number>;
  rows: { users: number; resources: number; bigUser: number; pinned: number; public: number; shares: number };
}

/**
 * Seeds through `connections` (at least two): the indexes that the migrations made are dropped for
 * the load and made again from their own definitions afterwards (the usual bulk-load order), so the
 * schema is exactly the migrated one.
 */
export async function seed(connections: Sql[], plan: SeedPlan = defaultPlan): Promise<SeedReport> {
  const [a, b] = connections as [Sql, Sql];
  const started = performance.now();
  const phases: Record<string, number> = {};
  const phase = async (name: string, work: () => Promise<unknown>) => {
    const t = performance.now();
    await work();
    phases[name] = Math.round(performance.now() - t);
  };
  for (const c of [a, b]) {
    await c.unsafe(`set maintenance_work_mem = '512MB'`);
    await c.unsafe(`set max_parallel_maintenance_workers = 1`);
    // Foreign key triggers are skipped for the load: every user_id comes from the user table.
    await c.unsafe(`set session_replication_role = replica`);
    await c.unsafe(`set synchronous_commit = off`);
  }
  const indexes = await a.unsafe<{ indexname: string; indexdef: string }[]>(
    `select indexname, indexdef from pg_indexes where schemaname = current_schema() and tablename = 'resource'
       and indexname not in (select conname from pg_constraint)`,
  );
  await phase('users', async () => {
    await a.unsafe(`insert into "user" (email) values ('${plan.bigUserEmail}')`);
    await a.unsafe(
      `insert into "user" (email) select 'bench-user-' || lpad(g::text, 4, '0') || '@example.com' from generate_series(1, ${plan.otherUsers}) g`,
    );
  });
  await phase('drop secondary indexes', () => a.unsafe(indexes.map((i) => `drop index "${i.indexname}"`).join(';')));
  const total = plan.bigUserResources + plan.otherUsers * plan.resourcesPerOtherUser;
  await phase('insert resources', async () => {
    // Two sessions, one per core.
    const half = Math.floor(total / 2);
    await Promise.all([a.unsafe(resourceInsert(plan, 1, half)), b.unsafe(resourceInsert(plan, half + 1, total))]);
  });
  await phase('insert shares', () =>
    a.unsafe(`
      insert into resource_share (resource_id, share_token, expires_at, access_count, max_accesses)
      select id, md5(id::text), case when abs(hashtext(id::text)) % 3 = 0 then localtimestamp + interval '7 days' end,
             abs(hashtext(id::text)) % 7, case when abs(hashtext(id::text)) % 4 = 0 then 10 end
      from resource where abs(hashtext(id::text || 's')) % 50 = 0`),
  );
  await phase('recreate indexes', async () => {
    // The trigram indexes are the slow ones: first, spread over the two sessions, the rest after.
    const gin = (i: { indexdef: string }) => /using gin/i.test(i.indexdef);
    const ordered = [...indexes.filter(gin), ...indexes.filter((i) => !gin(i))];
    const queues = [0, 1].map((n) => ordered.filter((_, k) => k % 2 === n));
    await Promise.all(
      queues.map(async (queue, n) => {
        for (const index of queue) if (index) await connections[n]!.unsafe(index.indexdef);
      }),
    );
  });
  await phase('vacuum analyze', async () => {
    await Promise.all([a.unsafe(`vacuum (analyze) resource`), b.unsafe(`vacuum (analyze) resource_share, "user"`)]);
  });
  for (const c of [a, b]) await c.unsafe(`reset session_replication_role`);
  const [rows] = await a.unsafe<SeedReport['rows'][]>(`
    select (select count(*) from "user")::int as users,
           (select count(*) from resource)::int as resources,
           (select count(*) from resource r join "user" u on u.id = r.user_id where u.email = '${plan.bigUserEmail}')::int as "bigUser",
           (select count(*) from resource where pinned)::int as pinned,
           (select count(*) from resource where is_public)::int as public,
           (select count(*) from resource_share)::int as shares`);
  return { ms: performance.now() - started, phases, rows: rows! };
}
