import assert from 'node:assert/strict';
import type { DatabaseClient } from '../../src/db/client';
import {
  createResource,
  createShare,
  deleteResource,
  getPublicResources,
  getUserResources,
  type ResourceListItem,
} from '../../src/db/queries';
import { sortOrders, type ListOptions, type SortOrder } from '../../src/db/validation';
import { rejectsValidation } from './support/expect';
import { newUser, sharedDatabase } from './support/database';
import { agentConfig, prompt, randomId, workflow } from './support/rows';

/** Every page of a listing, following nextCursor to the end. */
async function allPages(list: (cursor?: string) => Promise<{ items: ResourceListItem[]; nextCursor?: string }>, limit: number) {
  const pages: ResourceListItem[][] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    pages.push(page.items);
    cursor = page.nextCursor;
    assert.ok(pages.length < 1000, 'paging ends');
  } while (cursor);
  pages.slice(0, -1).forEach((p) => assert.equal(p.length, limit, 'every page but the last is full'));
  return pages.flat();
}

const keyOf: Record<SortOrder, (r: ResourceListItem) => string | number> = {
  updated: (r) => r.updatedAt.getTime(),
  created: (r) => r.createdAt.getTime(),
  name: (r) => r.name,
  executions: (r) => r.executionCount,
};
const ascending: Record<SortOrder, boolean> = { updated: false, created: false, name: true, executions: false };

/** The documented order: pinned first, then the sort key, ties broken by id in the same direction. */
function compare(sort: SortOrder, a: ResourceListItem, b: ResourceListItem): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  const [ka, kb] = [keyOf[sort](a), keyOf[sort](b)];
  const dir = ascending[sort] ? 1 : -1;
  if (ka !== kb) return (ka < kb ? -1 : 1) * dir;
  return (a.id < b.id ? -1 : 1) * dir;
}

const cursorOf = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');

describe('listing: search, filter, order and paging', () => {
  let client: DatabaseClient;
  before(async () => {
    ({ client } = await sharedDatabase());
  });

  describe('order and paging', () => {
    let user: string;
    const total = 29;
    before(async () => {
      user = await newUser(client, 'pager');
      const names = ['delta', 'alpha', 'charlie', 'alpha', 'bravo', 'echo', 'alpha'];
      for (let i = 0; i < total; i++) {
        const make = [prompt, workflow, agentConfig][i % 3]!;
        const r = await createResource(client.db, user, make(names[i % names.length]!));
        // Ties in every sort key: updated_at in threes, created_at in fours, names and counts repeat.
        await client.sql`update resource set
          pinned = ${i % 6 === 0},
          updated_at = timestamp '2024-03-01 12:00:00.5' + ${Math.floor(i / 3)} * interval '1 minute',
          created_at = timestamp '2023-03-01 08:00:00.25' + ${Math.floor(i / 4)} * interval '1 second',
          execution_count = ${i % 4}
          where id = ${r.id}`;
      }
    });

    it('the default order is pinned first, then most recently updated (ties by id)', async () => {
      const { items, nextCursor } = await getUserResources(client.db, user, { limit: 200 });
      assert.equal(items.length, total);
      assert.equal(nextCursor, undefined);
      assert.deepEqual(
        items.map((r) => r.id),
        [...items].sort((a, b) => compare('updated', a, b)).map((r) => r.id),
      );
      assert.ok(items.slice(0, 5).every((r) => r.pinned) && items.slice(5).every((r) => !r.pinned));
    });

    for (const sort of sortOrders) {
      it(`sort "${sort}": pages of 1, 4 and 7 cover every row exactly once, in the documented order, despite ties`, async () => {
        const { items: full } = await getUserResources(client.db, user, { sort, limit: 200 });
        const expected = [...full].sort((a, b) => compare(sort, a, b)).map((r) => r.id);
        assert.deepEqual(
          full.map((r) => r.id),
          expected,
          'one page is in order',
        );
        assert.ok(new Set(full.map((r) => keyOf[sort](r))).size < total, 'the data has ties in this key');
        for (const limit of [1, 4, 7]) {
          const paged = await allPages((cursor) => getUserResources(client.db, user, { sort, limit, cursor }), limit);
          assert.deepEqual(
            paged.map((r) => r.id),
            expected,
            `pages of ${limit}`,
          );
        }
      });
    }

    it('a type filter and a search page the same way', async () => {
      const paged = await allPages(
        (cursor) => getUserResources(client.db, user, { type: 'workflow', search: 'ALPHA', limit: 2, cursor }),
        2,
      );
      const { items } = await getUserResources(client.db, user, { limit: 200 });
      const expected = items.filter((r) => r.resourceType === 'workflow' && r.name === 'alpha').map((r) => r.id);
      assert.ok(expected.length >= 3);
      assert.deepEqual(
        paged.map((r) => r.id),
        expected,
      );
    });

    it('the next page still follows on when the last row shown was deleted, and a new row does not repeat others', async () => {
      const other = await newUser(client, 'pager2');
      for (let i = 0; i < 6; i++) await createResource(client.db, other, prompt(`row ${i}`));
      const before = (await getUserResources(client.db, other, { limit: 200 })).items.map((r) => r.id);
      const first = await getUserResources(client.db, other, { limit: 3 });
      await deleteResource(client.db, other, first.items[2]!.id);
      await createResource(client.db, other, prompt('new'));
      const rest = await allPages((cursor) => getUserResources(client.db, other, { limit: 3, cursor: cursor ?? first.nextCursor }), 3);
      assert.deepEqual(
        rest.map((r) => r.id),
        before.slice(3),
      );
    });

    it('list items carry the share count and everything but the content', async () => {
      const owner = await newUser(client, 'counted');
      const shared = await createResource(client.db, owner, prompt('Shared'));
      const alone = await createResource(client.db, owner, prompt('Alone'));
      await createShare(client.db, owner, shared.id);
      await createShare(client.db, owner, shared.id, { maxAccesses: 2 });
      const { items } = await getUserResources(client.db, owner);
      const byId = new Map(items.map((r) => [r.id, r]));
      assert.equal(byId.get(shared.id)!.shareCount, 2);
      assert.equal(byId.get(alone.id)!.shareCount, 0);
      const { content: _content, ...withoutContent } = shared;
      for (const item of items) assert.ok(!('content' in item), 'no content in a list item');
      assert.deepEqual(byId.get(shared.id), { ...withoutContent, shareCount: 2, tags: [] });
    });

    it('a malformed cursor is a ValidationError naming the cursor', async () => {
      const page = await getUserResources(client.db, user, { limit: 2 });
      const id = randomId();
      const bad: [SortOrder, string][] = [
        ['updated', 'not-a-cursor'],
        ['updated', cursorOf({ sort: 'updated' })],
        ['updated', cursorOf(['name', false, 'alpha', id])],
        ['updated', cursorOf(['updated', false, 'yesterday', id])],
        ['updated', cursorOf(['updated', 'no', '2024-01-01T00:00:00.000Z', id])],
        ['updated', cursorOf(['updated', false, '2024-01-01T00:00:00.000Z', '-'.repeat(36)])],
        ['created', cursorOf(['created', false, 5, id])],
        ['executions', cursorOf(['executions', false, 'many', id])],
        ['executions', cursorOf(['executions', false, 1e30, id])],
        ['executions', cursorOf(['executions', false, 1.5, id])],
        ['name', cursorOf(['name', false, 7, id])],
      ];
      for (const [sort, cursor] of bad) {
        await rejectsValidation(getUserResources(client.db, user, { sort, cursor }), 'cursor', /not a position returned by this list/);
      }
      await rejectsValidation(getUserResources(client.db, user, { sort: 'name', cursor: page.nextCursor }), 'cursor', /not a position/);
    });

    it('list options are validated: limit, sort, type, search length, unknown options', async () => {
      await rejectsValidation(getUserResources(client.db, user, { limit: 0 }), 'limit', /too small|>=1/i);
      await rejectsValidation(getUserResources(client.db, user, { limit: 201 }), 'limit', /too big|<=200/i);
      await rejectsValidation(getUserResources(client.db, user, { limit: 2.5 }), 'limit', /expected int/i);
      await rejectsValidation(
        getUserResources(client.db, user, { sort: 'random' as SortOrder }),
        'sort',
        /must be one of updated, created, name, executions/,
      );
      await rejectsValidation(
        getUserResources(client.db, user, { type: 'tool' as 'prompt' }),
        'type',
        /must be one of workflow, prompt, agent_config/,
      );
      await rejectsValidation(getUserResources(client.db, user, { search: 'x'.repeat(256) }), 'search', /at most 255/);
      await rejectsValidation(getUserResources(client.db, user, { order: 'asc' } as ListOptions), 'input', /unknown field\(s\) order/);
    });
  });

  describe('search', () => {
    let user: string;
    const ids: Record<string, string> = {};
    const search = async (term: string, options: ListOptions = {}) =>
      (await getUserResources(client.db, user, { search: term, limit: 200, ...options })).items.map((r) => r.name).sort();

    before(async () => {
      user = await newUser(client, 'searcher');
      const rows: [string, string | null][] = [
        ['Deploy 100% coverage', null],
        ['1000 things', null],
        ['snake_case helper', null],
        ['snakeXcase helper', null],
        ['Windows path C:\\tools', null],
        ['backslash notes', 'no slash here'],
        ['Discounts', 'Everything 10% off'],
        ['Quiet', 'the DEPLOYMENT checklist'],
      ];
      for (const [name, description] of rows) {
        ids[name] = (await createResource(client.db, user, workflow(name, { description }))).id;
      }
      await createResource(client.db, user, prompt('deploy prompt'));
      const stranger = await newUser(client, 'stranger');
      await createResource(client.db, stranger, prompt('Deploy 100% coverage', { isPublic: true }));
    });

    it('is case-insensitive over name and description, and only over my resources', async () => {
      assert.deepEqual(await search('DEPLOY'), ['Deploy 100% coverage', 'Quiet', 'deploy prompt']);
      assert.deepEqual(await search('deployment'), ['Quiet']);
      assert.deepEqual(await search('checklist'), ['Quiet']);
    });

    it('% matches only a literal percent sign', async () => {
      assert.deepEqual(await search('%'), ['Deploy 100% coverage', 'Discounts']);
      assert.deepEqual(await search('100%'), ['Deploy 100% coverage']);
      assert.deepEqual(await search('1%0'), []);
    });

    it('_ matches only a literal underscore', async () => {
      assert.deepEqual(await search('_'), ['snake_case helper']);
      assert.deepEqual(await search('snake_case'), ['snake_case helper']);
      assert.deepEqual(await search('10_'), []);
    });

    it('\\ matches only a literal backslash', async () => {
      assert.deepEqual(await search('\\'), ['Windows path C:\\tools']);
      assert.deepEqual(await search('C:\\t'), ['Windows path C:\\tools']);
      assert.deepEqual(await search('\\%'), []);
      assert.deepEqual(await search('C:\\\\'), []);
    });

    it('the term is trimmed; an empty term lists everything', async () => {
      assert.deepEqual(await search('  quiet  '), ['Quiet']);
      assert.equal((await search('')).length, 9);
      assert.equal((await search('   ')).length, 9);
    });

    it('combines with the type filter', async () => {
      assert.deepEqual(await search('deploy', { type: 'prompt' }), ['deploy prompt']);
      assert.deepEqual(await search('deploy', { type: 'workflow' }), ['Deploy 100% coverage', 'Quiet']);
      assert.deepEqual(await search('deploy', { type: 'agent_config' }), []);
    });

    it('a type filter alone returns only that type', async () => {
      const { items } = await getUserResources(client.db, user, { type: 'prompt' });
      assert.deepEqual(
        items.map((r) => r.name),
        ['deploy prompt'],
      );
    });
  });

  describe('getPublicResources', () => {
    it("lists other users' public resources only (not mine, not private ones), searchable and paged", async () => {
      const marker = `mk${randomId().slice(0, 8)}`;
      const me = await newUser(client, 'browser');
      const a = await newUser(client, 'publisher');
      const b = await newUser(client, 'publisher');
      await createResource(client.db, me, prompt(`${marker} mine`, { isPublic: true }));
      await createResource(client.db, a, prompt(`${marker} private`));
      const expected: string[] = [];
      for (const [owner, i] of [
        [a, 1],
        [b, 2],
        [a, 3],
        [b, 4],
        [a, 5],
      ] as const) {
        expected.push((await createResource(client.db, owner, agentConfig(`${marker} public ${i}`, { isPublic: true }))).id);
      }
      const paged = await allPages((cursor) => getPublicResources(client.db, me, { search: marker, limit: 2, cursor }), 2);
      assert.deepEqual(new Set(paged.map((r) => r.id)), new Set(expected));
      assert.equal(paged.length, expected.length);
      assert.ok(paged.every((r) => r.isPublic && r.userId !== me));
      assert.deepEqual(
        paged.map((r) => r.id),
        [...paged].sort((x, y) => compare('updated', x, y)).map((r) => r.id),
      );
    });
  });
});
