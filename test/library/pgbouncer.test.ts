import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import postgres, { type Sql } from 'postgres';
import { migrateDatabase } from '../../src/db/migrate';
import { listenForChanges } from '../../src/library/changeFeed';
import { Library, sessionRunner } from '../../src/library/library';
import { createTeamTables, openTeamSession, type OpenedSession } from '../../src/library/session';
import { addTeamMember, enableMemberIsolation } from '../../src/library/teamAdmin';
import { connectionStringProblem, resolveTeamConnection } from '../../src/library/teamConnection';
import { prompt } from '../db/support/rows';
import { startPgBouncer, type PgBouncer } from '../support/pgbouncer';
import { startTeamServer, type TeamServer } from '../support/teamServer';

const root = resolve(__dirname, '..', '..');
const migrationsFolder = join(root, 'migrations');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The count once it is 0, or the last one after 5 s (the idle timeout is 1 s; the machine may be busy). */
async function soon(count: () => Promise<number>): Promise<number> {
  let n = await count();
  for (let i = 0; i < 50 && n > 0; i++) {
    await sleep(100);
    n = await count();
  }
  return n;
}

describe('through PgBouncer 1.18 in transaction pooling (no prepared statements, no LISTEN)', function () {
  this.timeout(120_000);
  let team: TeamServer;
  let superuser: Sql;
  let bouncer: PgBouncer;
  const opened: OpenedSession[] = [];
  const members = [
    { login: 'pool_alice', email: 'pool-alice@example.com', password: 'alice pässword' },
    { login: 'pool_bob', email: 'pool-bob@example.com', password: 'bob-password' },
    { login: 'pool_carol', email: 'pool-carol@example.com', password: 'carol-password' },
    { login: 'pool_dave', email: 'pool-dave@example.com', password: 'dave-password' },
  ];

  /** The member's URL straight to Postgres. */
  const directUrl = (m: { login: string; password: string }) => {
    const url = new URL(team.url);
    url.username = encodeURIComponent(m.login);
    url.password = encodeURIComponent(m.password);
    return url.toString();
  };

  /** A member's session as the extension opens it: the connection string, resolved, then openTeamSession. */
  async function open(url: string, extra: { idleTimeout?: number } = {}) {
    const resolved = resolveTeamConnection(url, { tlsMode: 'verify-full' });
    const log: string[] = [];
    const session = await openTeamSession({
      url: resolved.url,
      options: { ...resolved.options, ...(extra.idleTimeout ? { idle_timeout: extra.idleTimeout } : {}) },
      label: resolved.label,
      email: undefined,
      migrationsFolder,
      allowSchemaChanges: false,
      log: (line) => log.push(line),
    });
    opened.push(session);
    return { ...session, log, library: new Library(sessionRunner(session.session)) };
  }

  before(async () => {
    team = await startTeamServer(root);
    superuser = postgres(team.url, { max: 2, onnotice: () => {} });
    await migrateDatabase(team.url, migrationsFolder);
    await enableMemberIsolation(superuser, migrationsFolder);
    for (const m of members) {
      await superuser`insert into "user" (email) values (${m.email})`;
      await addTeamMember(superuser, m);
    }
    // Fewer server connections than clients: members take turns on them.
    bouncer = await startPgBouncer({ serverPort: team.port, superuser, defaultPoolSize: 2, maxDbConnections: 3 });
  });

  after(async () => {
    for (const s of opened) await s.close();
    await bouncer?.stop();
    await superuser?.end();
    await team?.stop();
  });

  it('finds the pooler by itself, and every operation works with members taking turns on the server connections', async () => {
    const [alice, bob] = await Promise.all(members.slice(0, 2).map((m) => open(bouncer.url(m.login, m.password))));
    for (const member of [alice!, bob!]) {
      assert.equal(member.session.client.pooled, true);
      assert.equal(member.session.isolation, 'member');
      assert.match(member.log.join('\n'), /reached through a connection pooler: no prepared statements, and no live refresh/);
    }
    const direct = await open(directUrl(members[0]!));
    assert.equal(direct.session.client.pooled, false, 'a direct connection is not taken for a pooler');

    // Each round runs the same statements again (what a prepared statement would be reused for),
    // both members at once, so each transaction may land on another server connection.
    const round = async (me: typeof alice, other: typeof alice, n: number) => {
      const saved = await me!.library.save(prompt(`Pooled ${me!.session.email} ${n}`, { description: 'through the pooler' }));
      const first = await me!.library.list('mine', { limit: 10 });
      assert.ok(first.items.some((r) => r.id === saved.id));
      if (first.nextCursor) await me!.library.list('mine', { limit: 10, cursor: first.nextCursor });
      assert.ok((await me!.library.list('mine', { search: 'pooler' })).items.length > 0);
      await me!.library.list('mine', { type: 'prompt' });
      await me!.library.recordUse(saved);
      const share = await me!.library.share(saved.id, { maxAccesses: 5 });
      const redeemed = await other!.library.redeem(share.shareToken);
      assert.equal(redeemed.ok, true);
      const fork = await other!.library.fork(saved.id, { viaShareToken: share.shareToken });
      assert.equal(fork.parentResourceId, saved.id);
      await other!.library.update(fork.id, { name: `Fork ${n}` }, fork.updatedAt);
    };
    for (let n = 0; n < 15; n++) await Promise.all([round(alice, bob, n), round(bob, alice, n)]);
    const mine = await alice!.library.list('mine', { limit: 100 });
    assert.equal(mine.items.length, 30, "alice's 15 prompts and 15 forks of bob's");
    const servers = await bouncer.show('SHOW SERVERS');
    assert.ok(servers.length <= 3, `PgBouncer kept to max_db_connections: ${servers.length} server connections`);
  });

  it('the change feed stays quiet through the pooler: no error, a line in the log, no connection held', async () => {
    const alice = await open(bouncer.url(members[0]!.login, members[0]!.password));
    const log: string[] = [];
    const feed = await listenForChanges(alice.session, { log: (line) => log.push(line) });
    let told = 0;
    feed.onDidChange(() => told++);
    await alice.library.save(prompt('Written while nobody listens'));
    await sleep(500);
    assert.equal(told, 0);
    assert.match(log.join('\n'), /Live refresh is off: the database is reached through a transaction pooler/);
    await feed.dispose();
  });

  it('an idle session holds no connection after its idle timeout: none in SHOW CLIENTS, none in pg_stat_activity', async () => {
    const clientsOf = async (login: string) => (await bouncer.show('SHOW CLIENTS')).filter((c) => c.user === login).length;
    const backendsOf = async (login: string) =>
      Number((await superuser`select count(*) as n from pg_stat_activity where usename = ${login}`)[0]!.n);
    // The product's idle timeout is 30 s; 1 s here, the same path. Carol has no other session open.
    const carol = members[2]!;
    const pooled = await open(bouncer.url(carol.login, carol.password), { idleTimeout: 1 });
    await pooled.library.list('mine', {});
    assert.ok((await clientsOf(carol.login)) > 0, 'connected while in use');
    assert.equal(await soon(() => clientsOf(carol.login)), 0, "PgBouncer's clients after the idle timeout");
    await pooled.library.list('mine', {});
    assert.ok((await clientsOf(carol.login)) > 0, 'it connects again on the next need');
    // Straight to Postgres (dave never used the pooler, whose own server connections stay open):
    // the server holds no backend for the idle session.
    const dave = members[3]!;
    const direct = await open(directUrl(dave), { idleTimeout: 1 });
    await direct.library.list('mine', {});
    assert.ok((await backendsOf(dave.login)) > 0);
    assert.equal(await soon(() => backendsOf(dave.login)), 0, "the server's backends of the idle direct session");
  });

  it('creates the resource tables through the pooler, two at once, each migration once', async () => {
    await superuser.unsafe('create database pooled_fresh');
    const url = bouncer.url(team.user, team.password, 'pooled_fresh');
    const resolved = resolveTeamConnection(url, { tlsMode: 'verify-full' });
    await Promise.all([0, 1].map(() => createTeamTables(resolved.url, resolved.options, migrationsFolder)));
    const fresh = postgres(team.url.replace(/\/postgres\?/, '/pooled_fresh?'), { max: 1, onnotice: () => {} });
    try {
      const rows = await fresh`select tag, count(*)::int as n from agent_resources_migrations group by tag having count(*) > 1`;
      assert.deepEqual([...rows], []);
      const [{ n } = { n: 0 }] = await fresh<{ n: number }[]>`select count(*)::int as n from agent_resources_migrations`;
      assert.ok(n > 0);
      const locks = await fresh`select 1 from pg_locks where locktype = 'advisory'`;
      assert.equal(locks.length, 0, 'no advisory lock is left on a server connection');
    } finally {
      await fresh.end();
    }
  });

  it('pgbouncer=true in the connection string says so without detection; another value is refused with what to write', async () => {
    const url = `${bouncer.url(members[0]!.login, members[0]!.password)}&pgbouncer=true`;
    const resolved = resolveTeamConnection(url, { tlsMode: 'verify-full' });
    assert.equal(resolved.options.prepare, false);
    assert.doesNotMatch(resolved.url!, /pgbouncer/, 'not sent to the server as a startup parameter');
    const alice = await open(url);
    assert.equal(alice.session.client.pooled, true);
    assert.equal((await alice.library.list('mine', {})).items.length >= 0, true);
    assert.match(
      connectionStringProblem(`${url.replace('pgbouncer=true', 'pgbouncer=yes')}`) ?? '',
      /pgbouncer= .* takes true .* or false/,
    );
  });
});
