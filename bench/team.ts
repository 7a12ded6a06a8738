// Team bench: a team of hundreds on one Postgres through PgBouncer. The server allows far fewer
// connections than there are members (max_connections 40); Debian's PgBouncer 1.18 in transaction
// pooling sits in front of it on 127.0.0.1; every member is a library session as the extension
// opens it (resolveTeamConnection + openTeamSession, its own pool) and runs a mix of what people
// do for a bounded time: open the view, page, search, browse public, save, use, fork, share,
// redeem. Members have logins of their own (row-level security; PgBouncer keeps a pool per login),
// then the same again, shorter, with one shared login, to show what the per-login pools cost.
//   node --import tsx bench/team.ts      figures as JSON on stdout (last line); bench/run.mjs runs it as the part "team"
// Knobs: BENCH_TEAM_MEMBERS (500), BENCH_TEAM_SECONDS (60), BENCH_TEAM_SHARED_SECONDS (30; 0 skips),
// BENCH_TEAM_THINK_MS (a member's mean pause between actions, 10000: the whole team busy at once,
// 50 actions a second), BENCH_TEAM_RESOURCES (per member, 200).
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import postgres, { type Sql } from 'postgres';
import { migrateDatabase } from '../src/db/migrate';
import type { Resource } from '../src/db/schema';
import { Library, sessionRunner } from '../src/library/library';
import { openTeamSession, type OpenedSession } from '../src/library/session';
import { addTeamMember, enableMemberIsolation } from '../src/library/teamAdmin';
import { resolveTeamConnection } from '../src/library/teamConnection';
import { startPgBouncer, type PgBouncer } from '../test/support/pgbouncer';
import { figure, ms, type Figure } from './lib/stats';
import { startBenchServer, type BenchServer } from './lib/server';
import { words } from './seed';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const MEMBERS = env('BENCH_TEAM_MEMBERS', 500);
const SECONDS = env('BENCH_TEAM_SECONDS', 60);
const SHARED_SECONDS = env('BENCH_TEAM_SHARED_SECONDS', 30);
const THINK_MS = env('BENCH_TEAM_THINK_MS', 10_000);
const RESOURCES = env('BENCH_TEAM_RESOURCES', 200);
// Members arrive over this long (as a team starts its day), not all in one instant.
const ARRIVAL_SECONDS = 10;
const MAX_CONNECTIONS = 40;
// PgBouncer's share of them (the rest: superuser_reserved_connections and the bench's own watcher).
const POOLER_CONNECTIONS = 30;
// The product's idle timeout (src/db/client.ts), and a margin for a busy machine.
const IDLE_WAIT_MS = 30_000 + 5_000;
const P99_TARGET = 100;
const root = join(__dirname, '..');
const migrations = join(root, 'migrations');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[team] ${line}`);

const operations = {
  view: 20,
  page: 12,
  search: 15,
  browsePublic: 5,
  save: 10,
  use: 15,
  fork: 6,
  share: 7,
  redeem: 10,
} as const;
type Operation = keyof typeof operations | 'open';

interface Member {
  login: string;
  email: string;
  password: string;
}

/** One member's window: its session, and what it has seen (for the next page, use, fork). */
interface Window {
  member: Member;
  opened: OpenedSession;
  library: Library;
  cursor?: string;
  seen: Pick<Resource, 'id' | 'userId'>[];
  publicSeen: string[];
}

class Recorder {
  readonly samples = new Map<Operation, number[]>();
  readonly errors = new Map<Operation, { count: number; messages: Set<string> }>();

  async time<T>(op: Operation, work: () => Promise<T>): Promise<T | undefined> {
    const t = performance.now();
    try {
      const result = await work();
      const list = this.samples.get(op) ?? [];
      list.push(performance.now() - t);
      this.samples.set(op, list);
      return result;
    } catch (err) {
      const entry = this.errors.get(op) ?? { count: 0, messages: new Set<string>() };
      entry.count++;
      if (entry.messages.size < 3) entry.messages.add(String((err as Error).message ?? err).slice(0, 200));
      this.errors.set(op, entry);
      return undefined;
    }
  }

  get errorCount(): number {
    return [...this.errors.values()].reduce((n, e) => n + e.count, 0);
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
const round = (v: number) => Math.round(v * 100) / 100;

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: round(percentile(s, 0.5)),
    p90: round(percentile(s, 0.9)),
    p99: round(percentile(s, 0.99)),
    max: round(s[s.length - 1] ?? NaN),
  };
}

/** What the server, the pooler and this process looked like, every second. */
class Watcher {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  maxClients = 0;
  maxWaiting = 0;
  maxServerConnections = 0;
  maxPoolerServers = 0;
  maxWaitSeconds = 0;
  private sessionsAtStart = 0;
  serverLogins = 0;
  readonly loop = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    private readonly watcherSql: Sql,
    private readonly bouncer: PgBouncer,
  ) {}

  async start() {
    this.sessionsAtStart = await this.sessions();
    this.loop.enable();
    const tick = async () => {
      try {
        // The admin console's own pool ("pgbouncer") is not a member's.
        const pools = (await this.bouncer.show('SHOW POOLS')).filter((p) => p.database !== 'pgbouncer');
        const sum = (k: string) => pools.reduce((n, p) => n + Number(p[k] ?? 0), 0);
        this.maxClients = Math.max(this.maxClients, sum('cl_active') + sum('cl_waiting'));
        this.maxWaiting = Math.max(this.maxWaiting, sum('cl_waiting'));
        this.maxPoolerServers = Math.max(
          this.maxPoolerServers,
          sum('sv_active') + sum('sv_idle') + sum('sv_used') + sum('sv_tested') + sum('sv_login'),
        );
        this.maxWaitSeconds = Math.max(this.maxWaitSeconds, ...pools.map((p) => Number(p.maxwait ?? 0) + Number(p.maxwait_us ?? 0) / 1e6));
        const [row] = await this.watcherSql<
          { n: number }[]
        >`select count(*)::int as n from pg_stat_activity where backend_type = 'client backend'`;
        this.maxServerConnections = Math.max(this.maxServerConnections, row!.n);
      } catch (err) {
        log(`watcher: ${(err as Error).message}`);
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), 1000);
    };
    await tick();
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.loop.disable();
    this.serverLogins = (await this.sessions()) - this.sessionsAtStart;
  }

  /** Server logins so far (pg_stat_database.sessions): each is a backend started and authenticated. */
  private async sessions(): Promise<number> {
    const [row] = await this.watcherSql<
      { n: number }[]
    >`select sessions::int as n from pg_stat_database where datname = current_database()`;
    return row!.n;
  }
}

/** Members' users and libraries, in bulk: each with RESOURCES resources (5 % public) and three share tokens. */
async function seedTeam(sql: Sql, count: number): Promise<{ members: Member[]; tokens: string[] }> {
  const wordArray = `array[${words.map((w) => `'${w}'`).join(',')}]::text[]`;
  const word = (k: number) =>
    `(${wordArray})[1 + floor(${words.length} * power(abs(hashint8(i * 16 + ${k}))::float8 / 2147483648, 2))::int]`;
  await sql.unsafe(
    `insert into "user" (email) select 'team-' || lpad(g::text, 4, '0') || '@example.com' from generate_series(1, ${count}) g`,
  );
  await sql.unsafe(`
    insert into resource (user_id, name, description, resource_type, content, is_public, created_at, updated_at)
    select u.id, initcap(${word(1)}) || ' ' || ${word(2)} || ' #' || i, 'Helps ' || ${word(3)} || ' the ' || ${word(4)} || ' teams',
      'prompt', jsonb_build_object('text', 'Please ' || ${word(5)} || ' this {{input}}', 'variables', jsonb_build_array('input')),
      abs(hashint8(i * 16 + 6)) % 20 = 0, ts, ts
    from (select id, row_number() over (order by email) as n from "user" where email like 'team-%') u
    cross join generate_series(1, ${RESOURCES}) as s(k)
    cross join lateral (select (u.n - 1) * ${RESOURCES} + s.k as i) as ii
    cross join lateral (select date_trunc('milliseconds', localtimestamp - make_interval(secs => abs(hashint8(i * 16 + 7)) % 5000000)) as ts) as t`);
  const tokens = await sql<{ token: string }[]>`
    insert into resource_share (resource_id, share_token)
    select id, md5(id::text || 'team') from (
      select r.id, row_number() over (partition by r.user_id order by r.id) as k from resource r join "user" u on u.id = r.user_id where u.email like 'team-%') x
    where k <= 3
    returning share_token as token`;
  await sql.unsafe('vacuum analyze resource, resource_share, "user"');
  const members = Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(4, '0');
    return { login: `team_${n}`, email: `team-${n}@example.com`, password: `team ${n} pässword` };
  });
  return { members, tokens: tokens.map((t) => t.token) };
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function eachLimited<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const pick = <T>(list: readonly T[]): T | undefined => list[Math.floor(Math.random() * list.length)];
function pickOperation(): keyof typeof operations {
  const total = Object.values(operations).reduce((a, b) => a + b, 0);
  let r = Math.random() * total;
  for (const [op, weight] of Object.entries(operations) as [keyof typeof operations, number][]) {
    r -= weight;
    if (r < 0) return op;
  }
  return 'view';
}
/** A person's pause between two actions: exponential, so actions bunch up and spread out as they do; never past `until`. */
const think = (until: number) => sleep(Math.min(Math.max(50, -Math.log(1 - Math.random()) * THINK_MS), until - performance.now()));

/** One action of a member, as the extension's commands do it through the Library. */
async function act(w: Window, op: keyof typeof operations, rec: Recorder, shared: { tokens: string[] }) {
  const lib = w.library;
  switch (op) {
    case 'view': {
      const page = await rec.time('view', () => lib.list('mine', {}));
      if (page) {
        w.cursor = page.nextCursor;
        w.seen = page.items.map((r) => ({ id: r.id, userId: r.userId }));
      }
      return;
    }
    case 'page': {
      if (!w.cursor) return act(w, 'view', rec, shared);
      const page = await rec.time('page', () => lib.list('mine', { cursor: w.cursor }));
      if (page) w.cursor = page.nextCursor;
      return;
    }
    case 'search':
      await rec.time('search', () => lib.list('mine', { search: pick(words.slice(0, 120))! }));
      return;
    case 'browsePublic': {
      const page = await rec.time('browsePublic', () => lib.list('public', {}));
      if (page) w.publicSeen = page.items.map((r) => r.id);
      return;
    }
    case 'save': {
      const saved = await rec.time('save', () =>
        lib.save({ name: `Saved by ${w.member.login} ${Date.now()}`, resourceType: 'prompt', content: { text: 'Review this {{input}}' } }),
      );
      if (saved) w.seen.unshift({ id: saved.id, userId: saved.userId });
      return;
    }
    case 'use': {
      const target = pick(w.seen);
      if (!target) return act(w, 'view', rec, shared);
      // The Use command: read the resource, fill its variables, count the use.
      await rec.time('use', async () => {
        const resource = await lib.require(target.id);
        lib.render(resource, { variables: { input: 'the diff' } });
        await lib.recordUse(resource);
      });
      return;
    }
    case 'fork': {
      const id = pick(w.publicSeen) ?? pick(w.seen)?.id;
      if (!id) return act(w, 'browsePublic', rec, shared);
      await rec.time('fork', () => lib.fork(id));
      return;
    }
    case 'share': {
      const target = pick(w.seen);
      if (!target) return act(w, 'view', rec, shared);
      const share = await rec.time('share', () => lib.share(target.id, { expiresInHours: 24 }));
      if (share) shared.tokens.push(share.shareToken);
      return;
    }
    case 'redeem': {
      const token = pick(shared.tokens);
      if (!token) return;
      // Open Shared Resource: redeem the token, then open the preview through it.
      await rec.time('redeem', async () => {
        const result = await lib.redeem(token);
        if (result.ok) await lib.require(result.resource.id, token);
        else if (result.reason !== 'unknown') throw new Error(`redeem: ${result.reason}`);
      });
      return;
    }
  }
}

interface RunResult {
  recorder: Recorder;
  watcher: Watcher;
  actions: number;
  seconds: number;
  idleClients?: number;
  idleServers?: number;
}

/**
 * Members arrive over the first ARRIVAL_SECONDS (a window opens: the session, then the view's
 * first page), then each acts until `seconds` are up; optionally the idle timeout is waited out.
 */
async function run(
  label: string,
  bouncer: PgBouncer,
  watcherSql: Sql,
  sessions: { member: Member; url: string; email?: string }[],
  seconds: number,
  tokens: string[],
  idleCheck: boolean,
): Promise<RunResult> {
  const rec = new Recorder();
  const watcher = new Watcher(watcherSql, bouncer);
  await watcher.start();
  const windows: Window[] = [];
  const shared = { tokens: [...tokens] };
  let actions = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  await Promise.all(
    sessions.map(async ({ member, url, email }, i) => {
      await sleep((i * ARRIVAL_SECONDS * 1000) / sessions.length);
      const resolved = resolveTeamConnection(url, { tlsMode: 'verify-full' });
      const opened = await rec.time('open', () =>
        openTeamSession({
          url: resolved.url,
          options: resolved.options,
          label: resolved.label,
          email,
          migrationsFolder: migrations,
          allowSchemaChanges: false,
        }),
      );
      if (!opened) return;
      const w: Window = { member, opened, library: new Library(sessionRunner(opened.session)), seen: [], publicSeen: [] };
      windows.push(w);
      await act(w, 'view', rec, shared);
      while (performance.now() < until) {
        await think(until);
        if (performance.now() >= until) break;
        await act(w, pickOperation(), rec, shared);
        actions++;
      }
    }),
  );
  log(`${label}: ${windows.length} of ${sessions.length} windows opened over the first ${ARRIVAL_SECONDS} s`);
  log(`${label}: ${actions} actions in ${seconds} s, ${rec.errorCount} errors`);
  const result: RunResult = { recorder: rec, watcher, actions, seconds };
  if (idleCheck) {
    // Every window stays open, doing nothing: after the idle timeout none holds a connection.
    await sleep(IDLE_WAIT_MS);
    const logins = new Set(sessions.map((s) => decodeURIComponent(new URL(s.url).username)));
    result.idleClients = (await bouncer.show('SHOW CLIENTS')).filter((c) => logins.has(String(c.user))).length;
    result.idleServers = (await bouncer.show('SHOW SERVERS')).length;
  }
  await watcher.stop();
  await Promise.all(windows.map((w) => w.opened.close()));
  return result;
}

function figuresOf(
  prefix: string,
  label: string,
  r: RunResult,
  clientsLabel: string,
): { figures: Figure[]; detail: Record<string, unknown> } {
  const all = [...r.recorder.samples.entries()].filter(([op]) => op !== 'open').flatMap(([, s]) => s);
  const overall = summary(all);
  const perOp = Object.fromEntries(
    [...r.recorder.samples.entries()].map(([op, s]) => [op, { ...summary(s), errors: r.recorder.errors.get(op)?.count ?? 0 }]),
  );
  const figures: Figure[] = [
    {
      ...figure(`${prefix}.clients`, `${label}: client connections at PgBouncer (most at once; ${clientsLabel})`, 'count', [
        r.watcher.maxClients,
      ]),
    },
    figure(
      `${prefix}.errors`,
      `${label}: errors in ${r.actions.toLocaleString('en')} actions and ${perOp.open?.n ?? 0} window opens`,
      'count',
      [r.recorder.errorCount],
      { max: 0, text: '0' },
    ),
    figure(`${prefix}.p50`, `${label}: every action, p50`, 'ms', [overall.p50]),
    figure(`${prefix}.p99`, `${label}: every action, p99 (${overall.n.toLocaleString('en')} actions)`, 'ms', [overall.p99], ms(P99_TARGET)),
    figure(
      `${prefix}.serverConnections`,
      `${label}: Postgres connections (most at once; max_connections ${MAX_CONNECTIONS}, PgBouncer may use ${POOLER_CONNECTIONS})`,
      'count',
      [r.watcher.maxServerConnections],
      { max: MAX_CONNECTIONS, text: `<= ${MAX_CONNECTIONS}` },
    ),
    figure(`${prefix}.serverLogins`, `${label}: server logins during the run (backends PgBouncer started)`, 'count', [
      r.watcher.serverLogins,
    ]),
  ];
  for (const [op, s] of Object.entries(perOp)) {
    figures.push({
      ...figure(`${prefix}.${op}`, `${label}: ${op}, p50 (p99 ${s.p99} ms, n ${s.n})`, 'ms', [s.p50]),
      max: s.max,
      note: s.errors ? `${s.errors} errors` : undefined,
    });
  }
  if (r.idleClients !== undefined) {
    figures.push(
      figure(
        `${prefix}.idleClients`,
        `${label}: client connections left ${IDLE_WAIT_MS / 1000} s after the last action (windows still open)`,
        'count',
        [r.idleClients],
        {
          max: 0,
          text: '0',
        },
      ),
    );
  }
  const errors = Object.fromEntries([...r.recorder.errors.entries()].map(([op, e]) => [op, { count: e.count, messages: [...e.messages] }]));
  return {
    figures,
    detail: {
      actions: r.actions,
      seconds: r.seconds,
      overall,
      perOperation: perOp,
      errors,
      maxClients: r.watcher.maxClients,
      maxWaitingClients: r.watcher.maxWaiting,
      maxPoolerServerConnections: r.watcher.maxPoolerServers,
      maxServerConnections: r.watcher.maxServerConnections,
      maxWaitSeconds: round(r.watcher.maxWaitSeconds),
      serverLogins: r.watcher.serverLogins,
      eventLoopDelayMs: {
        p50: round(r.watcher.loop.percentile(50) / 1e6),
        p99: round(r.watcher.loop.percentile(99) / 1e6),
        max: round(r.watcher.loop.max / 1e6),
      },
      idleClients: r.idleClients,
      idleServers: r.idleServers,
    },
  };
}

async function main() {
  let server: BenchServer | undefined;
  let bouncer: PgBouncer | undefined;
  let superuser: Sql | undefined;
  const stop = async () => {
    await bouncer?.stop();
    await superuser?.end({ timeout: 1 }).catch(() => {});
    await server?.stop();
    bouncer = undefined;
    server = undefined;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
  try {
    let t = performance.now();
    server = await startBenchServer({ postgresFlags: ['-c', `max_connections=${MAX_CONNECTIONS}`] });
    superuser = postgres(server.url, { max: 2, onnotice: () => {} });
    await migrateDatabase(server.url, migrations);
    await enableMemberIsolation(superuser, migrations);
    const { members, tokens } = await seedTeam(superuser, MEMBERS);
    // Each member as an administrator adds them (Add Team Member: a login with a SCRAM verifier).
    await eachLimited(members, 4, async (m) => void (await addTeamMember(superuser!, m)));
    // The shared login of the comparison: the tables' owner, as a team without member logins connects.
    const sharedPassword = 'team shared pässword';
    await superuser.unsafe(`create role team_shared login password '${sharedPassword.replace(/'/g, "''")}' in role postgres`);
    log(
      `server (max_connections ${MAX_CONNECTIONS}) with ${MEMBERS} members, ${(MEMBERS * RESOURCES).toLocaleString('en')} resources, ready in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    bouncer = await startPgBouncer({
      serverPort: server.port,
      superuser,
      poolMode: 'transaction',
      // A member's window runs one statement at a time, mostly; all pools together get POOLER_CONNECTIONS.
      defaultPoolSize: 1,
      maxDbConnections: POOLER_CONNECTIONS,
    });
    const watcherSql = postgres(server.url, { max: 1, onnotice: () => {} });
    const settings = Object.fromEntries(
      (await bouncer.show('SHOW CONFIG'))
        .filter((r) =>
          [
            'pool_mode',
            'default_pool_size',
            'max_db_connections',
            'max_client_conn',
            'server_idle_timeout',
            'server_lifetime',
            'query_wait_timeout',
          ].includes(String(r.key)),
        )
        .map((r) => [r.key, r.value]),
    );
    t = performance.now();
    const perLogin = await run(
      'member logins',
      bouncer,
      watcherSql,
      members.map((member) => ({ member, url: bouncer!.url(member.login, member.password) })),
      SECONDS,
      tokens,
      true,
    );
    log(`member logins: measured in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const a = figuresOf('team.pgbouncer', `${MEMBERS} members, own logins`, perLogin, `${MEMBERS} windows`);
    const figures = [...a.figures];
    const details: Record<string, unknown> = {
      members: MEMBERS,
      seconds: SECONDS,
      thinkMs: THINK_MS,
      resourcesPerMember: RESOURCES,
      pgbouncer: settings,
      memberLogins: a.detail,
    };
    if (SHARED_SECONDS > 0) {
      // A PgBouncer of its own: the one login's pool may use all POOLER_CONNECTIONS, and none of
      // the members' server connections is left over.
      await bouncer.stop();
      bouncer = await startPgBouncer({
        serverPort: server.port,
        superuser,
        poolMode: 'transaction',
        defaultPoolSize: POOLER_CONNECTIONS,
        maxDbConnections: POOLER_CONNECTIONS,
      });
      const sharedRun = await run(
        'one shared login',
        bouncer,
        watcherSql,
        members.map((member) => ({ member, url: bouncer!.url('team_shared', sharedPassword), email: member.email })),
        SHARED_SECONDS,
        tokens,
        false,
      );
      const b = figuresOf('team.pgbouncer.shared', `${MEMBERS} members, one shared login`, sharedRun, `${MEMBERS} windows`);
      figures.push(...b.figures.filter((f) => !/\.(view|page|search|browsePublic|save|use|fork|share|redeem|open)$/.test(f.key)));
      details.sharedLogin = {
        ...b.detail,
        pgbouncer: { default_pool_size: String(POOLER_CONNECTIONS), max_db_connections: String(POOLER_CONNECTIONS) },
      };
    }
    await watcherSql.end();
    console.log(JSON.stringify({ figures, details }));
  } finally {
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`[team] failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
