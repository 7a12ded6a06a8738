import assert from 'node:assert/strict';
import type { DatabaseClient } from '../../src/db/client';
import {
  createResource,
  createShare,
  deleteResource,
  forkName,
  forkResource,
  getResourceById,
  recordExecution,
  redeemShare,
  revokeShare,
  setPinned,
} from '../../src/db/queries';
import { rejectsNotFound, rejectsValidation } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { agentConfig, prompt, randomId, rawResource, unchangedBy, workflow } from './support/rows';

describe('forkResource', () => {
  let client: DatabaseClient;
  let author: string;
  let forker: string;
  before(async () => {
    ({ client } = await sharedDatabase());
    author = await newUser(client, 'author');
    forker = await newUser(client, 'forker');
  });

  const forkCount = async (id: string) => (await rawResource(client.sql, id))!.fork_count as number;

  it('fork lineage: the copy is mine, remembers its parent, and the parent counts the fork', async () => {
    const parent = await createResource(client.db, author, workflow('Pipeline', { description: 'Build and test', isPublic: true }));
    await setPinned(client.db, author, parent.id, true);
    await recordExecution(client.db, author, parent.id);
    const fork = await forkResource(client.db, forker, parent.id);
    const row = await rawResource(client.sql, fork.id);
    assert.deepEqual(
      {
        user_id: row!.user_id,
        parent_resource_id: row!.parent_resource_id,
        name: row!.name,
        description: row!.description,
        resource_type: row!.resource_type,
        content: row!.content,
        fork_count: row!.fork_count,
        execution_count: row!.execution_count,
        last_executed_at: row!.last_executed_at,
        is_public: row!.is_public,
        pinned: row!.pinned,
      },
      {
        user_id: forker,
        parent_resource_id: parent.id,
        name: 'Pipeline (fork)',
        description: 'Build and test',
        resource_type: 'workflow',
        content: parent.content,
        fork_count: 0,
        execution_count: 0,
        last_executed_at: null,
        is_public: false,
        pinned: false,
      },
    );
    assert.equal(await forkCount(parent.id), 1);
    const second = await forkResource(client.db, forker, fork.id);
    assert.equal((await rawResource(client.sql, second.id))!.parent_resource_id, fork.id, 'a fork of a fork points at the fork');
    assert.equal(await forkCount(fork.id), 1);
    assert.equal(await forkCount(parent.id), 1);
  });

  it('forking does not change the parent’s content, name or updated_at', async () => {
    const parent = await createResource(client.db, author, prompt('Stable', { isPublic: true }));
    await forkResource(client.db, forker, parent.id);
    const row = await rawResource(client.sql, parent.id);
    assert.deepEqual([row!.name, row!.content, row!.updated_at.getTime()], [parent.name, parent.content, parent.updatedAt.getTime()]);
  });

  it('takes a name when given one (trimmed), and validates it', async () => {
    const parent = await createResource(client.db, author, prompt('Named', { isPublic: true }));
    const fork = await forkResource(client.db, forker, parent.id, { name: '  My copy  ' });
    assert.equal(fork.name, 'My copy');
    await unchangedBy(client.sql, [author, forker], () =>
      rejectsValidation(forkResource(client.db, forker, parent.id, { name: '   ' }), 'name', /must not be empty or blank/),
    );
  });

  it('shortens a long name so that "<name> (fork)" fits 255 characters (counted in code points)', async () => {
    const long = 'n'.repeat(255);
    const emoji = '🚀'.repeat(255);
    for (const name of [long, emoji, `${'x'.repeat(247)} tail`]) {
      const parent = await createResource(client.db, author, prompt(name, { isPublic: true }));
      const fork = await forkResource(client.db, forker, parent.id);
      const [row] = await client.sql`select name, char_length(name) as length from resource where id = ${fork.id}`;
      assert.ok(row!.length <= 255, `${row!.length} characters`);
      assert.ok(row!.name.endsWith(' (fork)'));
      assert.ok(name.startsWith(row!.name.slice(0, -' (fork)'.length)));
    }
    assert.equal([...forkName(emoji)].length, 255);
    assert.equal(forkName('Short'), 'Short (fork)');
  });

  it('I can fork my own resource and another user’s public one', async () => {
    const own = await createResource(client.db, forker, agentConfig('Mine'));
    const pub = await createResource(client.db, author, agentConfig('Theirs', { isPublic: true }));
    assert.equal((await forkResource(client.db, forker, own.id)).parentResourceId, own.id);
    assert.equal((await forkResource(client.db, forker, pub.id)).parentResourceId, pub.id);
    assert.equal(await forkCount(own.id), 1);
    assert.equal(await forkCount(pub.id), 1);
  });

  it('I can fork a private resource shared with me through a live token, after redeeming it', async () => {
    const secret = await createResource(client.db, author, prompt('Shared privately'));
    const share = await createShare(client.db, author, secret.id, { expiresInHours: 1, maxAccesses: 1 });
    assert.equal((await redeemShare(client.db, forker, share.shareToken)).ok, true);
    const fork = await forkResource(client.db, forker, secret.id, { viaShareToken: share.shareToken });
    assert.equal(fork.userId, forker);
    assert.equal(fork.parentResourceId, secret.id);
    assert.equal(await forkCount(secret.id), 1);
  });

  describe('what is not enough to fork: NotFoundError, and the parent’s fork_count is unchanged', () => {
    let secret: { id: string };
    before(async () => {
      secret = await createResource(client.db, author, prompt('Private'));
    });

    const refused = async (options: Parameters<typeof forkResource>[3]) => {
      await unchangedBy(client.sql, [author, forker], () =>
        rejectsNotFound(forkResource(client.db, forker, secret.id, options), 'resource'),
      );
      assert.equal(await forkCount(secret.id), 0);
      assert.equal(await getResourceById(client.db, forker, secret.id), null);
    };

    it('a private resource of another user, without a token', async () => {
      await refused({});
    });

    it('an expired token', async () => {
      const share = await createShare(client.db, author, secret.id, { expiresInHours: 1 });
      await client.sql`update resource_share set expires_at = localtimestamp - interval '1 second' where id = ${share.id}`;
      await refused({ viaShareToken: share.shareToken });
    });

    it('a revoked token', async () => {
      const share = await createShare(client.db, author, secret.id);
      await revokeShare(client.db, author, share.id);
      await refused({ viaShareToken: share.shareToken });
    });

    it('a live token of a different resource', async () => {
      const elsewhere = await createResource(client.db, author, prompt('Other'));
      const share = await createShare(client.db, author, elsewhere.id);
      await refused({ viaShareToken: share.shareToken });
    });

    it('a resource that does not exist, or was deleted', async () => {
      await unchangedBy(client.sql, [author, forker], () => rejectsNotFound(forkResource(client.db, forker, randomId()), 'resource'));
      const gone = await createResource(client.db, forker, prompt('Gone'));
      await deleteResource(client.db, forker, gone.id);
      await rejectsNotFound(forkResource(client.db, forker, gone.id), 'resource');
    });

    it('a malformed token is a ValidationError naming the token', async () => {
      await unchangedBy(client.sql, [author, forker], () =>
        rejectsValidation(forkResource(client.db, forker, secret.id, { viaShareToken: 'nope' }), 'token', /32 letters and digits/),
      );
    });
  });
});
