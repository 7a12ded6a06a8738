import assert from 'node:assert/strict';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createResource, forkResource, recordExecution, setPinned, updateResource } from '../../src/db/queries';
import { getHistory, getHistoryPolicy, getVersion, setHistoryPolicy } from '../../src/db/versions';
import { rejectsNotFound, rejectsValidation } from './support/expect';
import { freshDatabase, migrationsFolder, newUser, sharedDatabase } from './support/database';
import { countOf, prompt } from './support/rows';
import { failOnUnhandledRejection } from './support/unhandled';

const text = (content: unknown) => (content as { text: string }).text;

/** The numbers and texts of a resource's versions as the database holds them, oldest first (raw SQL). */
async function storedVersions(client: DatabaseClient, resourceId: string) {
  return client.sql<{ version: number; text: string; changed_by: string | null; change_note: string | null }[]>`
    select version, content->>'text' as text, changed_by, change_note from resource_version
    where resource_id = ${resourceId} order by version`;
}

describe('versions (recorded by the database)', function () {
  this.timeout(60_000);
  failOnUnhandledRejection();
  let client: DatabaseClient;
  let owner: string;
  let other: string;
  before(async () => {
    ({ client } = await sharedDatabase());
    owner = await newUser(client, 'versions');
    other = await newUser(client, 'versions-other');
  });

  it('a save is a version with its content; a no-op save, a pin and a use are none', async () => {
    const r = await createResource(client.db, owner, prompt('Versioned', { content: { text: 'first' } }));
    const saved = await updateResource(client.db, owner, r.id, { content: { text: 'second' } }, { expectedUpdatedAt: r.updatedAt });
    await updateResource(client.db, owner, r.id, { content: { text: 'second' } }, { expectedUpdatedAt: saved.updatedAt });
    await setPinned(client.db, owner, r.id, true);
    await recordExecution(client.db, owner, r.id);
    const rows = await storedVersions(client, r.id);
    assert.deepEqual(
      rows.map((v) => [v.version, v.text, v.changed_by]),
      [
        [1, 'first', owner],
        [2, 'second', owner],
      ],
    );
    const page = await getHistory(client.db, owner, r.id);
    assert.deepEqual(
      page.versions.map((v) => [v.version, text(v.content)]),
      [
        [2, 'second'],
        [1, 'first'],
      ],
      'newest first',
    );
    assert.equal(page.nextBefore, undefined);
  });

  it('a rename and a new description are versions too, each holding the whole state', async () => {
    const r = await createResource(client.db, owner, prompt('Old name', { description: 'old', content: { text: 'body' } }));
    await updateResource(client.db, owner, r.id, { name: 'New name' });
    await updateResource(client.db, owner, r.id, { description: 'new' });
    const { versions } = await getHistory(client.db, owner, r.id);
    assert.deepEqual(
      versions.map((v) => [v.version, v.name, v.description, text(v.content)]),
      [
        [3, 'New name', 'new', 'body'],
        [2, 'New name', 'old', 'body'],
        [1, 'Old name', 'old', 'body'],
      ],
    );
  });

  it('an update by plain SQL, as the chat app makes it, is a version of the owner; one that says who and why is recorded so', async () => {
    const r = await createResource(client.db, owner, prompt('Edited by the app', { content: { text: 'from the extension' } }));
    await client.sql`update resource set content = '{"text": "from the app"}'::jsonb where id = ${r.id}`;
    await client.sql.begin(async (tx) => {
      await tx`select set_config('agent_resources.actor', ${other}, true), set_config('agent_resources.change_note', 'typo fixed', true)`;
      await tx`update resource set name = 'Renamed by the app' where id = ${r.id}`;
      // The note was for that version only: a second write of the transaction has none.
      await tx`update resource set content = '{"text": "again"}'::jsonb where id = ${r.id}`;
    });
    const rows = await storedVersions(client, r.id);
    assert.deepEqual(
      rows.map((v) => [v.version, v.text, v.changed_by, v.change_note]),
      [
        [1, 'from the extension', owner, null],
        [2, 'from the app', owner, null],
        [3, 'from the app', other, 'typo fixed'],
        [4, 'again', other, null],
      ],
    );
  });

  it('a note given with a save is kept with its version', async () => {
    const r = await createResource(client.db, owner, prompt('With a note'));
    await updateResource(client.db, owner, r.id, { content: { text: 'better' } }, { note: '  Shorter wording  ' });
    const [latest] = (await getHistory(client.db, owner, r.id)).versions;
    assert.equal(latest!.note, 'Shorter wording');
    assert.equal(latest!.changedBy, owner);
    await rejectsValidation(updateResource(client.db, owner, r.id, { content: { text: 'x' } }, { note: 'a\nb' }), 'note', /one line/);
    await rejectsValidation(updateResource(client.db, owner, r.id, { content: { text: 'x' } }, { note: 'n'.repeat(501) }), 'note', /500/);
    assert.equal((await storedVersions(client, r.id)).length, 2, 'a refused note wrote nothing');
  });

  it('history is the owner’s alone: another user gets NotFound for a private and for a public resource', async () => {
    const secret = await createResource(client.db, owner, prompt('Private history', { content: { text: 'my api key was here' } }));
    const open = await createResource(client.db, owner, prompt('Public now', { isPublic: true }));
    for (const r of [secret, open]) {
      await rejectsNotFound(getHistory(client.db, other, r.id), 'resource');
      await rejectsNotFound(getVersion(client.db, other, r.id, 1), 'resource');
    }
    await rejectsNotFound(getHistory(client.db, owner, '00000000-0000-4000-8000-000000000000'), 'resource');
  });

  it('pages: `before` gives the older versions, a version no longer kept is a clear error', async () => {
    const r = await createResource(client.db, owner, prompt('Paged', { content: { text: 'v1' } }));
    for (let i = 2; i <= 7; i++) await updateResource(client.db, owner, r.id, { content: { text: `v${i}` } });
    const first = await getHistory(client.db, owner, r.id, { limit: 3 });
    assert.deepEqual(
      first.versions.map((v) => v.version),
      [7, 6, 5],
    );
    const second = await getHistory(client.db, owner, r.id, { limit: 3, before: first.nextBefore });
    assert.deepEqual(
      second.versions.map((v) => v.version),
      [4, 3, 2],
    );
    const last = await getHistory(client.db, owner, r.id, { limit: 3, before: second.nextBefore });
    assert.deepEqual(
      last.versions.map((v) => v.version),
      [1],
    );
    assert.equal(last.nextBefore, undefined);
    assert.equal(text((await getVersion(client.db, owner, r.id, 3)).content), 'v3');
    await rejectsValidation(getVersion(client.db, owner, r.id, 99), 'version', /not in this resource's history/);
  });

  it('a fork starts its own history and remembers the version it was forked from', async () => {
    const parent = await createResource(client.db, owner, prompt('Parent', { isPublic: true, content: { text: 'p1' } }));
    await updateResource(client.db, owner, parent.id, { content: { text: 'p2' } });
    const fork = await forkResource(client.db, other, parent.id);
    const { versions } = await getHistory(client.db, other, fork.id);
    assert.equal(versions.length, 1);
    assert.deepEqual(versions[0]!.forkedFrom, { resourceId: parent.id, version: 2 });
    assert.equal(text(versions[0]!.content), 'p2');
    assert.equal(versions[0]!.changedBy, other);
  });

  it('20 concurrent saves of one resource give 20 versions, numbered with no gap and no duplicate', async () => {
    const busy = createDatabaseClient((await sharedDatabase()).url, { max: 20 });
    try {
      const r = await createResource(busy.db, owner, prompt('Busy', { content: { text: 'start' } }));
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => updateResource(busy.db, owner, r.id, { content: { text: `writer ${i}` } })),
      );
      assert.deepEqual(
        results.filter((x) => x.status === 'rejected'),
        [],
      );
      const rows = await storedVersions(busy, r.id);
      assert.deepEqual(
        rows.map((v) => v.version),
        Array.from({ length: 21 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        rows
          .slice(1)
          .map((v) => v.text)
          .sort(),
        Array.from({ length: 20 }, (_, i) => `writer ${i}`).sort(),
        'every writer has its own version',
      );
    } finally {
      await busy.close();
    }
  });

  it('a rolled-back save leaves no version and no gap', async () => {
    const r = await createResource(client.db, owner, prompt('Rolled back', { content: { text: 'kept' } }));
    await client.sql
      .begin(async (tx) => {
        await tx`update resource set content = '{"text": "lost"}'::jsonb where id = ${r.id}`;
        throw new Error('abort');
      })
      .catch(() => {});
    await updateResource(client.db, owner, r.id, { content: { text: 'next' } });
    assert.deepEqual(
      (await storedVersions(client, r.id)).map((v) => [v.version, v.text]),
      [
        [1, 'kept'],
        [2, 'next'],
      ],
    );
  });

  it('a row written while the trigger was off gets its previous state as version 1 at its first change', async () => {
    const r = await createResource(client.db, owner, prompt('Bulk loaded', { content: { text: 'loaded' } }));
    await client.sql`delete from resource_version where resource_id = ${r.id}`;
    await updateResource(client.db, owner, r.id, { content: { text: 'edited' } });
    assert.deepEqual(
      (await storedVersions(client, r.id)).map((v) => [v.version, v.text]),
      [
        [1, 'loaded'],
        [2, 'edited'],
      ],
    );
  });
});

describe('versions: the cap (a policy in the database, the same for every writer)', function () {
  this.timeout(60_000);
  let client: DatabaseClient;
  let owner: string;
  before(async () => {
    // A database of its own: the policy is the whole database's.
    const url = await freshDatabase('ar_history_cap');
    await migrateDatabase(url, migrationsFolder);
    client = createDatabaseClient(url);
    owner = await newUser(client, 'capped');
  });
  after(() => client.close());

  const saves = async (id: string, from: number, to: number) => {
    for (let i = from; i <= to; i++) await updateResource(client.db, owner, id, { content: { text: `v${i}` } });
  };

  it('keeps 100 versions by default; a lower cap prunes every resource at once and then at each save, never the current one', async () => {
    assert.deepEqual(await getHistoryPolicy(client.db), { maxVersions: 100, maxAgeDays: null });
    const a = await createResource(client.db, owner, prompt('Capped A', { content: { text: 'v1' } }));
    const b = await createResource(client.db, owner, prompt('Capped B', { content: { text: 'v1' } }));
    await saves(a.id, 2, 103);
    await saves(b.id, 2, 5);
    const count = (id: string) => countOf(client.sql`select count(*)::int as count from resource_version where resource_id = ${id}`);
    assert.equal(await count(a.id), 100, 'the default cap of 100');
    const [oldest] = await client.sql`select min(version)::int as v from resource_version where resource_id = ${a.id}`;
    assert.equal(oldest!.v, 4);

    await setHistoryPolicy(client.db, { maxVersions: 3, maxAgeDays: null });
    assert.equal(await count(a.id), 3, 'pruned when the policy changed');
    assert.equal(await count(b.id), 3);
    await saves(b.id, 6, 8);
    const { versions } = await getHistory(client.db, owner, b.id);
    assert.deepEqual(
      versions.map((v) => [v.version, text(v.content)]),
      [
        [8, 'v8'],
        [7, 'v7'],
        [6, 'v6'],
      ],
    );
    await setHistoryPolicy(client.db, { maxVersions: 1, maxAgeDays: null });
    assert.deepEqual(
      (await getHistory(client.db, owner, b.id)).versions.map((v) => v.version),
      [8],
      'the current version stays',
    );
  });

  it('an age limit prunes older versions (also by plain SQL writers), never the current one', async () => {
    await setHistoryPolicy(client.db, { maxVersions: 100, maxAgeDays: 30 });
    const r = await createResource(client.db, owner, prompt('Aged', { content: { text: 'v1' } }));
    await saves(r.id, 2, 3);
    await client.sql`update resource_version set created_at = created_at - interval '40 days' where resource_id = ${r.id}`;
    await client.sql`update resource set content = '{"text": "v4"}'::jsonb where id = ${r.id}`;
    assert.deepEqual(
      (await getHistory(client.db, owner, r.id)).versions.map((v) => v.version),
      [4],
    );
    await client.sql`update resource_version set created_at = created_at - interval '40 days' where resource_id = ${r.id}`;
    await setHistoryPolicy(client.db, { maxVersions: 100, maxAgeDays: 10 });
    assert.deepEqual(
      (await getHistory(client.db, owner, r.id)).versions.map((v) => v.version),
      [4],
      'an old current version is kept',
    );
  });

  it('refuses a cap that would keep nothing, with what to do', async () => {
    await rejectsValidation(setHistoryPolicy(client.db, { maxVersions: 0, maxAgeDays: null }), 'maxVersions', /at least 1/);
    await rejectsValidation(setHistoryPolicy(client.db, { maxVersions: 10, maxAgeDays: 0 }), 'maxAgeDays', /at least 1 day/);
  });
});
