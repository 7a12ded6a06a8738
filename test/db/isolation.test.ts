import assert from 'node:assert/strict';
import type { DatabaseClient } from '../../src/db/client';
import {
  createResource,
  createShare,
  deleteResource,
  forkResource,
  getPublicResources,
  getResourceById,
  getShareById,
  getUserResources,
  listShares,
  recordExecution,
  redeemShare,
  revokeShare,
  setPinned,
  updateResource,
} from '../../src/db/queries';
import type { Resource, ResourceShare } from '../../src/db/schema';
import { NotFoundError } from '../../src/db/errors';
import { exportLibrary, importLibrary } from '../../src/db/transfer';
import { rejection } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { prompt, randomId, rawResource, rawShare, snapshot, unchangedBy, workflow } from './support/rows';

type Db = DatabaseClient['db'];
/** A call by user `actor` on a resource id and a share id. */
type Call = (db: Db, actor: string, resourceId: string, shareId: string) => Promise<unknown>;

/** Every function that takes an id, as another user would call it. `null`: returns null rather than throwing. */
const byId: [name: string, outcome: 'null' | 'resource' | 'share', call: Call][] = [
  ['getResourceById', 'null', (db, a, r) => getResourceById(db, a, r)],
  ['updateResource (name)', 'resource', (db, a, r) => updateResource(db, a, r, { name: 'Taken over' })],
  ['updateResource (content)', 'resource', (db, a, r) => updateResource(db, a, r, { content: { text: 'Taken over' } })],
  [
    'updateResource (type)',
    'resource',
    (db, a, r) => updateResource(db, a, r, { resourceType: 'workflow', content: { steps: [{ text: 'x' }] } }),
  ],
  [
    'updateResource (expected version)',
    'resource',
    (db, a, r) => updateResource(db, a, r, { isPublic: true }, { expectedUpdatedAt: new Date() }),
  ],
  ['deleteResource', 'resource', (db, a, r) => deleteResource(db, a, r)],
  ['forkResource', 'resource', (db, a, r) => forkResource(db, a, r)],
  ['createShare', 'resource', (db, a, r) => createShare(db, a, r, { maxAccesses: 5 })],
  ['listShares', 'resource', (db, a, r) => listShares(db, a, r)],
  ['revokeShare', 'share', (db, a, _r, s) => revokeShare(db, a, s)],
  ['getShareById', 'null', (db, a, _r, s) => getShareById(db, a, s)],
  ['recordExecution', 'resource', (db, a, r) => recordExecution(db, a, r)],
  ['setPinned', 'resource', (db, a, r) => setPinned(db, a, r, true)],
  [
    'createResource with parentResourceId',
    'resource',
    (db, a, r) => createResource(db, a, prompt('Fake lineage', { parentResourceId: r })),
  ],
];

/** What the call gives back: null, or the error as a caller would see it. */
async function outcomeOf(work: Promise<unknown>, expected: 'null' | 'resource' | 'share') {
  if (expected === 'null') {
    assert.equal(await work, null);
    return null;
  }
  const err = await rejection(work, NotFoundError);
  return { name: err.name, message: err.message, entity: err.entity };
}

describe('isolation: another user’s id changes nothing and reveals nothing', () => {
  let client: DatabaseClient;
  let alice: string;
  let bob: string;
  let secret: Resource;
  let published: Resource;
  let secretShare: ResourceShare;
  let publishedShare: ResourceShare;

  before(async () => {
    ({ client } = await sharedDatabase());
    alice = await newUser(client, 'alice');
    bob = await newUser(client, 'bob');
    secret = await createResource(client.db, alice, prompt('Alice secret', { description: 'private notes' }));
    published = await createResource(client.db, alice, workflow('Alice public', { isPublic: true }));
    secretShare = await createShare(client.db, alice, secret.id, { maxAccesses: 3, expiresInHours: 48 });
    await createShare(client.db, alice, secret.id);
    publishedShare = await createShare(client.db, alice, published.id);
    await redeemShare(client.db, alice, secretShare.shareToken);
    await recordExecution(client.db, alice, secret.id);
    await createResource(client.db, bob, prompt('Bob own'));
  });

  for (const [name, expected, call] of byId) {
    it(`${name} on Alice's private resource: same answer as for an id that does not exist, nothing changed`, async () => {
      await unchangedBy(client.sql, [alice, bob], async () => {
        const onAlice = await outcomeOf(call(client.db, bob, secret.id, secretShare.id), expected);
        const onNothing = await outcomeOf(call(client.db, bob, randomId(), randomId()), expected);
        assert.deepEqual(onAlice, onNothing);
      });
    });
  }

  const writes = byId.filter(
    ([name, expected]) => expected !== 'null' && !name.startsWith('forkResource') && !name.startsWith('createResource'),
  );
  for (const [name, expected, call] of writes) {
    it(`${name} on Alice's public resource: readable is not writable`, async () => {
      await unchangedBy(client.sql, [alice, bob], async () => {
        const onAlice = await outcomeOf(call(client.db, bob, published.id, publishedShare.id), expected);
        const onNothing = await outcomeOf(call(client.db, bob, randomId(), randomId()), expected);
        assert.deepEqual(onAlice, onNothing);
      });
    });
  }

  it("Bob's lists never show Alice's private resources; the public one only under public resources", async () => {
    await unchangedBy(client.sql, [alice, bob], async () => {
      const own = await getUserResources(client.db, bob, { search: 'Alice', limit: 200 });
      assert.deepEqual(own.items, []);
      const all = await getUserResources(client.db, bob, { limit: 200 });
      assert.deepEqual(
        all.items.map((r) => r.name),
        ['Bob own'],
      );
      const pub = await getPublicResources(client.db, bob, { search: 'Alice', limit: 200 });
      assert.deepEqual(
        pub.items.map((r) => r.id),
        [published.id],
      );
    });
  });

  it("Alice's own calls still work on everything above (the rows were really there)", async () => {
    assert.equal((await getResourceById(client.db, alice, secret.id))?.id, secret.id);
    assert.equal((await getShareById(client.db, alice, secretShare.id))?.id, secretShare.id);
    assert.equal((await listShares(client.db, alice, secret.id)).length, 2);
    assert.equal((await setPinned(client.db, alice, secret.id, true)).pinned, true);
  });
});

describe('isolation: a share lets another user read and fork, never write; versions and lists reveal nothing', () => {
  let client: DatabaseClient;
  let alice: string;
  let bob: string;
  let shared: Resource;
  let published: Resource;
  const shares: Record<'redeemed' | 'expired' | 'used up' | 'revoked', ResourceShare> = {} as never;

  before(async () => {
    ({ client } = await sharedDatabase());
    alice = await newUser(client, 'alice');
    bob = await newUser(client, 'bob');
    const carol = await newUser(client, 'carol');
    shared = await createResource(
      client.db,
      alice,
      prompt('Alice shared privately', { description: 'for Bob only', content: { text: 'the shared text' } }),
    );
    published = await createResource(client.db, alice, workflow('Alice published', { isPublic: true }));
    shares.redeemed = await createShare(client.db, alice, shared.id, { maxAccesses: 5 });
    const redeemed = await redeemShare(client.db, bob, shares.redeemed.shareToken);
    assert.ok(redeemed.ok && redeemed.resource.id === shared.id, 'Bob reads the shared resource through the token');
    shares.expired = await createShare(client.db, alice, shared.id, { expiresInHours: 1 });
    await client.sql`update resource_share set expires_at = localtimestamp - interval '1 minute' where id = ${shares.expired.id}`;
    shares['used up'] = await createShare(client.db, alice, shared.id, { maxAccesses: 1 });
    assert.ok((await redeemShare(client.db, carol, shares['used up'].shareToken)).ok);
    shares.revoked = await createShare(client.db, alice, shared.id);
    await revokeShare(client.db, alice, shares.revoked.id);
  });

  for (const state of ['redeemed', 'expired', 'used up', 'revoked'] as const) {
    it(`with ${state === 'expired' ? 'an' : 'a'} ${state} share of Alice's private resource, every id-taking call by Bob answers as for a random id and changes nothing`, async () => {
      for (const [name, expected, call] of byId) {
        await unchangedBy(client.sql, [alice, bob], async () => {
          const onAlice = await outcomeOf(call(client.db, bob, shared.id, shares[state].id), expected);
          const onNothing = await outcomeOf(call(client.db, bob, randomId(), randomId()), expected);
          assert.deepEqual(onAlice, onNothing, name);
        });
      }
    });
  }

  it("an update by Bob with the exact updatedAt of Alice's row is 'not found' like a random id, never a ConflictError that would confirm the row", async () => {
    for (const target of [shared, published]) {
      const current = (await getResourceById(client.db, alice, target.id))!;
      await unchangedBy(client.sql, [alice, bob], async () => {
        for (const patch of [{ name: 'Taken over' }, { content: { text: 'x' } }] as const) {
          const onAlice = await outcomeOf(
            updateResource(client.db, bob, target.id, patch, { expectedUpdatedAt: current.updatedAt }),
            'resource',
          );
          const stale = await outcomeOf(updateResource(client.db, bob, target.id, patch, { expectedUpdatedAt: new Date(0) }), 'resource');
          const onNothing = await outcomeOf(
            updateResource(client.db, bob, randomId(), patch, { expectedUpdatedAt: current.updatedAt }),
            'resource',
          );
          assert.deepEqual([onAlice, stale], [onNothing, onNothing]);
        }
      });
    }
  });

  it("Bob forks through the live token: the copy is Bob's; Alice's row changes only by its fork count, and Alice cannot touch Bob's copy", async () => {
    const before = await rawResource(client.sql, shared.id);
    const fork = await forkResource(client.db, bob, shared.id, { viaShareToken: shares.redeemed.shareToken });
    assert.deepEqual([fork.userId, fork.parentResourceId, fork.content, fork.isPublic], [bob, shared.id, shared.content, false]);
    const after = await rawResource(client.sql, shared.id);
    assert.deepEqual({ ...after, fork_count: 0 }, { ...before, fork_count: 0 });
    assert.equal(after!.fork_count, before!.fork_count + 1);
    assert.equal((await rawShare(client.sql, shares.redeemed.id))!.access_count, 1, 'forking does not count an access');
    const bobsShare = await createShare(client.db, bob, fork.id);
    for (const [name, expected, call] of byId) {
      await unchangedBy(client.sql, [alice, bob], async () => {
        const onBob = await outcomeOf(call(client.db, alice, fork.id, bobsShare.id), expected);
        const onNothing = await outcomeOf(call(client.db, alice, randomId(), randomId()), expected);
        assert.deepEqual(onBob, onNothing, `${name} by Alice on Bob's fork`);
      });
    }
  });

  it("Bob's lists and export never show Alice's shared resource; importing Alice's export gives Bob his own copies and leaves Alice's rows alone", async () => {
    const reader = await newUser(client, 'reader');
    assert.ok((await redeemShare(client.db, reader, shares.redeemed.shareToken)).ok);
    const { counts: _before, ...alicesRows } = await snapshot(client.sql, [alice]);
    {
      assert.deepEqual((await getUserResources(client.db, reader, { limit: 200 })).items, []);
      assert.deepEqual(
        (await getPublicResources(client.db, reader, { search: 'Alice', limit: 200 })).items
          .filter((r) => r.userId === alice)
          .map((r) => r.id),
        [published.id],
      );
      assert.deepEqual((await exportLibrary(client.db, reader)).resources, []);
      const fromAlice = JSON.parse(JSON.stringify(await exportLibrary(client.db, alice)));
      const report = await importLibrary(client.db, reader, fromAlice);
      assert.equal(report.imported, fromAlice.resources.length, "Alice's identical rows do not count as already in Bob's library");
      const copies = (await getUserResources(client.db, reader, { limit: 200 })).items;
      assert.ok(copies.every((r) => r.userId === reader && r.parentResourceId === null));
    }
    const { counts: _after, ...alicesRowsAfter } = await snapshot(client.sql, [alice]);
    assert.deepEqual(alicesRowsAfter, alicesRows, "Alice's rows are untouched");
  });
});
