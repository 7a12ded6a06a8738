import assert from 'node:assert/strict';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import {
  createResource,
  getPublicResources,
  getUserResources,
  setPinned,
  updateResource,
  type ResourceListItem,
} from '../../src/db/queries';
import { getUserTags, setResourceTags } from '../../src/db/tags';
import type { ListOptions } from '../../src/db/validation';
import { rejectsNotFound, rejectsValidation } from './support/expect';
import { freshDatabase, migrationsFolder, newUser, sharedDatabase } from './support/database';
import { countOf, prompt, rawResource, setTimestamps, workflow } from './support/rows';

/** Every page of a list, following the cursors; fails on a repeated row. */
async function allPages(db: DatabaseClient['db'], userId: string, options: ListOptions): Promise<ResourceListItem[]> {
  const items: ResourceListItem[] = [];
  let cursor: string | undefined;
  do {
    const page = await getUserResources(db, userId, { ...options, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  assert.equal(new Set(items.map((i) => i.id)).size, items.length, 'no row on two pages');
  return items;
}

describe('tags', function () {
  this.timeout(60_000);
  let client: DatabaseClient;
  let owner: string;
  let other: string;
  before(async () => {
    ({ client } = await sharedDatabase());
    owner = await newUser(client, 'tagger');
    other = await newUser(client, 'tagger-other');
  });

  it('setTags stores them lower-cased, without duplicates, sorted; the list shows them; setting again replaces them', async () => {
    const r = await createResource(client.db, owner, prompt('Tagged'));
    assert.deepEqual(await setResourceTags(client.db, owner, r.id, ['Review', ' python ', 'review', 'ops/ci']), [
      'ops/ci',
      'python',
      'review',
    ]);
    const item = (await getUserResources(client.db, owner)).items.find((i) => i.id === r.id)!;
    assert.deepEqual(item.tags, ['ops/ci', 'python', 'review']);
    assert.deepEqual(await setResourceTags(client.db, owner, r.id, ['python', 'go']), ['go', 'python']);
    const rows = await client.sql`select tag, user_id from resource_tag where resource_id = ${r.id} order by tag`;
    assert.deepEqual(
      rows.map((t) => [t.tag, t.user_id]),
      [
        ['go', owner],
        ['python', owner],
      ],
    );
    assert.deepEqual(await setResourceTags(client.db, owner, r.id, []), []);
    assert.equal((await client.sql`select count(*)::int as n from resource_tag where resource_id = ${r.id}`)[0]!.n, 0);
  });

  it('tags are not versions and leave updated_at alone (an open editor can still save)', async () => {
    const r = await createResource(client.db, owner, prompt('Not a version'));
    await setResourceTags(client.db, owner, r.id, ['docs']);
    assert.equal((await rawResource(client.sql, r.id))!.updated_at.getTime(), r.updatedAt.getTime());
    assert.equal(await countOf(client.sql`select count(*)::int as count from resource_version where resource_id = ${r.id}`), 1);
  });

  it('bad tags are refused with what to do, and nothing is stored', async () => {
    const r = await createResource(client.db, owner, prompt('Badly tagged'));
    await setResourceTags(client.db, owner, r.id, ['kept']);
    await rejectsValidation(
      setResourceTags(client.db, owner, r.id, ['code review']),
      'tags',
      /one word each: “code review” has a space \(write “code-review”\)/,
    );
    await rejectsValidation(
      setResourceTags(client.db, owner, r.id, ['#urgent']),
      'tags',
      /letters, digits and - _ \. \/ .*“#urgent” does not/,
    );
    await rejectsValidation(setResourceTags(client.db, owner, r.id, ['x'.repeat(51)]), 'tags', /at most 50 characters/);
    await rejectsValidation(setResourceTags(client.db, owner, r.id, ['ok', '']), 'tags', /must not be empty/);
    await rejectsValidation(
      setResourceTags(
        client.db,
        owner,
        r.id,
        Array.from({ length: 21 }, (_, i) => `t${i}`),
      ),
      'tags',
      /at most 20 per resource \(there are 21\)/,
    );
    const [{ tags } = { tags: [] }] = await client.sql`select json_agg(tag) as tags from resource_tag where resource_id = ${r.id}`;
    assert.deepEqual(tags, ['kept']);
    await rejectsValidation(getUserResources(client.db, owner, { tag: 'two words' }), 'tag', /has a space/);
  });

  it('the tag filter keeps the list’s order: a save, a pin and a write by plain SQL move the resource as in the whole list', async () => {
    const tag = `order-${Date.now().toString(36)}`;
    const made: Awaited<ReturnType<typeof createResource>>[] = [];
    for (const name of ['Order A', 'Order B', 'Order C']) {
      const r = await createResource(client.db, owner, prompt(name));
      await setResourceTags(client.db, owner, r.id, [tag]);
      made.push(r);
    }
    const names = async () => (await getUserResources(client.db, owner, { tag })).items.map((i) => i.name);
    const whole = async () => (await getUserResources(client.db, owner)).items.map((i) => i.name).filter((n) => n.startsWith('Order '));
    await setTimestamps(client.sql, [made[0]!.id], { updatedAt: '2020-01-01T00:00:00.000Z' });
    await setTimestamps(client.sql, [made[1]!.id], { updatedAt: '2020-01-02T00:00:00.000Z' });
    await setTimestamps(client.sql, [made[2]!.id], { updatedAt: '2020-01-03T00:00:00.000Z' });
    assert.deepEqual(await names(), ['Order C', 'Order B', 'Order A']);
    await updateResource(client.db, owner, made[0]!.id, { content: { text: 'saved' } });
    assert.deepEqual(await names(), ['Order A', 'Order C', 'Order B']);
    await setPinned(client.db, owner, made[1]!.id, true);
    assert.deepEqual(await names(), ['Order B', 'Order A', 'Order C']);
    await client.sql`update resource set updated_at = localtimestamp + interval '1 minute' where id = ${made[2]!.id}`;
    assert.deepEqual(await names(), ['Order B', 'Order C', 'Order A']);
    assert.deepEqual(await names(), await whole(), 'the same order as the whole list');
    const stale = await countOf(client.sql`select count(*)::int as count from resource_tag t join resource r on r.id = t.resource_id
      where t.tag = ${tag} and (t.pinned, t.updated_at, t.user_id) is distinct from (r.pinned, r.updated_at, r.user_id)`);
    assert.equal(stale, 0, "every tag row holds its resource's values");
  });

  it("another user's resource cannot be tagged (NotFound, as for a random id), also when it is public", async () => {
    const mine = await createResource(client.db, owner, prompt('Mine to tag', { isPublic: true }));
    await rejectsNotFound(setResourceTags(client.db, other, mine.id, ['stolen']), 'resource');
    await rejectsNotFound(setResourceTags(client.db, other, '00000000-0000-4000-8000-000000000000', ['x']), 'resource');
    const rows = await client.sql`select count(*)::int as n from resource_tag where resource_id = ${mine.id}`;
    assert.equal(rows[0]!.n, 0);
  });

  it('the tag filter combines with search and type, and shows no other user’s rows; public browsing filters by tag too', async () => {
    const a = await createResource(client.db, owner, prompt('Lint rules', { isPublic: true }));
    const b = await createResource(client.db, owner, workflow('Lint pipeline'));
    const c = await createResource(client.db, owner, prompt('Unrelated'));
    const theirs = await createResource(client.db, other, prompt('Their lint', { isPublic: true }));
    await setResourceTags(client.db, owner, a.id, ['lint']);
    await setResourceTags(client.db, owner, b.id, ['lint', 'ci']);
    await setResourceTags(client.db, other, theirs.id, ['lint']);
    const names = (page: { items: ResourceListItem[] }) => page.items.map((i) => i.name).sort();
    assert.deepEqual(names(await getUserResources(client.db, owner, { tag: 'LINT' })), ['Lint pipeline', 'Lint rules']);
    assert.deepEqual(names(await getUserResources(client.db, owner, { tag: 'lint', type: 'workflow' })), ['Lint pipeline']);
    assert.deepEqual(names(await getUserResources(client.db, owner, { tag: 'lint', search: 'rules' })), ['Lint rules']);
    assert.ok(names(await getUserResources(client.db, owner, { untagged: true })).includes(c.name));
    assert.ok(!names(await getUserResources(client.db, owner, { untagged: true })).includes(a.name));
    assert.deepEqual(names(await getPublicResources(client.db, other, { tag: 'lint' })), ['Lint rules']);
    const counts = await getUserTags(client.db, owner);
    assert.deepEqual(
      counts.filter((t) => ['ci', 'lint'].includes(t.tag)),
      [
        { tag: 'ci', count: 1 },
        { tag: 'lint', count: 2 },
      ],
    );
    assert.deepEqual(await getUserTags(client.db, owner, { type: 'workflow' }).then((t) => t.filter((x) => x.tag === 'lint')), [
      { tag: 'lint', count: 1 },
    ]);
  });
});

describe('tags at 100,000 resources: the filter pages through exactly the tagged rows', function () {
  this.timeout(300_000);
  let client: DatabaseClient;
  let big: string;
  let url: string;
  before(async () => {
    url = await freshDatabase('ar_tags_100k');
    await migrateDatabase(url, migrationsFolder);
    client = createDatabaseClient(url, { max: 2 });
    big = await newUser(client, 'tags-100k');
    // The versions trigger stays on, as in a real library: each row gets its version 1.
    await client.sql`insert into resource (user_id, name, resource_type, content, pinned, updated_at)
      select ${big}, 'Resource ' || g, 'prompt', jsonb_build_object('text', 'text ' || g), g % 997 = 0,
             timestamp '2024-01-01' + (g % 5000) * interval '1 minute'
      from generate_series(1, 100000) g`;
    // common: every 3rd row; medium: every 50th; rare: every 1,000th (ties in updated_at included).
    await client.sql`insert into resource_tag (resource_id, user_id, tag)
      select r.id, r.user_id, t.tag from resource r
      cross join lateral (values ('common', 3), ('medium', 50), ('rare', 1000)) as t(tag, every)
      where r.user_id = ${big} and (substring(r.name from 10)::int) % t.every = 0`;
    await client.sql`analyze`;
  });
  after(() => client.close());

  for (const [tag, limit] of [
    ['rare', 30],
    ['medium', 200],
  ] as const) {
    it(`tag "${tag}", ${limit} a page: every tagged row once, in the list's order (pinned first, then updated, then id)`, async () => {
      const items = await allPages(client.db, big, { tag, limit });
      const expected = await client.sql<{ id: string }[]>`
        select r.id from resource r join resource_tag t on t.resource_id = r.id and t.tag = ${tag}
        where r.user_id = ${big} order by r.pinned desc, r.updated_at desc, r.id desc`;
      assert.equal(items.length, expected.length);
      assert.deepEqual(
        items.map((i) => i.id),
        expected.map((e) => e.id),
      );
      assert.ok(items.every((i) => i.tags.includes(tag)));
    });
  }

  it('a tag filter in the default order walks resource_tag_list_idx, with no sort, for a common and a rare tag', async () => {
    const statements: { query: string; params: unknown[] }[] = [];
    const watched = createDatabaseClient(url, {
      max: 1,
      debug: (_c, query, params) => statements.push({ query, params: params as unknown[] }),
    });
    try {
      for (const tag of ['common', 'rare']) {
        statements.length = 0;
        await getUserResources(watched.db, big, { tag, limit: 50 });
        const list = statements.find((s) => /from "resource"/.test(s.query) && /order by/i.test(s.query))!;
        const plan = (await client.sql.unsafe(`explain ${list.query}`, list.params as never[])).map((r) => r['QUERY PLAN']).join('\n');
        assert.match(plan, /Index (Only )?Scan using resource_tag_list_idx on resource_tag/, plan);
        assert.doesNotMatch(plan, /^\s*(->\s*)?Sort\b/m, plan);
      }
    } finally {
      await watched.close();
    }
  });

  it('tag "common" (33,333 rows): the first and a deep page are right, by name order too', async () => {
    const first = await getUserResources(client.db, big, { tag: 'common', limit: 50, sort: 'name' });
    const expected = await client.sql<{ id: string }[]>`
      select r.id from resource r where r.user_id = ${big}
        and exists (select 1 from resource_tag t where t.resource_id = r.id and t.tag = 'common')
      order by r.pinned desc, r.name asc, r.id asc limit 100`;
    assert.deepEqual(
      first.items.map((i) => i.id),
      expected.slice(0, 50).map((e) => e.id),
    );
    const second = await getUserResources(client.db, big, { tag: 'common', limit: 50, sort: 'name', cursor: first.nextCursor });
    assert.deepEqual(
      second.items.map((i) => i.id),
      expected.slice(50).map((e) => e.id),
    );
    const counts = await getUserTags(client.db, big);
    assert.deepEqual(counts, [
      { tag: 'common', count: 33333 },
      { tag: 'medium', count: 2000 },
      { tag: 'rare', count: 100 },
    ]);
  });
});
