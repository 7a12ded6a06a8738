import assert from 'node:assert/strict';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import {
  createResource,
  createShare,
  ensureUser,
  forkResource,
  recordExecution,
  redeemShare,
  updateResource,
} from '../../src/db/queries';
import { ConflictError } from '../../src/db/errors';
import { newUser, sharedDatabase } from './support/database';
import { countOf, prompt, rawResource, rawShare } from './support/rows';

/** Starts every call at once and waits for all of them, failures included. */
const together = <T>(n: number, call: (i: number) => Promise<T>) => Promise.allSettled(Array.from({ length: n }, (_, i) => call(i)));

describe('concurrency', function () {
  this.timeout(60_000);
  let client: DatabaseClient;
  let owner: string;
  before(async () => {
    const { url } = await sharedDatabase();
    // Enough connections for the calls to really overlap in Postgres.
    client = createDatabaseClient(url, { max: 20 });
    owner = await newUser(client, 'busy');
  });
  after(() => client.close());

  it('50 concurrent redemptions of a token limited to 10: exactly 10 succeed, 40 are "exhausted", access_count is 10', async () => {
    const r = await createResource(client.db, owner, prompt('Popular'));
    const share = await createShare(client.db, owner, r.id, { maxAccesses: 10 });
    const guests = await Promise.all(Array.from({ length: 5 }, () => newUser(client, 'crowd')));
    const results = await together(50, (i) => redeemShare(client.db, guests[i % guests.length]!, share.shareToken));
    const outcomes = results.map((res) => (res.status === 'rejected' ? `error: ${res.reason}` : res.value.ok ? 'ok' : res.value.reason));
    assert.equal(outcomes.filter((o) => o === 'ok').length, 10, outcomes.join(', '));
    assert.equal(outcomes.filter((o) => o === 'exhausted').length, 40, outcomes.join(', '));
    assert.equal((await rawShare(client.sql, share.id))!.access_count, 10);
  });

  it('50 concurrent redemptions of an unlimited token are all counted (no lost update)', async () => {
    const r = await createResource(client.db, owner, prompt('Unlimited'));
    const share = await createShare(client.db, owner, r.id);
    const results = await together(50, () => redeemShare(client.db, owner, share.shareToken));
    assert.ok(results.every((res) => res.status === 'fulfilled' && res.value.ok));
    assert.equal((await rawShare(client.sql, share.id))!.access_count, 50);
  });

  it('30 concurrent forks: fork_count is 30 and there are 30 children', async () => {
    const parent = await createResource(client.db, owner, prompt('Forked a lot', { isPublic: true }));
    const forkers = await Promise.all(Array.from({ length: 6 }, () => newUser(client, 'forker')));
    const results = await together(30, (i) => forkResource(client.db, forkers[i % forkers.length]!, parent.id));
    assert.deepEqual(results.filter((res) => res.status === 'rejected'), []);
    assert.equal((await rawResource(client.sql, parent.id))!.fork_count, 30);
    const count = await countOf(client.sql`select count(*)::int as count from resource where parent_resource_id = ${parent.id}`);
    assert.equal(count, 30);
  });

  it('40 concurrent uses are all counted', async () => {
    const r = await createResource(client.db, owner, prompt('Used a lot'));
    const results = await together(40, () => recordExecution(client.db, owner, r.id));
    assert.ok(results.every((res) => res.status === 'fulfilled'));
    assert.equal((await rawResource(client.sql, r.id))!.execution_count, 40);
  });

  it('two concurrent saves of the same loaded version: exactly one wins, the other is a ConflictError', async () => {
    for (let round = 0; round < 10; round++) {
      const r = await createResource(client.db, owner, prompt(`Race ${round}`));
      const results = await together(2, (i) =>
        updateResource(client.db, owner, r.id, { content: { text: `writer ${i}` } }, { expectedUpdatedAt: r.updatedAt }),
      );
      const won = results.flatMap((res, i) => (res.status === 'fulfilled' ? [i] : []));
      const lost = results.filter((res) => res.status === 'rejected');
      assert.equal(won.length, 1, `round ${round}: ${JSON.stringify(results.map((x) => x.status))}`);
      assert.ok(lost.every((res) => res.status === 'rejected' && res.reason instanceof ConflictError), String(lost.map((l) => l.status === 'rejected' && l.reason)));
      assert.deepEqual((await rawResource(client.sql, r.id))!.content, { text: `writer ${won[0]}` }, 'the winner’s save is the one kept');
    }
  });

  it('eight concurrent saves of one loaded version: one wins, seven conflict', async () => {
    const r = await createResource(client.db, owner, prompt('Crowded edit'));
    const results = await together(8, (i) => updateResource(client.db, owner, r.id, { name: `Edit ${i}` }, { expectedUpdatedAt: r.updatedAt }));
    assert.equal(results.filter((res) => res.status === 'fulfilled').length, 1);
    assert.equal(results.filter((res) => res.status === 'rejected' && res.reason instanceof ConflictError).length, 7);
  });

  it('ten windows ensuring the same local user at once get one and the same user', async () => {
    const email = `local-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
    const results = await together(10, () => ensureUser(client.db, email));
    const ids = new Set(results.map((res) => (res.status === 'fulfilled' ? res.value.id : `error: ${res.reason}`)));
    assert.equal(ids.size, 1, [...ids].join(', '));
    const count = await countOf(client.sql`select count(*)::int as count from "user" where email = ${email}`);
    assert.equal(count, 1);
  });
});
