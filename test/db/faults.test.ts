import assert from 'node:assert/strict';
import type { PendingQuery, Row } from 'postgres';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import { ConflictError } from '../../src/db/errors';
import { createResource, createShare, forkResource, getUserResources, redeemShare, updateResource } from '../../src/db/queries';
import { resource } from '../../src/db/schema';
import { exportFormat, importLibrary } from '../../src/db/transfer';
import { classifyConnectionError, describeConnectionError, isConnectionProblem } from '../../src/library/connectionErrors';
import { rejection } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { TcpProxy, within } from './support/proxy';
import { countOf, prompt, rawResource, rawShare } from './support/rows';
import { failOnUnhandledRejection } from './support/unhandled';

const failureOf = (work: Promise<unknown>) =>
  work.then(
    (value) => assert.fail(`expected a failure, got ${JSON.stringify(value)?.slice(0, 200)}`),
    (err: unknown) => err,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const has = (text: string) => (chunk: Buffer) => chunk.includes(text, 0, 'latin1');

describe('faults: connections cut and slowed by a TCP proxy on 127.0.0.1, servers that drop a session', function () {
  this.timeout(60_000);
  failOnUnhandledRejection();

  let url: string;
  let direct: DatabaseClient;
  let proxy: TcpProxy;
  let author: string;
  let forker: string;
  const clients = new Set<DatabaseClient>();
  const survived: string[] = [];

  before(async () => {
    ({ url, client: direct } = await sharedDatabase());
    proxy = await TcpProxy.start(url);
    author = await newUser(direct, 'fault-author');
    forker = await newUser(direct, 'fault-forker');
  });
  afterEach(() => {
    proxy.disarm();
    proxy.latency = { up: 0, down: 0 };
  });
  after(async () => {
    for (const c of clients) await discard(c);
    await proxy?.close();
    console.log(`      faults survived: ${survived.length} (${survived.join('; ')})`);
  });

  /** A new client that reaches the server only through the proxy: one connection, as a window's pool might end up. */
  function viaProxy(): DatabaseClient {
    const client = createDatabaseClient(proxy.urlFor(url), { max: 1, connect_timeout: 5 });
    clients.add(client);
    return client;
  }

  /**
   * Drops a client whose connection was cut, as the extension does: postgres.js can hang on a
   * connection terminated mid-query, so the client is ended without waiting on it.
   */
  async function discard(client: DatabaseClient): Promise<void> {
    clients.delete(client);
    await within(3_000, 'ending a client', client.sql.end({ timeout: 0 })).catch(() => {});
  }

  /** Waits (at most 10 s) until no other session holds the row: a cut session's transaction has been rolled back. */
  const rowReleased = (id: string) =>
    direct.sql.begin(async (tx) => {
      await tx`set local lock_timeout = '10s'`;
      await tx`select id from resource where id = ${id} for update`;
    });

  /** The error a caller sees is a lost connection, described without secrets. */
  function assertLost(err: unknown) {
    assert.equal(classifyConnectionError(err), 'lost', String(err));
    assert.ok(isConnectionProblem(err));
    const password = new URL(url).password;
    const described = describeConnectionError(err, { host: '127.0.0.1', port: proxy.port }, password ? [password] : []);
    assert.equal(described.problem, 'lost');
    assert.equal(
      described.message,
      `The connection to the database at 127.0.0.1:${proxy.port} was lost (the server restarted or the network dropped). Reconnecting…`,
    );
    if (password) assert.ok(!described.message.includes(password));
  }

  const forkState = async (id: string) => ({
    forkCount: (await rawResource(direct.sql, id))!.fork_count as number,
    children: await countOf(direct.sql`select count(*)::int as count from resource where parent_resource_id = ${id}`),
  });

  for (const how of ['fin', 'reset'] as const) {
    it(`a fork cut mid-transaction (${how === 'fin' ? 'connection closed' : 'TCP reset'}): "lost", nothing half-written; refused while down; a new client's retry succeeds`, async () => {
      const parent = await createResource(direct.db, author, prompt(`Cut fork ${how}`, { isPublic: true }));
      const client = viaProxy();
      // The child's INSERT ran (uncommitted); the parent's count never goes out.
      const cut = proxy.cutWhen({ direction: 'down', match: has('INSERT 0 1'), how });
      const err = await within(10_000, 'the cut fork', failureOf(forkResource(client.db, forker, parent.id)));
      await within(1_000, 'the cut', cut);
      assertLost(err);
      await discard(client);
      await rowReleased(parent.id);
      assert.deepEqual(await forkState(parent.id), { forkCount: 0, children: 0 }, 'rolled back: no count, no child');

      await proxy.pause(how);
      const down = viaProxy();
      const refused = await within(10_000, 'connecting while down', failureOf(down.sql`select 1`));
      assert.equal(classifyConnectionError(refused), 'refused', String(refused));
      assert.match(describeConnectionError(refused, { host: '127.0.0.1', port: proxy.port }).message, /\(connection refused\)/);
      await discard(down);

      await proxy.resume();
      const retry = viaProxy();
      const fork = await within(10_000, 'the retry', forkResource(retry.db, forker, parent.id));
      assert.equal(fork.parentResourceId, parent.id);
      assert.deepEqual(await forkState(parent.id), { forkCount: 1, children: 1 });
      await discard(retry);
      survived.push(`fork cut (${how})`);
    });
  }

  it('an import cut after the first of its 3 batched inserts leaves no partial import; the retry on a new client imports all 1,200 once', async () => {
    const importer = await newUser(direct, 'fault-importer');
    const file = {
      format: exportFormat,
      version: 1,
      resources: Array.from({ length: 1200 }, (_, i) => ({
        name: `Imported ${i}`,
        resourceType: 'prompt',
        content: { text: `entry ${i}` },
      })),
    };
    const client = viaProxy();
    let inserts = 0;
    const cut = proxy.cutWhen({
      direction: 'down',
      match: (chunk) => (inserts += chunk.toString('latin1').match(/INSERT 0 \d+/g)?.length ?? 0) >= 1,
    });
    const err = await within(10_000, 'the cut import', failureOf(importLibrary(client.db, importer, file)));
    await within(1_000, 'the cut', cut);
    assertLost(err);
    await discard(client);
    assert.equal(inserts, 1, 'one batch of rows had been inserted in the transaction when it was cut');
    // Wait for the cut session to go (its inserts are uncommitted either way: MVCC never shows them).
    for (let i = 0; i < 100; i++) {
      const [row] =
        await direct.sql`select count(*)::int as n from pg_stat_activity where state like 'idle in transaction%' and application_name = ${client.applicationName} and datname = current_database()`;
      if (row!.n === 0) break;
      await sleep(50);
    }
    assert.equal(
      await countOf(direct.sql`select count(*)::int as count from resource where user_id = ${importer}`),
      0,
      'no partial import',
    );

    const retry = viaProxy();
    assert.deepEqual(await within(10_000, 'the retry', importLibrary(retry.db, importer, file)), {
      imported: 1200,
      updated: 0,
      unchanged: 0,
      skipped: [],
    });
    assert.deepEqual(await within(10_000, 'again', importLibrary(retry.db, importer, file)), {
      imported: 0,
      updated: 0,
      unchanged: 1200,
      skipped: [],
    });
    assert.equal(await countOf(direct.sql`select count(*)::int as count from resource where user_id = ${importer}`), 1200);
    await discard(retry);
    survived.push('import cut after 1 of 3 batched inserts');
  });

  it('a save cut before it reaches the server changes nothing; the edit, still in hand, saves on a new client with the same version', async () => {
    const r = await createResource(direct.db, author, prompt('Saved through a cut'));
    const edit = { content: { text: 'the edit in the editor' } };
    const client = viaProxy();
    const cut = proxy.cutWhen({ direction: 'up', match: has('update "resource"') });
    const err = await within(
      10_000,
      'the cut save',
      failureOf(updateResource(client.db, author, r.id, edit, { expectedUpdatedAt: r.updatedAt })),
    );
    await within(1_000, 'the cut', cut);
    assertLost(err);
    await discard(client);
    const row = (await rawResource(direct.sql, r.id))!;
    assert.deepEqual([row.content, row.updated_at.getTime()], [r.content, r.updatedAt.getTime()], 'nothing written');
    const retry = viaProxy();
    const saved = await within(10_000, 'the retry', updateResource(retry.db, author, r.id, edit, { expectedUpdatedAt: r.updatedAt }));
    assert.deepEqual(saved.content, edit.content);
    await discard(retry);
    survived.push('save cut before the server');
  });

  it('a save whose reply is cut (committed, but the client saw an error): the retry is a ConflictError and the stored text is the edit — nothing lost, nothing doubled', async () => {
    const r = await createResource(direct.db, author, prompt('Reply lost'));
    const edit = { content: { text: 'saved, but the answer never came' } };
    const client = viaProxy();
    const cut = proxy.cutWhen({ direction: 'down', match: has('UPDATE 1') });
    const err = await within(
      10_000,
      'the cut save',
      failureOf(updateResource(client.db, author, r.id, edit, { expectedUpdatedAt: r.updatedAt })),
    );
    await within(1_000, 'the cut', cut);
    assertLost(err);
    await discard(client);
    const retry = viaProxy();
    const conflict = await within(
      10_000,
      'the retry',
      rejection(updateResource(retry.db, author, r.id, edit, { expectedUpdatedAt: r.updatedAt }), ConflictError),
    );
    const row = (await rawResource(direct.sql, r.id))!;
    assert.deepEqual(row.content, edit.content, 'the edit is stored');
    assert.equal(conflict.currentUpdatedAt.getTime(), row.updated_at.getTime(), 'the conflict names the stored version');
    await discard(retry);
    survived.push('save reply cut');
  });

  for (const [when, direction, match, committed] of [
    ['before COMMIT reaches the server', 'up', has('commit'), false],
    ['after the server committed, before the reply', 'down', has('COMMIT\0'), true],
  ] as const) {
    it(`a fork cut ${when}: all or nothing (${committed ? 'all' : 'nothing'}), never half`, async () => {
      const parent = await createResource(direct.db, author, prompt(`Commit cut ${direction}`, { isPublic: true }));
      const client = viaProxy();
      const cut = proxy.cutWhen({ direction, match });
      const err = await within(10_000, 'the cut fork', failureOf(forkResource(client.db, forker, parent.id)));
      await within(1_000, 'the cut', cut);
      assertLost(err);
      await discard(client);
      await rowReleased(parent.id);
      assert.deepEqual(await forkState(parent.id), committed ? { forkCount: 1, children: 1 } : { forkCount: 0, children: 0 });
      survived.push(`fork cut ${when}`);
    });
  }

  it('the server ends the session of a fork waiting on a lock (as a restart does): "lost", nothing written, and no uncaught error from the driver', async () => {
    const parent = await createResource(direct.db, author, prompt('Terminated fork', { isPublic: true }));
    const victim = createDatabaseClient(url, { max: 1, connection: { application_name: 'agent-resources-victim' } });
    clients.add(victim);
    await victim.sql`select 1`;
    const locker = await direct.sql.reserve();
    try {
      await locker`begin`;
      await locker`select id from resource where id = ${parent.id} for update`;
      const fork = failureOf(forkResource(victim.db, forker, parent.id));
      let terminated = false;
      for (let i = 0; i < 200 && !terminated; i++) {
        const [waiting] = await direct.sql<{ pid: number }[]>`select pid from pg_stat_activity
          where application_name = 'agent-resources-victim' and wait_event_type = 'Lock' and datname = current_database()`;
        if (waiting) terminated = (await direct.sql`select pg_terminate_backend(${waiting.pid}) as ok`)[0]!.ok;
        else await sleep(25);
      }
      assert.ok(terminated, 'the waiting fork was found and its session ended');
      assertLost(await within(10_000, 'the terminated fork', fork));
    } finally {
      await locker`rollback`;
      locker.release();
    }
    await discard(victim);
    // A turn of the event loop: postgres.js 3.4.9 used to throw here from a setImmediate (a ROLLBACK written to a dropped socket).
    await sleep(50);
    assert.deepEqual(await forkState(parent.id), { forkCount: 0, children: 0 });
    survived.push('session ended by the server mid-fork');
  });

  it('a new connection whose first statement fails (a 1 ms statement_timeout cancels it): the caller gets the error, the driver leaves no uncaught one', async () => {
    // postgres.js 3.4.9 sends an array-types query of its own first unless told not to, and drops
    // that promise: when it fails (cancelled here, or its connection lost as a server restarts) the
    // rejection is unhandled (porsager/postgres#1192). The extension host counts each one.
    const client = createDatabaseClient(url, { max: 1, connection: { statement_timeout: 1 } });
    clients.add(client);
    const err = await failureOf(client.sql`select pg_sleep(0.05)`);
    assert.equal((err as { code?: string }).code, '57014', String(err));
    await discard(client);
    await sleep(50);
    survived.push('first statement cancelled');
  });

  it('a query error is not a connection problem, even when its parameters say "TLS certificate" or "Connection terminated"', async () => {
    const err = await failureOf(
      direct.db.insert(resource).values({
        userId: author,
        name: 'TLS certificate: Connection terminated, server closed the connection',
        resourceType: 'tool' as 'prompt',
        content: {},
      }),
    );
    assert.equal(classifyConnectionError(err), 'other', String(err));
    assert.equal(isConnectionProblem(err), false);
  });

  describe('a slow server (the proxy delays every chunk from the server by 300 ms)', () => {
    let slow: DatabaseClient;
    before(async () => {
      proxy.latency.down = 300;
      slow = viaProxy();
      const start = Date.now();
      await within(15_000, 'connecting', slow.sql`select 1`);
      console.log(`      slow server: connected in ${Date.now() - start} ms`);
    });
    beforeEach(() => {
      proxy.latency.down = 300;
    });
    after(() => discard(slow));

    it('fork, save with a version, redeem and import complete correctly, just slowly', async () => {
      const parent = await createResource(direct.db, author, prompt('Slow parent', { isPublic: true }));
      const start = Date.now();
      const fork = await within(15_000, 'fork', forkResource(slow.db, forker, parent.id));
      assert.ok(Date.now() - start >= 4 * 300, 'the latency applied to each round trip');
      const saved = await within(
        15_000,
        'save',
        updateResource(slow.db, forker, fork.id, { content: { text: 'slow edit' } }, { expectedUpdatedAt: fork.updatedAt }),
      );
      assert.deepEqual(saved.content, { text: 'slow edit' });
      const share = await createShare(direct.db, forker, fork.id, { maxAccesses: 2 });
      const redeemed = await within(15_000, 'redeem', redeemShare(slow.db, author, share.shareToken));
      assert.ok(redeemed.ok && redeemed.resource.id === fork.id && redeemed.share.accessCount === 1);
      const importer = await newUser(direct, 'slow-importer');
      const report = await within(
        15_000,
        'import',
        importLibrary(slow.db, importer, {
          format: exportFormat,
          version: 1,
          resources: [0, 1].map((i) => ({ name: `Slow ${i}`, resourceType: 'prompt', content: { text: `${i}` } })),
        }),
      );
      assert.deepEqual(report, { imported: 2, updated: 0, unchanged: 0, skipped: [] });
      console.log(`      slow server: fork, save, redeem and import in ${Date.now() - start} ms`);
      assert.deepEqual(await forkState(parent.id), { forkCount: 1, children: 1 });
      assert.deepEqual((await rawResource(direct.sql, fork.id))!.content, { text: 'slow edit' });
      assert.equal((await rawShare(direct.sql, share.id))!.access_count, 1);
      assert.deepEqual((await getUserResources(direct.db, importer)).items.map((r) => r.name).sort(), ['Slow 0', 'Slow 1']);
      survived.push('300 ms per chunk');
    });

    it('a slow query is cancelled (postgres.js q.cancel(), sent through the proxy): 57014 at once, and the connection keeps working', async () => {
      const query = slow.sql`select pg_sleep(30)`;
      const outcome = failureOf(query);
      await sleep(400);
      const t = Date.now();
      query.cancel();
      const err = await within(10_000, 'the cancelled query', outcome);
      assert.equal((err as { code?: string }).code, '57014', String(err));
      assert.ok(Date.now() - t < 5_000, 'cancelled well before the 30 s sleep');
      assert.equal(classifyConnectionError(err), 'other', 'a cancel is not a lost connection');
      assert.deepEqual([...(await within(15_000, 'the next query', slow.sql`select 2 as two`))], [{ two: 2 }]);
      survived.push('cancelled slow query');
    });

    it('cancelling a fork-like transaction half-way (count done, child inserted, still working) leaves nothing half-written', async () => {
      const parent = await createResource(direct.db, author, prompt('Cancelled fork', { isPublic: true }));
      const pending: { slow?: PendingQuery<Row[]> } = {};
      const transaction = failureOf(
        slow.sql.begin(async (tx) => {
          await tx`update resource set fork_count = fork_count + 1 where id = ${parent.id}`;
          await tx`insert into resource (user_id, name, resource_type, content, parent_resource_id)
            select ${forker}, name || ' (fork)', resource_type, content, id from resource where id = ${parent.id}`;
          pending.slow = tx`select pg_sleep(30)`;
          await pending.slow;
        }),
      );
      for (let i = 0; i < 400 && !pending.slow; i++) await sleep(25);
      assert.ok(pending.slow, 'the transaction got to its slow step');
      await sleep(400);
      pending.slow.cancel();
      const err = await within(10_000, 'the cancelled transaction', transaction);
      assert.equal((err as { code?: string }).code, '57014', String(err));
      assert.deepEqual(await forkState(parent.id), { forkCount: 0, children: 0 });
      assert.deepEqual([...(await within(15_000, 'the next query', slow.sql`select 3 as three`))], [{ three: 3 }]);
      survived.push('cancelled half-way transaction');
    });
  });

  it('a fork stuck behind a lock and cancelled from the server side (what cancel sends) writes nothing; the client keeps working', async () => {
    const parent = await createResource(direct.db, author, prompt('Stuck fork', { isPublic: true }));
    const client = createDatabaseClient(url, { max: 1, connection: { application_name: 'agent-resources-stuck' } });
    clients.add(client);
    const locker = await direct.sql.reserve();
    let err: unknown;
    try {
      await locker`begin`;
      await locker`select id from resource where id = ${parent.id} for update`;
      const fork = failureOf(forkResource(client.db, forker, parent.id));
      let cancelled = false;
      for (let i = 0; i < 200 && !cancelled; i++) {
        const [waiting] = await direct.sql<{ pid: number }[]>`select pid from pg_stat_activity
          where application_name = 'agent-resources-stuck' and wait_event_type = 'Lock' and datname = current_database()`;
        if (waiting) cancelled = (await direct.sql`select pg_cancel_backend(${waiting.pid}) as ok`)[0]!.ok;
        else await sleep(25);
      }
      assert.ok(cancelled);
      err = await within(10_000, 'the cancelled fork', fork);
    } finally {
      await locker`rollback`;
      locker.release();
    }
    assert.equal(classifyConnectionError(err), 'other');
    assert.match(String((err as { cause?: unknown }).cause ?? err), /canceling statement due to user request/);
    assert.deepEqual(await forkState(parent.id), { forkCount: 0, children: 0 });
    const fork = await within(10_000, 'the next fork', forkResource(client.db, forker, parent.id));
    assert.equal(fork.parentResourceId, parent.id);
    await discard(client);
    survived.push('cancelled stuck fork');
  });
});
