import assert from 'node:assert/strict';
import type { DatabaseClient } from '../../src/db/client';
import {
  createResource,
  createShare,
  deleteResource,
  getResourceById,
  ensureUser,
  getUserResources,
  recordExecution,
  redeemShare,
  revokeShare,
  setPinned,
  updateResource,
} from '../../src/db/queries';
import { readContent } from '../../src/db/validation';
import { rejectsConflict, rejectsNotFound, rejectsValidation } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { agentConfig, countOf, prompt, randomId, rawResource, snapshot, unchangedBy, workflow } from './support/rows';

describe('resources', () => {
  let client: DatabaseClient;
  let owner: string;
  let other: string;
  before(async () => {
    ({ client } = await sharedDatabase());
    owner = await newUser(client, 'owner');
    other = await newUser(client, 'other');
  });

  describe('createResource', () => {
    it('puts the resource in the database (read back with raw SQL) with a trimmed name and the defaults', async () => {
      const created = await createResource(client.db, owner, {
        name: '  Release notes  ',
        description: '  For the changelog  ',
        resourceType: 'prompt',
        content: { text: 'Write release notes for {{version}}', variables: ['version'] },
      });
      const row = await rawResource(client.sql, created.id);
      assert.ok(row, 'the row exists');
      assert.deepEqual(
        {
          user_id: row.user_id,
          name: row.name,
          description: row.description,
          resource_type: row.resource_type,
          content: row.content,
          execution_count: row.execution_count,
          last_executed_at: row.last_executed_at,
          parent_resource_id: row.parent_resource_id,
          fork_count: row.fork_count,
          is_public: row.is_public,
          pinned: row.pinned,
        },
        {
          user_id: owner,
          name: 'Release notes',
          description: 'For the changelog',
          resource_type: 'prompt',
          content: { text: 'Write release notes for {{version}}', variables: ['version'] },
          execution_count: 0,
          last_executed_at: null,
          parent_resource_id: null,
          fork_count: 0,
          is_public: false,
          pinned: false,
        },
      );
      assert.equal(created.name, 'Release notes');
      assert.equal(created.createdAt.getTime(), created.updatedAt.getTime());
      // Stored in UTC and read back as the same instant (a time zone slip would be off by hours).
      const [clock] = await client.sql`select extract(epoch from now())::float8 * 1000 as now_ms,
        abs(extract(epoch from (now() at time zone 'UTC') - created_at)) < 300 as utc from resource where id = ${created.id}`;
      assert.equal(clock!.utc, true, 'created_at is the current time in UTC');
      assert.ok(Math.abs(created.createdAt.getTime() - clock!.now_ms) < 300_000, 'createdAt is the current instant');
    });

    it('stores each type with its content as given, keeping keys the chat app may add', async () => {
      for (const input of [
        prompt('P', {
          content: { text: 'x', language: 'markdown', source: { file: 'a.md', range: { startLine: 1, endLine: 3 } }, appKey: 1 },
        }),
        workflow('W'),
        agentConfig('A', { isPublic: true }),
      ]) {
        const created = await createResource(client.db, owner, input);
        const row = await rawResource(client.sql, created.id);
        assert.equal(row!.resource_type, input.resourceType);
        assert.deepEqual(row!.content, input.content);
        assert.equal(row!.is_public, input.isPublic ?? false);
      }
    });

    it('records lineage to a resource I can read, and refuses one I cannot (same answer as a missing id)', async () => {
      const mine = await createResource(client.db, owner, prompt('Original'));
      const theirsPublic = await createResource(client.db, other, prompt('Public original', { isPublic: true }));
      const theirsPrivate = await createResource(client.db, other, prompt('Private original'));
      for (const parent of [mine, theirsPublic]) {
        const child = await createResource(client.db, owner, prompt('Derived', { parentResourceId: parent.id }));
        assert.equal((await rawResource(client.sql, child.id))!.parent_resource_id, parent.id);
      }
      for (const parentResourceId of [theirsPrivate.id, randomId()]) {
        await unchangedBy(client.sql, [owner, other], () =>
          rejectsNotFound(createResource(client.db, owner, prompt('Derived', { parentResourceId })), 'resource'),
        );
      }
    });

    it('a blank description is stored as null', async () => {
      const created = await createResource(client.db, owner, prompt('No description', { description: '   ' }));
      assert.equal((await rawResource(client.sql, created.id))!.description, null);
    });
  });

  describe('getUserResources returns only the owner’s resources', () => {
    it("another user's resources, public or not, never appear in my list", async () => {
      const me = await newUser(client, 'me');
      const you = await newUser(client, 'you');
      const mine = await createResource(client.db, me, prompt('Mine'));
      await createResource(client.db, you, prompt('Yours, private'));
      await createResource(client.db, you, prompt('Yours, public', { isPublic: true }));
      const page = await getUserResources(client.db, me);
      assert.deepEqual(
        page.items.map((r) => r.id),
        [mine.id],
      );
      assert.ok(page.items.every((r) => r.userId === me));
      assert.equal((await getUserResources(client.db, you)).items.length, 2);
    });
  });

  describe('getResourceById', () => {
    it('returns my own resource with its content, and another user’s public one', async () => {
      const mine = await createResource(client.db, owner, workflow('Own'));
      const theirs = await createResource(client.db, other, prompt('Public', { isPublic: true }));
      assert.deepEqual(await getResourceById(client.db, owner, mine.id), mine);
      assert.deepEqual(await getResourceById(client.db, owner, theirs.id), theirs);
    });

    it('returns null for another user’s private resource, a deleted one and an id that never existed', async () => {
      const theirs = await createResource(client.db, other, prompt('Private'));
      const gone = await createResource(client.db, owner, prompt('Gone'));
      await deleteResource(client.db, owner, gone.id);
      assert.equal(await getResourceById(client.db, owner, theirs.id), null);
      assert.equal(await getResourceById(client.db, owner, gone.id), null);
      assert.equal(await getResourceById(client.db, owner, randomId()), null);
    });

    it('with viaShareToken, returns another user’s private resource to whoever redeemed the token, while that share lasts', async () => {
      const read = (id: string, token: string, as = owner) => getResourceById(client.db, as, id, { viaShareToken: token });
      const theirs = await createResource(client.db, other, prompt('Shared with me'));
      const share = await createShare(client.db, other, theirs.id, { maxAccesses: 1 });
      const unrelated = await createShare(client.db, other, (await createResource(client.db, other, prompt('Another'))).id);
      assert.equal(await read(theirs.id, share.shareToken), null, 'a token reads nothing before it is redeemed');
      assert.equal((await redeemShare(client.db, owner, share.shareToken)).ok, true);
      assert.deepEqual(await read(theirs.id, share.shareToken), theirs);
      assert.equal(await read(theirs.id, unrelated.shareToken), null, 'a token of another resource reads nothing');
      // The redemption that used up the last allowed use still reads; a third user, who could not redeem, reads nothing.
      const third = (await ensureUser(client.db, `third-${Date.now()}@example.com`)).id;
      assert.deepEqual(await redeemShare(client.db, third, share.shareToken), { ok: false, reason: 'exhausted' });
      assert.equal(await read(theirs.id, share.shareToken, third), null, 'used up before this user redeemed it');
      assert.deepEqual(await read(theirs.id, share.shareToken), theirs);
      await client.sql`update resource_share set expires_at = localtimestamp - interval '1 minute' where id = ${share.id}`;
      assert.equal(await read(theirs.id, share.shareToken), null, 'expired');
      const revoked = await createShare(client.db, other, theirs.id);
      await redeemShare(client.db, owner, revoked.shareToken);
      await revokeShare(client.db, other, revoked.id);
      assert.equal(await read(theirs.id, revoked.shareToken), null, 'revoked');
      const live = await createShare(client.db, other, theirs.id);
      await redeemShare(client.db, owner, live.shareToken);
      await deleteResource(client.db, other, theirs.id);
      assert.equal(await read(theirs.id, live.shareToken), null, 'deleted (its shares went with it)');
    });
  });

  describe('updateResource', () => {
    it('changes the given fields, leaves the rest, and moves updated_at forward', async () => {
      const created = await createResource(client.db, owner, prompt('Before', { description: 'old' }));
      const updated = await updateResource(client.db, owner, created.id, {
        name: '  After ',
        description: 'new',
        content: { text: 'new text' },
        isPublic: true,
      });
      const row = await rawResource(client.sql, created.id);
      assert.deepEqual(
        [row!.name, row!.description, row!.content, row!.is_public, row!.resource_type],
        ['After', 'new', { text: 'new text' }, true, 'prompt'],
      );
      assert.equal(row!.created_at.getTime(), created.createdAt.getTime());
      assert.ok(updated.updatedAt > created.updatedAt, 'updated_at moved forward');
      assert.equal(row!.updated_at.getTime(), updated.updatedAt.getTime());
    });

    it('validates content against the resource’s type and writes nothing when it does not fit', async () => {
      const created = await createResource(client.db, owner, prompt('Typed'));
      await unchangedBy(client.sql, [owner], () =>
        rejectsValidation(
          updateResource(client.db, owner, created.id, { content: { steps: [{ text: 'a' }] } }),
          'content.text',
          /required/,
        ),
      );
    });

    it('changing the type checks the content against the new type', async () => {
      const created = await createResource(client.db, owner, prompt('Retype'));
      await unchangedBy(client.sql, [owner], () =>
        rejectsValidation(updateResource(client.db, owner, created.id, { resourceType: 'workflow' }), 'content.steps', /list of steps/),
      );
      const retyped = await updateResource(client.db, owner, created.id, { resourceType: 'workflow', content: { steps: [{ text: 's' }] } });
      assert.equal(retyped.resourceType, 'workflow');
      assert.deepEqual((await rawResource(client.sql, created.id))!.content, { steps: [{ text: 's' }] });
    });

    it('a save with a stale expectedUpdatedAt is a ConflictError and overwrites nothing', async () => {
      const created = await createResource(client.db, owner, prompt('Contested'));
      const theirs = await updateResource(client.db, owner, created.id, { content: { text: 'saved elsewhere' } });
      const err = await unchangedBy(client.sql, [owner], () =>
        rejectsConflict(
          updateResource(client.db, owner, created.id, { content: { text: 'my stale edit' } }, { expectedUpdatedAt: created.updatedAt }),
        ),
      );
      assert.equal(err.currentUpdatedAt.getTime(), theirs.updatedAt.getTime(), 'says which version is current');
      assert.deepEqual((await rawResource(client.sql, created.id))!.content, { text: 'saved elsewhere' });
    });

    it('a save with the current expectedUpdatedAt succeeds, and the returned version works for the next save', async () => {
      const created = await createResource(client.db, owner, prompt('Editing'));
      const first = await updateResource(client.db, owner, created.id, { name: 'One' }, { expectedUpdatedAt: created.updatedAt });
      const second = await updateResource(client.db, owner, created.id, { name: 'Two' }, { expectedUpdatedAt: first.updatedAt });
      assert.equal(second.name, 'Two');
    });

    it('two quick successive saves each move updated_at, so the first version is stale afterwards', async () => {
      const created = await createResource(client.db, owner, prompt('Quick'));
      const a = await updateResource(client.db, owner, created.id, { content: { text: 'a' } });
      const b = await updateResource(client.db, owner, created.id, { content: { text: 'b' } });
      assert.ok(a.updatedAt > created.updatedAt);
      assert.ok(b.updatedAt > a.updatedAt);
      await rejectsConflict(updateResource(client.db, owner, created.id, { name: 'late' }, { expectedUpdatedAt: a.updatedAt }));
    });

    it('updating a resource that does not exist is NotFoundError, with or without an expected version', async () => {
      await rejectsNotFound(updateResource(client.db, owner, randomId(), { name: 'x' }), 'resource');
      await rejectsNotFound(updateResource(client.db, owner, randomId(), { name: 'x' }, { expectedUpdatedAt: new Date() }), 'resource');
      await rejectsNotFound(updateResource(client.db, owner, randomId(), { content: { text: 'x' } }), 'resource');
    });
  });

  describe('deleteResource', () => {
    it('removes the resource and its shares; deleting it again is NotFoundError', async () => {
      const created = await createResource(client.db, owner, prompt('Delete me'));
      await createShare(client.db, owner, created.id);
      await deleteResource(client.db, owner, created.id);
      assert.equal(await rawResource(client.sql, created.id), undefined);
      const count = await countOf(client.sql`select count(*)::int as count from resource_share where resource_id = ${created.id}`);
      assert.equal(count, 0);
      await rejectsNotFound(deleteResource(client.db, owner, created.id), 'resource');
    });
  });

  describe('recordExecution', () => {
    it('counts each use and sets last_executed_at, without touching updated_at (an open editor can still save)', async () => {
      const created = await createResource(client.db, owner, prompt('Used'));
      const once = await recordExecution(client.db, owner, created.id);
      const twice = await recordExecution(client.db, owner, created.id);
      const row = await rawResource(client.sql, created.id);
      assert.equal(once.executionCount, 1);
      assert.equal(row!.execution_count, 2);
      assert.ok(row!.last_executed_at instanceof Date);
      assert.ok(row!.last_executed_at >= created.createdAt);
      assert.equal(twice.lastExecutedAt?.getTime(), row!.last_executed_at.getTime());
      assert.equal(row!.updated_at.getTime(), created.updatedAt.getTime());
      await updateResource(client.db, owner, created.id, { name: 'Still saves' }, { expectedUpdatedAt: created.updatedAt });
    });
  });

  describe('setPinned', () => {
    it('pins and unpins without changing updated_at; a pinned resource lists first', async () => {
      const user = await newUser(client, 'pinner');
      const older = await createResource(client.db, user, prompt('Older'));
      const newer = await createResource(client.db, user, prompt('Newer'));
      await client.sql`update resource set updated_at = updated_at - interval '1 hour' where id = ${older.id}`;
      const before = (await rawResource(client.sql, older.id))!;
      const pinned = await setPinned(client.db, user, older.id, true);
      assert.equal(pinned.pinned, true);
      const after = (await rawResource(client.sql, older.id))!;
      assert.equal(after.pinned, true);
      assert.equal(after.updated_at.getTime(), before.updated_at.getTime());
      assert.deepEqual(
        (await getUserResources(client.db, user)).items.map((r) => r.id),
        [older.id, newer.id],
      );
      await setPinned(client.db, user, older.id, false);
      assert.equal((await rawResource(client.sql, older.id))!.pinned, false);
      assert.deepEqual(
        (await getUserResources(client.db, user)).items.map((r) => r.id),
        [newer.id, older.id],
      );
      // A save based on the version loaded before pinning is not a conflict.
      await updateResource(client.db, user, older.id, { name: 'Renamed' }, { expectedUpdatedAt: before.updated_at });
    });
  });

  describe('rows written by the chat app in a shape we do not know', () => {
    it('are listed and read without crashing; readContent says what is wrong instead of throwing', async () => {
      const user = await newUser(client, 'app');
      const [row] = await client.sql`insert into resource (user_id, name, resource_type, content)
        values (${user}, 'From the app', 'prompt', '{"body": "no text field"}') returning id`;
      const listed = await getUserResources(client.db, user);
      assert.deepEqual(
        listed.items.map((r) => r.name),
        ['From the app'],
      );
      const read = await getResourceById(client.db, user, row!.id);
      assert.ok(read);
      assert.deepEqual(readContent(read.resourceType, read.content), { ok: false, reason: 'content.text: is required text' });
      assert.deepEqual(readContent('workflow', { steps: [{ text: 'a', extra: 1 }] }), {
        ok: true,
        type: 'workflow',
        content: { steps: [{ text: 'a', extra: 1 }] },
      });
      assert.deepEqual(readContent('tool', {}), { ok: false, reason: 'unknown resource type "tool"' });
      assert.equal(readContent('agent_config', { config: [] }).ok, false);
      // Nothing about reading it changed it.
      const snap = await snapshot(client.sql, [user]);
      await getResourceById(client.db, user, row!.id);
      assert.deepEqual(await snapshot(client.sql, [user]), snap);
    });
  });
});
