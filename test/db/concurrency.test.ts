import assert from 'node:assert/strict';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import {
  createResource,
  createShare,
  deleteResource,
  ensureUser,
  forkResource,
  recordExecution,
  redeemShare,
  setPinned,
  updateResource,
} from '../../src/db/queries';
import { ConflictError, NotFoundError } from '../../src/db/errors';
import { newUser, sharedDatabase } from './support/database';
import { countOf, prompt, rawResource, rawShare, workflow } from './support/rows';
import { failOnUnhandledRejection } from './support/unhandled';

/** Starts every call at once and waits for all of them, failures included. */
const together = <T>(n: number, call: (i: number) => Promise<T>) => Promise.allSettled(Array.from({ length: n }, (_, i) => call(i)));

describe('concurrency', function () {
  this.timeout(60_000);
  failOnUnhandledRejection();
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
    assert.deepEqual(
      results.filter((res) => res.status === 'rejected'),
      [],
    );
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
      assert.ok(
        lost.every((res) => res.status === 'rejected' && res.reason instanceof ConflictError),
        String(lost.map((l) => l.status === 'rejected' && l.reason)),
      );
      assert.deepEqual((await rawResource(client.sql, r.id))!.content, { text: `writer ${won[0]}` }, 'the winner’s save is the one kept');
    }
  });

  it('eight concurrent saves of one loaded version: one wins, seven conflict', async () => {
    const r = await createResource(client.db, owner, prompt('Crowded edit'));
    const results = await together(8, (i) =>
      updateResource(client.db, owner, r.id, { name: `Edit ${i}` }, { expectedUpdatedAt: r.updatedAt }),
    );
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

  it('two saves of one version with different edits, 10 rounds: the loser is told the new version, its edit overwrote nothing and saves on top when retried — no edit lost', async () => {
    for (let round = 0; round < 10; round++) {
      const r = await createResource(client.db, owner, prompt(`Two windows ${round}`));
      const edits = [{ text: `window A, round ${round}` }, { text: `window B, round ${round}` }];
      const results = await together(2, (i) =>
        updateResource(client.db, owner, r.id, { content: edits[i] }, { expectedUpdatedAt: r.updatedAt }),
      );
      const winner = results.findIndex((res) => res.status === 'fulfilled');
      const loser = 1 - winner;
      assert.ok(winner >= 0 && results[loser]!.status === 'rejected', `round ${round}: ${results.map((x) => x.status)}`);
      const conflict = (results[loser] as PromiseRejectedResult).reason;
      assert.ok(conflict instanceof ConflictError, String(conflict));
      const stored = (await rawResource(client.sql, r.id))!;
      assert.deepEqual(stored.content, edits[winner], 'the winner is stored; the loser overwrote nothing');
      assert.equal(conflict.currentUpdatedAt.getTime(), stored.updated_at.getTime(), 'the conflict carries the version now stored');
      // The loser still holds its edit: saved against the version the conflict named, it lands.
      const retried = await updateResource(
        client.db,
        owner,
        r.id,
        { content: edits[loser] },
        { expectedUpdatedAt: conflict.currentUpdatedAt },
      );
      assert.deepEqual((await rawResource(client.sql, r.id))!.content, edits[loser]);
      assert.ok(retried.updatedAt.getTime() > conflict.currentUpdatedAt.getTime());
    }
  });

  it('a save racing a rename, a pin and a use, 10 rounds: pin and use never conflict; the save either lands or conflicts, and every change that succeeded is in the row', async () => {
    let conflicts = 0;
    for (let round = 0; round < 10; round++) {
      const r = await createResource(client.db, owner, prompt(`Busy ${round}`));
      const [save, rename, pin, use] = await Promise.allSettled([
        updateResource(client.db, owner, r.id, { content: { text: `saved ${round}` } }, { expectedUpdatedAt: r.updatedAt }),
        updateResource(client.db, owner, r.id, { name: `Renamed ${round}` }),
        setPinned(client.db, owner, r.id, true),
        recordExecution(client.db, owner, r.id),
      ]);
      assert.deepEqual([rename.status, pin.status, use.status], ['fulfilled', 'fulfilled', 'fulfilled'], `round ${round}`);
      const row = (await rawResource(client.sql, r.id))!;
      assert.deepEqual([row.name, row.pinned, row.execution_count], [`Renamed ${round}`, true, 1]);
      if (save.status === 'fulfilled') assert.deepEqual(row.content, { text: `saved ${round}` });
      else {
        assert.ok(save.reason instanceof ConflictError, String(save.reason));
        assert.deepEqual(row.content, r.content, 'a conflicting save wrote nothing');
        conflicts++;
      }
    }
    console.log(`      save/rename race: the save landed in ${10 - conflicts} rounds, conflicted (the rename came first) in ${conflicts}`);
  });

  it('20 forks racing a save: every child holds the old or the new content, whole; fork_count is 20', async () => {
    const parent = await createResource(client.db, owner, workflow('Edited while forked', { isPublic: true }));
    const next = { steps: [{ text: 'new first step' }, { text: 'new second step' }] };
    const forker = await newUser(client, 'racer');
    const [saved, ...forks] = await Promise.allSettled([
      updateResource(client.db, owner, parent.id, { content: next }, { expectedUpdatedAt: parent.updatedAt }),
      ...Array.from({ length: 20 }, () => forkResource(client.db, forker, parent.id)),
    ]);
    assert.equal(saved!.status, 'fulfilled');
    assert.ok(
      forks.every((f) => f.status === 'fulfilled'),
      String(forks.map((f) => f.status === 'rejected' && f.reason)),
    );
    const children = await client.sql<{ content: unknown }[]>`select content from resource where parent_resource_id = ${parent.id}`;
    assert.equal(children.length, 20);
    for (const child of children)
      assert.ok(
        [JSON.stringify(parent.content), JSON.stringify(next)].includes(JSON.stringify(child.content)),
        JSON.stringify(child.content),
      );
    assert.equal((await rawResource(client.sql, parent.id))!.fork_count, 20);
  });

  it('20 forks racing the deletion of the parent: each fork succeeds or is "not found"; the copies made are all there, unlinked', async () => {
    const parent = await createResource(client.db, owner, prompt('Deleted while forked', { isPublic: true }));
    const forker = await newUser(client, 'racer');
    const [deleted, ...forks] = await Promise.allSettled([
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return deleteResource(client.db, owner, parent.id);
      })(),
      ...Array.from({ length: 20 }, () => forkResource(client.db, forker, parent.id)),
    ]);
    assert.equal(deleted!.status, 'fulfilled');
    const made = forks.filter((f) => f.status === 'fulfilled').length;
    assert.ok(
      forks.every((f) => f.status === 'fulfilled' || f.reason instanceof NotFoundError),
      String(forks.map((f) => f.status === 'rejected' && f.reason)),
    );
    const copies = await client.sql<
      { parent: string | null }[]
    >`select parent_resource_id as parent from resource where user_id = ${forker}`;
    assert.equal(copies.length, made);
    assert.ok(
      copies.every((c) => c.parent === null),
      'the delete cleared the lineage of every copy',
    );
    assert.equal(await rawResource(client.sql, parent.id), undefined);
    console.log(`      fork/delete race: ${made} of 20 forks landed before the delete`);
  });
});
