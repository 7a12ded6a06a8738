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
import { rejection } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { prompt, randomId, unchangedBy, workflow } from './support/rows';

type Db = DatabaseClient['db'];
/** A call by user `actor` on a resource id and a share id. */
type Call = (db: Db, actor: string, resourceId: string, shareId: string) => Promise<unknown>;

/** Every function that takes an id, as another user would call it. `null`: returns null rather than throwing. */
const byId: [name: string, outcome: 'null' | 'resource' | 'share', call: Call][] = [
  ['getResourceById', 'null', (db, a, r) => getResourceById(db, a, r)],
  ['updateResource (name)', 'resource', (db, a, r) => updateResource(db, a, r, { name: 'Taken over' })],
  ['updateResource (content)', 'resource', (db, a, r) => updateResource(db, a, r, { content: { text: 'Taken over' } })],
  ['updateResource (type)', 'resource', (db, a, r) => updateResource(db, a, r, { resourceType: 'workflow', content: { steps: [{ text: 'x' }] } })],
  ['updateResource (expected version)', 'resource', (db, a, r) => updateResource(db, a, r, { isPublic: true }, { expectedUpdatedAt: new Date() })],
  ['deleteResource', 'resource', (db, a, r) => deleteResource(db, a, r)],
  ['forkResource', 'resource', (db, a, r) => forkResource(db, a, r)],
  ['createShare', 'resource', (db, a, r) => createShare(db, a, r, { maxAccesses: 5 })],
  ['listShares', 'resource', (db, a, r) => listShares(db, a, r)],
  ['revokeShare', 'share', (db, a, _r, s) => revokeShare(db, a, s)],
  ['getShareById', 'null', (db, a, _r, s) => getShareById(db, a, s)],
  ['recordExecution', 'resource', (db, a, r) => recordExecution(db, a, r)],
  ['setPinned', 'resource', (db, a, r) => setPinned(db, a, r, true)],
  ['createResource with parentResourceId', 'resource', (db, a, r) => createResource(db, a, prompt('Fake lineage', { parentResourceId: r }))],
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

  const writes = byId.filter(([name, expected]) => expected !== 'null' && !name.startsWith('forkResource') && !name.startsWith('createResource'));
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
      assert.deepEqual(all.items.map((r) => r.name), ['Bob own']);
      const pub = await getPublicResources(client.db, bob, { search: 'Alice', limit: 200 });
      assert.deepEqual(pub.items.map((r) => r.id), [published.id]);
    });
  });

  it("Alice's own calls still work on everything above (the rows were really there)", async () => {
    assert.equal((await getResourceById(client.db, alice, secret.id))?.id, secret.id);
    assert.equal((await getShareById(client.db, alice, secretShare.id))?.id, secretShare.id);
    assert.equal((await listShares(client.db, alice, secret.id)).length, 2);
    assert.equal((await setPinned(client.db, alice, secret.id, true)).pinned, true);
  });
});
