import assert from 'node:assert/strict';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import { listenForChanges, type ChangeFeed, type ChangeFeedOptions } from '../../src/library/changeFeed';
import { newUser, sharedDatabase } from '../db/support/database';
import { TcpProxy, within } from '../db/support/proxy';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('change feed: Postgres tells every listener of a write to resource (LISTEN/NOTIFY from a trigger)', function () {
  this.timeout(60_000);
  let writer: DatabaseClient;
  let proxy: TcpProxy;
  let listener: DatabaseClient;
  const feeds: ChangeFeed[] = [];

  const sharedUrl = async () => (await sharedDatabase()).url;

  before(async () => {
    const shared = await sharedDatabase();
    writer = shared.client;
    // The feed's connections go through a proxy that can cut them, as a network or a restart would.
    proxy = await TcpProxy.start(shared.url);
    listener = createDatabaseClient(proxy.urlFor(shared.url), { max: 2 });
  });

  after(async () => {
    for (const feed of feeds) await feed.dispose();
    await listener.close();
    await proxy.close();
  });

  /** A feed for a new user, and every event it gives, counted. */
  const follow = async (options: ChangeFeedOptions = {}) => {
    const userId = await newUser(writer, 'feed');
    const feed = await listenForChanges({ client: listener, userId }, { intervalMs: 300, ...options });
    feeds.push(feed);
    const seen = {
      count: 0,
      next: () => within(5000, 'a change event', new Promise<void>((resolve) => feed.onDidChange(() => resolve()))),
    };
    feed.onDidChange(() => seen.count++);
    return { userId, seen };
  };
  const insert = (userId: string, isPublic = false) =>
    writer.sql`insert into resource (user_id, name, resource_type, content, is_public)
      values (${userId}, 'Row', 'prompt', '{"text": "x"}'::jsonb, ${isPublic})`;

  it("tells of the user's own writes, and of others' public rows unless told not to; never of others' private rows", async () => {
    const me = await follow();
    const promptsOnly = await follow({ includePublic: false });
    const other = await newUser(writer, 'feed-other');
    await insert(other);
    await sleep(700);
    assert.equal(me.seen.count, 0, "another user's private row");
    let next = me.seen.next();
    await insert(other, true);
    await next;
    await sleep(700);
    assert.equal(promptsOnly.seen.count, 0, "another user's public row, for a feed of the user's own rows");
    next = promptsOnly.seen.next();
    await insert(promptsOnly.userId);
    await next;
    next = promptsOnly.seen.next();
    await writer.sql`update resource set is_public = true where user_id = ${promptsOnly.userId}`;
    await next;
  });

  it("a window's feed skips the echo of its own client's writes (shown already) and still hears another writer's, the same user's too", async () => {
    const me = await follow({ ignoreOrigin: writer.applicationName });
    const elsewhere = createDatabaseClient(await sharedUrl(), { max: 1 });
    try {
      assert.notEqual(elsewhere.applicationName, writer.applicationName, 'every client logs in with a name of its own');
      await insert(me.userId);
      await sleep(700);
      assert.equal(me.seen.count, 0, "this client's own write");
      const next = me.seen.next();
      await elsewhere.sql`insert into resource (user_id, name, resource_type, content) values (${me.userId}, 'Row', 'prompt', '{"text": "x"}'::jsonb)`;
      await next;
    } finally {
      await elsewhere.close();
    }
  });

  it('tells a burst once at first and then at most once per interval', async () => {
    const me = await follow();
    const started = performance.now();
    for (let i = 0; i < 60; i++) await insert(me.userId);
    const elapsed = performance.now() - started;
    await sleep(700);
    assert.ok(me.seen.count >= 1 && me.seen.count <= Math.ceil(elapsed / 300) + 1, `${me.seen.count} events in ${Math.round(elapsed)} ms`);
  });

  it('listens again after its connection was lost for a while (postgres.js gives up listening after a few seconds)', async function () {
    this.timeout(40_000);
    const me = await follow({ checkMs: 500 });
    await insert(me.userId);
    await sleep(500);
    // Every connection cut, new ones refused for 8 s: long enough for postgres.js to stop trying to listen again.
    await proxy.pause();
    await sleep(8000);
    await proxy.resume();
    const before = me.seen.count;
    // Back again: the feed tells that changes may have been missed, then tells of new ones.
    await me.seen.next();
    assert.ok(me.seen.count > before);
    await sleep(500);
    const next = me.seen.next();
    await insert(me.userId);
    await next;
  });
});
