import assert from 'node:assert/strict';
import { createDatabaseClient, type DatabaseClient } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createResource, createShare, forkResource, getUserResources } from '../../src/db/queries';
import { createMessage } from '../../src/db/messages';
import { resource } from '../../src/db/schema';
import { rejectsWithCode } from './support/expect';
import { freshDatabase, migrationsFolder, newUser, sharedDatabase } from './support/database';
import { countOf, prompt, randomId, rawResource } from './support/rows';

/** [column, type, nullable, default] as the data model defines them. */
type Column = [name: string, type: string, nullable: boolean, defaultValue: string | null];

const expectedColumns: Record<string, Column[]> = {
  user: [
    ['id', 'uuid', false, 'gen_random_uuid()'],
    ['email', 'varchar(255)', false, null],
  ],
  resource: [
    ['id', 'uuid', false, 'gen_random_uuid()'],
    ['user_id', 'uuid', false, null],
    ['name', 'varchar(255)', false, null],
    ['description', 'text', true, null],
    ['resource_type', 'varchar(50)', false, "'workflow'::character varying"],
    ['content', 'jsonb', false, null],
    ['execution_count', 'integer', false, '0'],
    ['last_executed_at', 'timestamp(3)', true, null],
    ['parent_resource_id', 'uuid', true, null],
    ['fork_count', 'integer', false, '0'],
    ['is_public', 'boolean', false, 'false'],
    ['pinned', 'boolean', false, 'false'],
    ['created_at', 'timestamp(3)', false, 'now()'],
    ['updated_at', 'timestamp(3)', false, 'now()'],
  ],
  resource_share: [
    ['id', 'uuid', false, 'gen_random_uuid()'],
    ['resource_id', 'uuid', false, null],
    ['share_token', 'varchar(32)', false, null],
    ['expires_at', 'timestamp(3)', true, null],
    ['access_count', 'integer', false, '0'],
    ['max_accesses', 'integer', true, null],
    ['created_at', 'timestamp(3)', false, 'now()'],
  ],
  message: [
    ['id', 'uuid', false, 'gen_random_uuid()'],
    ['user_id', 'uuid', false, null],
    ['role', 'varchar(20)', false, null],
    ['content', 'jsonb', false, null],
    ['attachments', 'jsonb', true, null],
    ['created_at', 'timestamp(3)', false, 'now()'],
  ],
};

describe('schema', () => {
  let client: DatabaseClient;
  let userId: string;
  before(async () => {
    ({ client } = await sharedDatabase());
    userId = await newUser(client, 'schema');
  });

  describe('columns', () => {
    for (const [table, columns] of Object.entries(expectedColumns)) {
      it(`${table} has exactly the ${columns.length} columns of the data model, with their types, nullability and defaults`, async () => {
        const rows = await client.sql<
          {
            column_name: string;
            data_type: string;
            character_maximum_length: number | null;
            datetime_precision: number | null;
            is_nullable: string;
            column_default: string | null;
          }[]
        >`select column_name, data_type, character_maximum_length, datetime_precision, is_nullable, column_default
          from information_schema.columns where table_schema = 'public' and table_name = ${table} order by ordinal_position`;
        const actual: Column[] = rows.map((r) => [
          r.column_name,
          r.data_type === 'character varying'
            ? `varchar(${r.character_maximum_length})`
            : r.data_type === 'timestamp without time zone'
              ? `timestamp(${r.datetime_precision})`
              : r.data_type,
          r.is_nullable === 'YES',
          r.column_default,
        ]);
        assert.deepEqual(actual, columns);
      });
    }

    it('timestamps keep milliseconds exactly, so a loaded updated_at compares equal to the stored one', async () => {
      const created = await createResource(client.db, userId, prompt('Millis'));
      const [row] = await client.sql`select to_char(updated_at, 'YYYY-MM-DD"T"HH24:MI:SS.MS') as text,
        updated_at = ${created.updatedAt.toISOString()}::timestamp as equal from resource where id = ${created.id}`;
      assert.equal(`${row!.text}Z`, created.updatedAt.toISOString());
      assert.equal(row!.equal, true);
      await client.sql`update resource set updated_at = '2024-02-03 04:05:06.789654' where id = ${created.id}`;
      const [stored] = await client.sql`select updated_at::text as text from resource where id = ${created.id}`;
      assert.equal(stored!.text, '2024-02-03 04:05:06.79');
    });
  });

  describe('constraints', () => {
    const insertResource = (type: string, extra = '') =>
      client.sql.unsafe(
        `insert into resource (user_id, name, resource_type, content${extra ? ', execution_count' : ''})
         values ($1, 'raw', $2, '{}'${extra ? `, ${extra}` : ''}) returning id`,
        [userId, type],
      );

    it('rejects a resource_type outside workflow | prompt | agent_config with a check violation (23514)', async () => {
      await rejectsWithCode(insertResource('bogus'), '23514', 'resource_type_check');
      await rejectsWithCode(insertResource('Prompt'), '23514', 'resource_type_check');
    });

    it('the check also holds through drizzle, whose wrapped error still carries the code', async () => {
      await rejectsWithCode(client.db.insert(resource).values({ userId, name: 'x', resourceType: 'bogus' as never, content: {} }), '23514');
    });

    it('accepts each of the three resource types, and defaults to workflow', async () => {
      for (const type of ['workflow', 'prompt', 'agent_config']) {
        const [row] = await insertResource(type);
        assert.equal((await rawResource(client.sql, row!.id))!.resource_type, type);
      }
      const [row] =
        await client.sql`insert into resource (user_id, name, content) values (${userId}, 'no type', '{}') returning resource_type`;
      assert.equal(row!.resource_type, 'workflow');
    });

    it('rejects negative execution and fork counts', async () => {
      await rejectsWithCode(insertResource('prompt', '-1'), '23514', 'resource_counts_check');
      const [row] = await insertResource('prompt');
      await rejectsWithCode(client.sql`update resource set fork_count = -1 where id = ${row!.id}`, '23514', 'resource_counts_check');
    });

    it('rejects a missing name or content (23502) and a name over 255 characters (22001)', async () => {
      await rejectsWithCode(client.sql`insert into resource (user_id, name, content) values (${userId}, null, '{}')`, '23502');
      await rejectsWithCode(client.sql`insert into resource (user_id, name, content) values (${userId}, 'x', null)`, '23502');
      await rejectsWithCode(
        client.sql`insert into resource (user_id, name, content) values (${userId}, ${'n'.repeat(256)}, '{}')`,
        '22001',
      );
      await client.sql`insert into resource (user_id, name, content) values (${userId}, ${'n'.repeat(255)}, '{}')`;
    });

    it('rejects references to a user, parent or resource that does not exist (23503)', async () => {
      await rejectsWithCode(client.sql`insert into resource (user_id, name, content) values (${randomId()}, 'x', '{}')`, '23503');
      await rejectsWithCode(
        client.sql`insert into resource (user_id, name, content, parent_resource_id) values (${userId}, 'x', '{}', ${randomId()})`,
        '23503',
      );
      await rejectsWithCode(
        client.sql`insert into resource_share (resource_id, share_token) values (${randomId()}, ${'t'.repeat(32)})`,
        '23503',
      );
    });

    it('share tokens are unique (23505)', async () => {
      const r = await createResource(client.db, userId, prompt('Shared twice'));
      const token = 'U'.repeat(31) + 'q';
      await client.sql`insert into resource_share (resource_id, share_token) values (${r.id}, ${token})`;
      await rejectsWithCode(
        client.sql`insert into resource_share (resource_id, share_token) values (${r.id}, ${token})`,
        '23505',
        'resource_share_token_unique',
      );
    });

    it('share tokens are exactly 32 characters', async () => {
      const r = await createResource(client.db, userId, prompt('Token length'));
      await rejectsWithCode(
        client.sql`insert into resource_share (resource_id, share_token) values (${r.id}, ${'a'.repeat(31)})`,
        '23514',
        'resource_share_token_check',
      );
      await rejectsWithCode(client.sql`insert into resource_share (resource_id, share_token) values (${r.id}, '')`, '23514');
      await rejectsWithCode(client.sql`insert into resource_share (resource_id, share_token) values (${r.id}, ${'a'.repeat(33)})`, '22001');
    });

    it('max_accesses is null (unlimited) or more than 0', async () => {
      const r = await createResource(client.db, userId, prompt('Max accesses'));
      const insert = (max: number | null, token: string) =>
        client.sql`insert into resource_share (resource_id, share_token, max_accesses) values (${r.id}, ${token}, ${max}) returning max_accesses`;
      await rejectsWithCode(insert(0, 'M'.repeat(31) + '0'), '23514', 'resource_share_max_accesses_check');
      await rejectsWithCode(insert(-5, 'M'.repeat(31) + '1'), '23514', 'resource_share_max_accesses_check');
      assert.equal((await insert(null, 'M'.repeat(31) + '2'))[0]!.max_accesses, null);
      assert.equal((await insert(1, 'M'.repeat(31) + '3'))[0]!.max_accesses, 1);
    });

    it('message attachments are null or a JSON array, and the role is one of user | assistant | system', async () => {
      const insert = (attachments: string | null, role = 'user') =>
        client.sql`insert into message (user_id, role, content, attachments) values (${userId}, ${role}, '"hi"', ${attachments}::jsonb)`;
      await rejectsWithCode(insert('{"type":"image"}'), '23514', 'message_attachments_check');
      await rejectsWithCode(insert('"image"'), '23514', 'message_attachments_check');
      await rejectsWithCode(insert('[]', 'robot'), '23514', 'message_role_check');
      await insert('[]');
      await insert(null);
    });

    it('user emails are unique (23505)', async () => {
      const email = `unique-${randomId()}@example.com`;
      await client.sql`insert into "user" (email) values (${email})`;
      await rejectsWithCode(client.sql`insert into "user" (email) values (${email})`, '23505', 'user_email_unique');
    });
  });

  describe('foreign key actions', () => {
    it("deleting a user deletes their resources, their resources' shares and their messages, and unlinks others' forks", async () => {
      const doomed = await newUser(client, 'doomed');
      const other = await newUser(client, 'other');
      const own = await createResource(client.db, doomed, prompt('Doomed', { isPublic: true }));
      const second = await createResource(client.db, doomed, prompt('Doomed too'));
      await createShare(client.db, doomed, own.id);
      await createShare(client.db, doomed, second.id, { maxAccesses: 3 });
      await createMessage(client.db, { userId: doomed, role: 'user', content: 'bye' });
      const othersFork = await forkResource(client.db, other, own.id);
      const othersShare = await createShare(client.db, other, othersFork.id);

      await client.sql`delete from "user" where id = ${doomed}`;

      const [left] = await client.sql`select
        (select count(*)::int from resource where user_id = ${doomed}) as resources,
        (select count(*)::int from resource_share where resource_id = any(string_to_array(${[own.id, second.id].join(',')}, ',')::uuid[])) as shares,
        (select count(*)::int from message where user_id = ${doomed}) as messages`;
      assert.deepEqual({ ...left }, { resources: 0, shares: 0, messages: 0 });
      const fork = await rawResource(client.sql, othersFork.id);
      assert.equal(fork!.parent_resource_id, null);
      assert.equal(fork!.name, 'Doomed (fork)');
      const [share] = await client.sql`select id from resource_share where id = ${othersShare.id}`;
      assert.ok(share, "the other user's share of their fork is kept");
    });

    it('deleting a parent keeps its forks and sets their parent_resource_id to null', async () => {
      const parent = await createResource(client.db, userId, prompt('Parent'));
      const a = await forkResource(client.db, userId, parent.id);
      const b = await forkResource(client.db, userId, a.id);
      await client.sql`delete from resource where id = ${parent.id}`;
      assert.equal((await rawResource(client.sql, a.id))!.parent_resource_id, null);
      assert.equal((await rawResource(client.sql, b.id))!.parent_resource_id, a.id, 'grandchild lineage is untouched');
    });

    it('deleting a resource deletes its shares', async () => {
      const r = await createResource(client.db, userId, prompt('With shares'));
      await createShare(client.db, userId, r.id);
      await createShare(client.db, userId, r.id);
      await client.sql`delete from resource where id = ${r.id}`;
      const count = await countOf(client.sql`select count(*)::int as count from resource_share where resource_id = ${r.id}`);
      assert.equal(count, 0);
    });
  });

  describe('indexes', () => {
    it('has the list, lineage, per-user trigram-search, public-browse and share indexes', async () => {
      const rows = await client.sql<{ indexname: string; indexdef: string }[]>`
        select indexname, indexdef from pg_indexes where schemaname = 'public' and tablename in ('user', 'resource', 'resource_share', 'message')`;
      const defs = new Map(rows.map((r) => [r.indexname, r.indexdef.replace(/^.* USING /, 'USING ')]));
      assert.deepEqual(Object.fromEntries([...defs].filter(([n]) => !n.endsWith('_pkey')).sort()), {
        message_user_idx: 'USING btree (user_id, created_at)',
        resource_parent_idx: 'USING btree (parent_resource_id)',
        resource_public_description_trgm_idx: "USING gin (description gin_trgm_ops) WITH (fastupdate='false') WHERE is_public",
        resource_public_list_idx: 'USING btree (pinned DESC, updated_at DESC, id DESC) WHERE is_public',
        resource_public_name_trgm_idx: "USING gin (name gin_trgm_ops) WITH (fastupdate='false') WHERE is_public",
        resource_share_resource_idx: 'USING btree (resource_id)',
        resource_share_token_unique: 'USING btree (share_token)',
        resource_user_description_trgm_idx: "USING gin (user_id, description gin_trgm_ops) WITH (fastupdate='false')",
        resource_user_list_idx: 'USING btree (user_id, pinned DESC, updated_at DESC, id DESC)',
        resource_user_name_trgm_idx: "USING gin (user_id, name gin_trgm_ops) WITH (fastupdate='false')",
        user_email_unique: 'USING btree (email)',
      });
      for (const table of ['user', 'resource', 'resource_share', 'message']) {
        assert.equal(defs.get(`${table}_pkey`), 'USING btree (id)');
      }
      const extensions = await client.sql<
        { extname: string }[]
      >`select extname from pg_extension where extname in ('pg_trgm', 'btree_gin') order by 1`;
      assert.deepEqual(
        extensions.map((e) => e.extname),
        ['btree_gin', 'pg_trgm'],
        'pg_trgm and btree_gin are installed',
      );
    });

    describe('query plans on a few thousand rows', function () {
      this.timeout(120_000);
      let planned: DatabaseClient;
      const statements: { query: string; params: unknown[] }[] = [];
      let someUser: string;

      before(async () => {
        const url = await freshDatabase('ar_plan');
        await migrateDatabase(url, migrationsFolder);
        planned = createDatabaseClient(url, {
          max: 2,
          debug: (_connection, query, params) => statements.push({ query, params: params as unknown[] }),
        });
        const users = await planned.sql<{ id: string }[]>`insert into "user" (email)
          select 'plan-' || g || '@example.com' from generate_series(1, 6) g returning id`;
        someUser = users[2]!.id;
        await planned.sql`insert into resource (user_id, name, description, resource_type, content, pinned, created_at, updated_at)
          select u.id, 'Resource ' || g, 'About thing ' || (g % 97), 'workflow', '{"steps":[{"text":"x"}]}', g % 40 = 0,
                 timestamp '2024-01-01' + g * interval '1 minute', timestamp '2024-01-01' + g * interval '1 minute'
          from unnest(string_to_array(${users.map((u) => u.id).join(',')}, ',')::uuid[]) as u(id) cross join generate_series(1, 1000) g`;
        await planned.sql`analyze`;
      });
      after(() => planned.close());

      async function planOf(run: () => Promise<unknown>): Promise<string> {
        statements.length = 0;
        await run();
        const list = statements.find((s) => /from "resource"/.test(s.query) && /order by/i.test(s.query));
        assert.ok(list, 'the list query was captured');
        const rows = await planned.sql.unsafe(`explain ${list.query}`, list.params as never[]);
        return rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      }

      it("one user's first page walks resource_user_list_idx, with no sort and no full scan", async () => {
        const plan = await planOf(() => getUserResources(planned.db, someUser, { limit: 50 }));
        assert.match(plan, /Index Scan using resource_user_list_idx on resource/, plan);
        assert.doesNotMatch(plan, /Seq Scan on resource\b(?!_share)/, plan);
        assert.doesNotMatch(plan, /^\s*(->\s*)?Sort\b/m, plan);
      });

      it('a later page (after a cursor) walks the same index', async () => {
        const first = await getUserResources(planned.db, someUser, { limit: 50 });
        assert.ok(first.nextCursor);
        const plan = await planOf(() => getUserResources(planned.db, someUser, { limit: 50, cursor: first.nextCursor }));
        assert.match(plan, /Index (Only )?Scan using resource_user_list_idx on resource/, plan);
        assert.doesNotMatch(plan, /^\s*(->\s*)?Sort\b/m, plan);
      });
    });
  });
});
