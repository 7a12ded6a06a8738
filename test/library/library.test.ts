import assert from 'node:assert/strict';
import { eq, sql } from 'drizzle-orm';
import { errorMessage, redact } from '../../src/common/redact';
import type { DatabaseClient } from '../../src/db/client';
import { NotFoundError } from '../../src/db/errors';
import { resource, resourceShare } from '../../src/db/schema';
import { userMessage } from '../../src/library/errors';
import type { Library, LibraryChange, LibrarySession } from '../../src/library/library';
import { rejection, rejectsNotFound } from '../db/support/expect';
import { rawResource, unchangedBy, workflow, agentConfig, prompt } from '../db/support/rows';
import { failOnUnhandledRejection } from '../db/support/unhandled';
import { newLibrary, recordChanges } from './support';

describe('Library (plain Node, real Postgres)', () => {
  failOnUnhandledRejection();
  let library: Library;
  let me: LibrarySession;
  let client: DatabaseClient;
  let other: Library;
  let them: LibrarySession;

  before(async () => {
    ({ library, session: me } = await newLibrary('me'));
    ({ library: other, session: them } = await newLibrary('them'));
    client = me.client;
  });
  after(() => {
    library.dispose();
    other.dispose();
  });

  /** The row as Postgres holds it now. */
  const row = async (id: string) => (await rawResource(client.sql, id))!;

  describe('writes and their change events', () => {
    it('a saved resource reads back, and a "created" event naming it fires once the row is in the database', async () => {
      const changes = recordChanges(library);
      let seenOnEvent: Promise<unknown> | undefined;
      const sub = library.onDidChange((c) => (seenOnEvent = library.get(c.resourceId!)));
      const saved = await library.save(prompt('Saved'));
      sub.dispose();
      assert.deepEqual(changes, [{ kind: 'created', resourceId: saved.id, resourceType: saved.resourceType }]);
      assert.deepEqual(await library.get(saved.id), saved);
      assert.deepEqual(await seenOnEvent, saved, 'a view refreshing on the event sees the new row');
    });

    it('update, pin, fork, share, revoke, use, import and delete each tell one change of their kind, once the write is in the database', async () => {
      const r = await library.save(workflow('Edited'));
      // What a view that reads on the event sees: the row, its shares, how many rows the user owns.
      const stateOf = async (id: string | undefined) => {
        const [state] = await client.sql<{ row: Record<string, unknown> | null; shares: number; owned: number }[]>`
          select (select to_jsonb(r) from resource r where id = ${id ?? null}::uuid) as row,
                 (select count(*)::int from resource_share where resource_id = ${id ?? null}::uuid) as shares,
                 (select count(*)::int from resource where user_id = ${me.userId}) as owned`;
        return state!;
      };
      const seen: { change: LibraryChange; state: ReturnType<typeof stateOf> }[] = [];
      const subscription = library.onDidChange((change) => seen.push({ change, state: stateOf(change.resourceId) }));
      /** The one change told since the last call, and what a view saw when it was told. */
      const told = async (change: LibraryChange) => {
        const all = seen.splice(0);
        assert.deepEqual(
          all.map((s) => s.change),
          [change],
        );
        return all[0]!.state;
      };

      await library.update(r.id, { name: 'Renamed' });
      assert.equal((await told({ kind: 'updated', resourceId: r.id, resourceType: r.resourceType })).row?.name, 'Renamed');

      await library.setPinned(r.id, true);
      assert.equal((await told({ kind: 'updated', resourceId: r.id, resourceType: r.resourceType })).row?.pinned, true);

      const fork = await library.fork(r.id);
      assert.equal((await told({ kind: 'created', resourceId: fork.id, resourceType: fork.resourceType })).row?.parent_resource_id, r.id);

      const share = await library.share(r.id, { maxAccesses: 2 });
      assert.equal((await told({ kind: 'shared', resourceId: r.id })).shares, 1);

      await library.revokeShare(share);
      assert.equal((await told({ kind: 'shared', resourceId: r.id })).shares, 0);

      assert.equal(await library.recordUse(r), true);
      assert.equal((await told({ kind: 'used', resourceId: r.id })).row?.execution_count, 1);

      const owned = (await stateOf(undefined)).owned;
      const report = await library.import({ format: 'agent-resources-library', version: 1, resources: [prompt('Imported')] });
      assert.equal(report.imported, 1);
      assert.equal((await told({ kind: 'imported' })).owned, owned + 1);

      await library.delete(r.id);
      assert.equal((await told({ kind: 'deleted', resourceId: r.id })).row, null);
      subscription.dispose();
    });

    it('a write that fails tells no change', async () => {
      const changes = recordChanges(library);
      const r = await library.save(prompt('Kept'));
      changes.length = 0;
      await rejectsNotFound(other.update(r.id, { name: 'Taken' }), 'resource');
      await rejectsNotFound(other.delete(r.id), 'resource');
      await rejection(library.save({ name: '', resourceType: 'prompt', content: { text: 'x' } }), Error);
      assert.deepEqual(changes, []);
    });

    it('reads tell no change: list, get, require, shares, shareById, redeem, export, render', async () => {
      const r = await library.save(prompt('Read only'));
      const share = await library.share(r.id);
      const mine = recordChanges(library);
      const theirs = recordChanges(other);
      await library.list('mine', {});
      await library.list('public', { search: 'Read' });
      await library.get(r.id);
      await library.require(r.id);
      await library.shares(r.id);
      await library.shareById(share.id);
      assert.equal((await other.redeem(share.shareToken)).ok, true);
      await other.get(r.id, share.shareToken);
      await library.export();
      library.render(r, { variables: { topic: 'x' } });
      assert.deepEqual([mine, theirs], [[], []]);
    });
  });

  describe('rules', () => {
    it('using my own resource counts one execution each time, and says it counted', async () => {
      const r = await library.save(prompt('Used'));
      assert.equal(await library.recordUse(r), true);
      assert.equal(await library.recordUse(r), true);
      const used = await row(r.id);
      assert.equal(used.execution_count, 2);
      assert.ok(used.last_executed_at instanceof Date);
    });

    it("using another user's public resource counts nowhere and tells no change", async () => {
      const theirs = await other.save(prompt('Public', { isPublic: true }));
      const changes = [library, other].map(recordChanges);
      const counted = await unchangedBy(client.sql, [me.userId, them.userId], () => library.recordUse(theirs));
      assert.equal(counted, false);
      assert.equal((await row(theirs.id)).execution_count, 0);
      assert.deepEqual(changes, [[], []]);
    });

    it('a private resource forks through a live share token this user redeemed, and not through a revoked or expired one', async () => {
      const secret = await other.save(agentConfig('Secret'));
      await rejectsNotFound(library.fork(secret.id), 'resource');
      const live = await other.share(secret.id);
      await rejectsNotFound(library.fork(secret.id, { viaShareToken: live.shareToken }), 'resource');
      assert.equal((await library.redeem(live.shareToken)).ok, true);
      const fork = await library.fork(secret.id, { viaShareToken: live.shareToken });
      assert.deepEqual([fork.userId, fork.parentResourceId, fork.content], [me.userId, secret.id, secret.content]);

      const revoked = await other.share(secret.id);
      await library.redeem(revoked.shareToken);
      await other.revokeShare(revoked);
      const expired = await other.share(secret.id, { expiresInHours: 1 });
      await library.redeem(expired.shareToken);
      await client.db
        .update(resourceShare)
        .set({ expiresAt: sql`localtimestamp - interval '1 minute'` })
        .where(eq(resourceShare.id, expired.id));
      for (const share of [revoked, expired]) {
        await unchangedBy(client.sql, [me.userId, them.userId], () =>
          rejectsNotFound(library.fork(secret.id, { viaShareToken: share.shareToken }), 'resource'),
        );
      }
      assert.equal((await row(secret.id)).fork_count, 1, 'only the fork through the live token counted');
    });

    it('a share whose uses are all redeemed cannot be redeemed by anyone else', async () => {
      const secret = await other.save(prompt('Once'));
      const once = await other.share(secret.id, { maxAccesses: 1 });
      const redeemed = await library.redeem(once.shareToken);
      assert.ok(redeemed.ok && redeemed.resource.id === secret.id);
      const { library: third } = await newLibrary('third');
      assert.deepEqual(await third.redeem(once.shareToken), { ok: false, reason: 'exhausted' });
      third.dispose();
    });

    it('a resource read through a share token is gone (null) once its owner deletes it', async () => {
      const secret = await other.save(prompt('Doomed'));
      const share = await other.share(secret.id);
      assert.equal(await library.get(secret.id, share.shareToken), null, 'not before this user redeemed it');
      await library.redeem(share.shareToken);
      assert.equal((await library.get(secret.id, share.shareToken))?.id, secret.id);
      await other.delete(secret.id);
      assert.equal(await library.get(secret.id, share.shareToken), null);
      await rejection(library.require(secret.id, share.shareToken), NotFoundError);
    });
  });

  describe('render: the text a use gives', () => {
    const promptOf = (text: string) => ({ resourceType: 'prompt' as const, content: { text } });

    it('a prompt gets the values given, and keeps {{x}} for the variables without one', () => {
      const text = 'Review {{ file }} for {{topic}}; cc {{reviewer}} and {{topic}}.';
      assert.equal(
        library.render(promptOf(text), { variables: { file: 'a.ts', topic: 'bugs' } }),
        'Review a.ts for bugs; cc {{reviewer}} and bugs.',
      );
      assert.equal(library.render(promptOf(text)), text);
    });

    it('{{constructor}}, {{toString}} and {{__proto__}} are plain names: kept as written without values, filled with them', () => {
      const text = 'A {{constructor}} B {{toString}} C {{__proto__}} D {{hasOwnProperty}}';
      assert.equal(library.render(promptOf(text), { variables: {} }), text);
      assert.equal(library.render(promptOf(text)), text);
      const values = Object.fromEntries([
        ['constructor', '1'],
        ['toString', '2'],
        ['__proto__', '3'],
        ['hasOwnProperty', '4'],
      ]);
      assert.equal(library.render(promptOf(text), { variables: values }), 'A 1 B 2 C 3 D 4');
    });

    it('a workflow gives step n, or all steps separated by a blank line; a step that does not exist gives undefined', async () => {
      const r = await library.save(
        workflow('Steps', { content: { steps: [{ name: 'plan', text: 'Write a plan' }, { text: 'Do it' }, { text: 'Check it' }] } }),
      );
      assert.equal(library.render(r, { step: 0 }), 'Write a plan');
      assert.equal(library.render(r, { step: 2 }), 'Check it');
      assert.equal(library.render(r), 'Write a plan\n\nDo it\n\nCheck it');
      assert.equal(library.render(r, { step: 3 }), undefined);
      assert.equal(library.render(r, { step: -1 }), undefined);
    });

    it('an agent config gives its config as pretty JSON', async () => {
      const r = await library.save(agentConfig('Agent'));
      const text = library.render(r)!;
      assert.deepEqual(JSON.parse(text), { model: 'some-model', temperature: 0.2, tools: ['search'] });
      assert.equal(text, `${JSON.stringify(JSON.parse(text), null, 2)}\n`, 'indented by two spaces, one key a line');
    });

    it('content in a shape the extension does not know (written by plain SQL) renders as its JSON and does not throw', async () => {
      const odd: [string, unknown][] = [
        ['prompt', { weird: 1 }],
        ['workflow', { steps: 'not a list' }],
        ['agent_config', { config: [1, 2] }],
        ['prompt', 'just a string'],
      ];
      for (const [type, content] of odd) {
        const [{ id }] = (await client.sql`insert into resource (user_id, name, resource_type, content)
          values (${me.userId}, 'Odd', ${type}, ${JSON.stringify(content)}::jsonb) returning id`) as unknown as [{ id: string }];
        const read = await library.require(id);
        const text = library.render(read, { variables: { x: 'y' } });
        assert.equal(text, `${JSON.stringify(content, null, 2)}\n`, type);
        assert.equal(library.render(read, { step: 5 }), text);
      }
    });
  });

  describe("errors: the driver's own message, never drizzle's \"Failed query\" or the statement's parameters", () => {
    const secret = 'secret-token-value';
    const caught = async (work: Promise<unknown>) => rejection(work, Error);

    it('a constraint violation (a duplicate share token) says what Postgres said, without the token', async () => {
      const r = await library.save(prompt('Shared twice'));
      const share = await library.share(r.id);
      const err = await caught(client.db.insert(resourceShare).values({ resourceId: r.id, shareToken: share.shareToken }));
      assert.match(err.message, /^Failed query:/, 'drizzle wrapped the driver error (the case that matters)');
      for (const message of [userMessage(err), errorMessage(err)]) {
        assert.equal(message, 'duplicate key value violates unique constraint "resource_share_token_unique"');
        assert.ok(!message.includes(share.shareToken));
      }
    });

    it('a check violation from an update through plain drizzle says what Postgres said, without the values sent', async () => {
      const r = await library.save(prompt('Counted'));
      const err = await caught(client.db.update(resource).set({ executionCount: -1, name: secret }).where(eq(resource.id, r.id)));
      for (const message of [userMessage(err), errorMessage(err)]) {
        assert.equal(message, 'new row for relation "resource" violates check constraint "resource_counts_check"');
        assert.ok(!message.includes(secret) && !message.includes(r.id) && !message.includes('Failed query'));
      }
    });

    it('a cast error says what Postgres said, without drizzle\'s "Failed query ... params" text', async () => {
      const err = await caught(client.db.execute(sql`select ${secret}::int`));
      assert.ok(err.message.includes(`params: ${secret}`), 'drizzle put the parameter in its message');
      for (const message of [userMessage(err), errorMessage(err)]) {
        assert.match(message, /^invalid input syntax for type integer/);
        assert.ok(!message.includes('Failed query') && !message.includes('params:'), message);
      }
    });

    // Postgres quotes a value it could not convert in its own message: the parameter is masked there too.
    it('a cast error does not show the parameter that Postgres rejected', async () => {
      const err = await caught(client.db.execute(sql`select ${secret}::int`));
      for (const message of [userMessage(err), errorMessage(err)]) {
        assert.ok(!message.includes(secret), message);
        assert.match(message, /^invalid input syntax for type integer/);
      }
    });

    it('redact removes the password from a postgres:// URL and keeps the rest', () => {
      const text = redact('could not connect to postgres://alice:s3cr%40t@db.example.com:5432/app?sslmode=require');
      assert.equal(text, 'could not connect to postgres://alice:***@db.example.com:5432/app?sslmode=require');
    });
  });
});
