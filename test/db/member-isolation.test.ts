import assert from 'node:assert/strict';
import postgres, { type Sql } from 'postgres';
import { migrateDatabase } from '../../src/db/migrate';
import { NotFoundError } from '../../src/db/errors';
import { Library } from '../../src/library/library';
import { openTeamSession, SetupNeeded, type OpenedSession } from '../../src/library/session';
import { addTeamMember, enableMemberIsolation } from '../../src/library/teamAdmin';
import { uniqueName } from '../support/embedded-postgres';
import { freshDatabase, migrationsFolder } from './support/database';
import { rejection } from './support/expect';
import { prompt } from './support/rows';

/** The URL of `database` for another login. */
function as(url: string, login: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(login);
  u.password = encodeURIComponent(password);
  return u.toString();
}

async function errorCode(work: PromiseLike<unknown>): Promise<string> {
  try {
    await work;
  } catch (err) {
    return String((err as { code?: unknown }).code);
  }
  return 'no error';
}

describe('team members kept apart by Postgres (row-level security)', function () {
  this.timeout(120_000);
  let adminUrl: string;
  let ownerUrl: string;
  let owner: Sql;
  const sessions: OpenedSession[] = [];
  const raw: Sql[] = [];
  const password = 'Member pässword @:/%';
  let alice: { login: string; library: Library; userId: string; sql: Sql };
  let bob: { login: string; library: Library; userId: string; sql: Sql };
  let unmappedLogin: string;

  async function member(label: string) {
    const login = uniqueName(label);
    const email = `${login}@example.com`;
    const [user] = await owner<{ id: string }[]>`insert into "user" (email) values (${email}) returning id`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      assert.deepEqual(await addTeamMember(admin, { login, email, password }), { createdLogin: true });
    } finally {
      await admin.end();
    }
    const url = as(ownerUrl, login, password);
    const opened = await openTeamSession({
      url,
      options: {},
      label: 'team',
      email: undefined,
      migrationsFolder,
      allowSchemaChanges: false,
    });
    sessions.push(opened);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    raw.push(sql);
    assert.equal(opened.session.isolation, 'member');
    assert.equal(opened.session.userId, user!.id);
    return {
      login,
      library: new Library({ session: async () => opened.session, run: (work) => work(opened.session) }),
      userId: user!.id,
      sql,
    };
  }

  before(async () => {
    // The chat app's database: owned by an ordinary login (not a superuser) that made the tables.
    const url = await freshDatabase('ar_rls');
    adminUrl = url;
    const ownerLogin = uniqueName('chat_app');
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create role ${ownerLogin} login password 'owner-pw'`);
      await admin.unsafe(`alter database ${new URL(url).pathname.slice(1)} owner to ${ownerLogin}`);
    } finally {
      await admin.end();
    }
    ownerUrl = as(url, ownerLogin, 'owner-pw');
    await migrateDatabase(ownerUrl, migrationsFolder);
    owner = postgres(ownerUrl, { max: 4, onnotice: () => {} });
    const superuser = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await enableMemberIsolation(superuser, migrationsFolder);
      await enableMemberIsolation(superuser, migrationsFolder); // a second run changes nothing and does not fail
      unmappedLogin = uniqueName('unmapped');
      await superuser.unsafe(`create role ${unmappedLogin} login password 'unmapped-pw' in role agent_resources_member`);
    } finally {
      await superuser.end();
    }
    alice = await member('alice');
    bob = await member('bob');
  });

  after(async () => {
    for (const s of sessions) await s.close();
    for (const s of raw) await s.end();
    await owner?.end();
  });

  it('each member sees only their own rows and public ones, in lists, gets and searches', async () => {
    const secret = await alice.library.save(prompt('Alice secret plan'));
    const open = await alice.library.save(prompt('Alice open recipe', { isPublic: true }));
    const mine = await bob.library.list('mine', {});
    assert.equal(mine.items.length, 0);
    const publicNames = (await bob.library.list('public', { search: 'Alice' })).items.map((r) => r.name);
    assert.deepEqual(publicNames, ['Alice open recipe']);
    assert.equal(await bob.library.get(secret.id), null);
    assert.equal((await bob.library.get(open.id))?.name, 'Alice open recipe');
  });

  it("every write path as B against A's rows finds nothing, and A's rows are unchanged", async () => {
    const secret = await alice.library.save(prompt('Alice untouchable'));
    const before = await owner`select * from resource where id = ${secret.id}`;
    const attempts: [string, () => Promise<unknown>][] = [
      ['update', () => bob.library.update(secret.id, { name: 'Pwned' })],
      ['pin', () => bob.library.setPinned(secret.id, true)],
      ['delete', () => bob.library.delete(secret.id)],
      ['fork', () => bob.library.fork(secret.id)],
      ['share', () => bob.library.share(secret.id)],
      ['list shares', () => bob.library.shares(secret.id)],
    ];
    for (const [what, attempt] of attempts) {
      assert.ok((await rejection(attempt(), NotFoundError)) instanceof NotFoundError, what);
    }
    assert.equal(
      await bob.library.recordUse({ id: secret.id, userId: bob.userId }).catch((e: unknown) => e instanceof NotFoundError),
      true,
    );
    assert.deepEqual(await owner`select * from resource where id = ${secret.id}`, before);
  });

  it("raw SQL through B's own login: 0 of A's private rows, 0 tokens, no writes, no user table, no functions as A", async () => {
    const secret = await alice.library.save(prompt('Alice raw secret'));
    const share = await alice.library.share(secret.id);
    const sql = bob.sql;
    assert.equal((await sql`select count(*)::int as n from resource where user_id = ${alice.userId} and not is_public`)[0]!.n, 0);
    assert.equal((await sql`select count(*)::int as n from resource_share`)[0]!.n, 0);
    assert.equal((await sql`select count(*)::int as n from resource_share where share_token = ${share.shareToken}`)[0]!.n, 0);
    assert.equal((await sql`update resource set name = 'x' where id = ${secret.id}`).count, 0);
    assert.equal((await sql`delete from resource where id = ${secret.id}`).count, 0);
    assert.equal(
      await errorCode(
        sql`insert into resource (user_id, name, resource_type, content) values (${alice.userId}, 'planted', 'prompt', '{"text":"x"}')`,
      ),
      '42501',
    );
    assert.equal(await errorCode(sql`update resource set user_id = ${alice.userId} where user_id = ${bob.userId}`), '42501');
    assert.equal(await errorCode(sql`select * from "user"`), '42501');
    assert.equal(await errorCode(sql`select * from resource_member`), '42501');
    assert.equal(await errorCode(sql`select * from agent_resources_redeem_share(${alice.userId}, ${share.shareToken})`), '42501');
    assert.equal(await errorCode(sql`select * from agent_resources_shared_resource(${alice.userId}, ${share.shareToken})`), '42501');
    assert.equal((await owner`select access_count from resource_share where id = ${share.id}`)[0]!.access_count, 0);
  });

  it("the versions and tags of A's resources are invisible to B's login, and B cannot tag them", async () => {
    const secret = await alice.library.save(prompt('Alice versioned'));
    await alice.library.update(secret.id, { name: 'Alice versioned again' });
    await owner`insert into resource_tag (resource_id, user_id, tag) values (${secret.id}, ${alice.userId}, 'secret')`;
    const count = async (sql: Sql, table: 'resource_version' | 'resource_tag') =>
      (await sql`select count(*)::int as n from ${sql(table)} where resource_id = ${secret.id}`)[0]!.n as number;
    assert.ok((await count(owner, 'resource_version')) >= 2);
    assert.equal(await count(alice.sql, 'resource_version'), await count(owner, 'resource_version'), 'A sees her history');
    assert.equal(await count(bob.sql, 'resource_version'), 0);
    assert.equal(await count(alice.sql, 'resource_tag'), 1);
    assert.equal(await count(bob.sql, 'resource_tag'), 0);
    assert.equal(
      await errorCode(bob.sql`insert into resource_tag (resource_id, user_id, tag) values (${secret.id}, ${bob.userId}, 'mine')`),
      '42501',
    );
  });

  it("a version's author is the member's login, whatever the session's actor setting says", async () => {
    const mine = await bob.library.save(prompt('Bob versioned'));
    await bob.sql.begin(async (tx) => {
      await tx`select set_config('agent_resources.actor', ${alice.userId}, true)`;
      await tx`update resource set content = '{"text":"changed"}' where id = ${mine.id}`;
    });
    const [latest] = await owner`select changed_by from resource_version where resource_id = ${mine.id} order by version desc limit 1`;
    assert.equal(latest!.changed_by, bob.userId);
  });

  it('the email setting cannot make B act as A: the login decides', async () => {
    const url = as(ownerUrl, bob.login, password);
    const [aliceEmail] = await owner<{ email: string }[]>`select email from "user" where id = ${alice.userId}`;
    const opened = await openTeamSession({
      url,
      options: {},
      label: 'team',
      email: aliceEmail!.email,
      migrationsFolder,
      allowSchemaChanges: false,
    });
    try {
      assert.equal(opened.session.userId, bob.userId);
    } finally {
      await opened.close();
    }
  });

  it('a login mapped to no user sees nothing, even public rows and with table grants, and is told why', async () => {
    await alice.library.save(prompt('Alice public for all', { isPublic: true }));
    const url = as(ownerUrl, unmappedLogin, 'unmapped-pw');
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      assert.equal((await sql`select count(*)::int as n from resource`)[0]!.n, 0);
      assert.equal((await sql`select count(*)::int as n from resource_share`)[0]!.n, 0);
    } finally {
      await sql.end();
    }
    const err = await rejection(
      openTeamSession({ url, options: {}, label: 'team', email: 'x@example.com', migrationsFolder, allowSchemaChanges: false }),
      SetupNeeded,
    );
    assert.equal(err.need.kind, 'notMember');
    assert.match(err.message, /not a member of the team library.*Add Team Member/);
  });

  it('sharing across members: B reads and forks A’s private resource only after redeeming; the fork counts on A’s row', async () => {
    const secret = await alice.library.save(prompt('Alice shared plan'));
    const share = await alice.library.share(secret.id);
    assert.equal(await bob.library.get(secret.id, share.shareToken), null, 'not before redeeming');
    await rejection(bob.library.fork(secret.id, { viaShareToken: share.shareToken }), NotFoundError);
    const redeemed = await bob.library.redeem(share.shareToken);
    assert.equal(redeemed.ok && redeemed.resource.name, 'Alice shared plan');
    assert.equal((await bob.library.get(secret.id, share.shareToken))?.name, 'Alice shared plan');
    const fork = await bob.library.fork(secret.id, { viaShareToken: share.shareToken });
    assert.equal(fork.userId, bob.userId);
    assert.equal(fork.parentResourceId, secret.id);
    assert.equal((await owner`select fork_count from resource where id = ${secret.id}`)[0]!.fork_count, 1);
    await alice.library.revokeShare(share);
    assert.equal(await bob.library.get(secret.id, share.shareToken), null, 'revoked');
    assert.equal((await bob.library.get(fork.id))?.name, fork.name, 'the fork stays B’s');
    await bob.library.update(fork.id, { name: 'Bob renamed fork' });
  });

  it('a used-up token (maxAccesses 1) lets no second member read or fork, and its count stays 1', async () => {
    const secret = await alice.library.save(prompt('Alice one-time'));
    const share = await alice.library.share(secret.id, { maxAccesses: 1 });
    assert.equal((await bob.library.redeem(share.shareToken)).ok, true);
    const carol = await member('carol');
    assert.deepEqual(await carol.library.redeem(share.shareToken), { ok: false, reason: 'exhausted' });
    for (let i = 0; i < 3; i++) await rejection(carol.library.fork(secret.id, { viaShareToken: share.shareToken }), NotFoundError);
    assert.equal(await carol.library.get(secret.id, share.shareToken), null);
    const [row] =
      await owner`select access_count, (select fork_count from resource where id = ${secret.id}) as forks from resource_share where id = ${share.id}`;
    assert.deepEqual({ ...row }, { access_count: 1, forks: 0 });
  });

  it('50 concurrent redemptions of a max-10 token through the functions give exactly 10', async () => {
    const secret = await alice.library.save(prompt('Alice popular'));
    const share = await alice.library.share(secret.id, { maxAccesses: 10 });
    const url = as(ownerUrl, bob.login, password);
    const opened = await openTeamSession({
      url,
      options: { max: 10 },
      label: 'team',
      email: undefined,
      migrationsFolder,
      allowSchemaChanges: false,
    });
    try {
      const library = new Library({ session: async () => opened.session, run: (work) => work(opened.session) });
      const results = await Promise.all(Array.from({ length: 50 }, () => library.redeem(share.shareToken)));
      assert.equal(results.filter((r) => r.ok).length, 10);
      assert.equal(results.filter((r) => !r.ok && r.reason === 'exhausted').length, 40);
    } finally {
      await opened.close();
    }
    assert.equal((await owner`select access_count from resource_share where id = ${share.id}`)[0]!.access_count, 10);
  });

  it("the chat app's own statements, as the tables' owner, are unaffected: insert, select and update any user's rows", async () => {
    const secret = await alice.library.save(prompt('Alice private for the app'));
    const [inserted] = await owner`insert into resource (user_id, name, resource_type, content)
      values (${bob.userId}, 'Written by the app', 'prompt', '{"text":"from the chat app"}') returning id`;
    assert.equal((await owner`select count(*)::int as n from resource where id in ${owner([secret.id, inserted!.id])}`)[0]!.n, 2);
    assert.equal((await owner`update resource set execution_count = execution_count + 1 where id = ${secret.id}`).count, 1);
    assert.equal((await owner`select count(*)::int as n from "user"`)[0]!.n >= 2, true);
    assert.equal((await bob.library.get(inserted!.id))?.name, 'Written by the app', 'and the member sees the row the app wrote for them');
  });

  it('a shared login (the owner) is said to be one: nothing keeps members apart there', async () => {
    const [aliceEmail] = await owner<{ email: string }[]>`select email from "user" where id = ${alice.userId}`;
    const opened = await openTeamSession({
      url: ownerUrl,
      options: {},
      label: 'team',
      email: aliceEmail!.email,
      migrationsFolder,
      allowSchemaChanges: false,
    });
    try {
      assert.equal(opened.session.isolation, 'shared');
      assert.equal(opened.session.userId, alice.userId);
    } finally {
      await opened.close();
    }
  });
});
