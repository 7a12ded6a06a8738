import assert from 'node:assert/strict';
import postgres, { type Sql } from 'postgres';
import { UserFacingError } from '../../src/common/userError';
import { migrationsTable, readMigrations } from '../../src/db/migrate';
import { Library } from '../../src/library/library';
import { createTeamTables, openTeamSession } from '../../src/library/session';
import { uniqueName } from '../support/embedded-postgres';
import { freshDatabase, migrationsFolder } from './support/database';
import { rejection } from './support/expect';
import { prompt } from './support/rows';

function as(url: string, login: string, password: string): string {
  const u = new URL(url);
  u.username = login;
  u.password = password;
  return u.toString();
}

/** The chat app's database as a drizzle app makes it: its own columns, constraints, rows and migration history. */
async function makeChatAppDatabase(sql: Sql): Promise<void> {
  await sql.unsafe(`
    create table "user" (
      id uuid primary key default gen_random_uuid(),
      email varchar(255) not null unique,
      name text,
      image text,
      created_at timestamp not null default now()
    );
    create table "chat" (id uuid primary key default gen_random_uuid(), user_id uuid not null references "user"(id), title text not null);
    create table "message" (
      id uuid primary key default gen_random_uuid(),
      chat_id uuid not null references "chat"(id) on delete cascade,
      user_id uuid not null references "user"(id),
      role varchar(20) not null check (role in ('user', 'assistant', 'system', 'tool')),
      content jsonb not null,
      created_at timestamp not null default now()
    );
    create index message_chat_idx on "message" (chat_id, created_at);
    create schema drizzle;
    create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint);
    insert into drizzle.__drizzle_migrations (hash, created_at) values ('app-0000', 1700000000000), ('app-0001', 1700000100000);
    insert into "user" (email, name) values ('ada@example.com', 'Ada'), ('grace@example.com', 'Grace');
    insert into "chat" (user_id, title) select id, 'First chat' from "user" where email = 'ada@example.com';
    insert into "message" (chat_id, user_id, role, content)
      select c.id, c.user_id, r, jsonb_build_object('text', 'hello ' || r) from "chat" c, unnest(array['user', 'assistant', 'tool']) r;
  `);
}

/** Everything about the app's own tables and history that setup must leave as it was. */
async function appState(sql: Sql) {
  const tables = ['user', 'chat', 'message'];
  const columns = await sql`select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
    where table_schema = 'public' and table_name in ${sql(tables)} order by 1, ordinal_position`;
  const constraints = await sql`select conrelid::regclass::text as t, conname, pg_get_constraintdef(oid) as def from pg_constraint
    where conrelid in (select oid from pg_class where relname in ${sql(tables)} and relnamespace = 'public'::regnamespace) order by 1, 2`;
  const indexes =
    await sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' and tablename in ${sql(tables)} order by 2`;
  const rows = {
    user: await sql`select * from "user" order by email`,
    chat: await sql`select * from "chat" order by id`,
    message: await sql`select id, chat_id, user_id, role, content, created_at from "message" order by id`,
  };
  const history = await sql`select * from drizzle.__drizzle_migrations order by id`;
  return { columns: [...columns], constraints: [...constraints], indexes: [...indexes], rows, history: [...history] };
}

describe("team setup on the chat app's own database", function () {
  this.timeout(120_000);
  let adminUrl: string;
  let ownerUrl: string;
  let owner: Sql;

  before(async () => {
    adminUrl = await freshDatabase('ar_chatapp');
    const ownerLogin = uniqueName('chat_owner');
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      // An ordinary database owner: may create tables (Postgres 15's rules for "public"), is no superuser.
      await admin.unsafe(`create role ${ownerLogin} login password 'owner-pw'`);
      await admin.unsafe(`alter database ${new URL(adminUrl).pathname.slice(1)} owner to ${ownerLogin}`);
    } finally {
      await admin.end();
    }
    ownerUrl = as(adminUrl, ownerLogin, 'owner-pw');
    owner = postgres(ownerUrl, { max: 2, onnotice: () => {} });
    await makeChatAppDatabase(owner);
  });

  after(async () => {
    await owner?.end();
  });

  it('adds message.attachments and our tables, leaves the app’s columns, constraints, indexes, rows and history; a second run changes nothing', async () => {
    const before = await appState(owner);
    await createTeamTables(ownerUrl, {}, migrationsFolder);
    const after = await appState(owner);
    const added = after.columns.filter(
      (c) => !before.columns.some((b) => b.table_name === c.table_name && b.column_name === c.column_name),
    );
    assert.deepEqual(
      added.map((c) => `${c.table_name}.${c.column_name} ${c.data_type} ${c.is_nullable}`),
      ['message.attachments jsonb YES'],
    );
    assert.deepEqual(
      after.columns.filter((c) => !added.includes(c)),
      before.columns,
    );
    assert.deepEqual(
      after.constraints.filter((c) => !before.constraints.some((b) => b.conname === c.conname)).map((c) => c.conname),
      ['message_attachments_check'],
    );
    assert.deepEqual(after.indexes, before.indexes, 'no index added to or dropped from the app’s tables');
    assert.deepEqual(after.rows.user, before.rows.user);
    assert.deepEqual(after.rows.message, before.rows.message);
    assert.deepEqual(after.history, before.history, "drizzle's table (the app's migration history) is untouched");
    const ours = await owner`select tag from ${owner(migrationsTable)} order by tag`;
    assert.deepEqual(
      ours.map((r) => r.tag),
      readMigrations(migrationsFolder)
        .map((m) => m.tag)
        .sort(),
    );

    const second = await appState(owner);
    await createTeamTables(ownerUrl, {}, migrationsFolder);
    assert.deepEqual(await appState(owner), second);
  });

  it('the library then works for the app’s existing users, and the app’s statements still do', async () => {
    const opened = await openTeamSession({
      url: ownerUrl,
      options: {},
      label: 'chat',
      email: 'ada@example.com',
      migrationsFolder,
      allowSchemaChanges: false,
    });
    try {
      const library = new Library({ session: async () => opened.session, run: (work) => work(opened.session) });
      const saved = await library.save(prompt('Saved from the editor'));
      assert.equal((await library.list('mine', {})).items[0]?.id, saved.id);
    } finally {
      await opened.close();
    }
    await owner`insert into "message" (chat_id, user_id, role, content, attachments)
      select c.id, c.user_id, 'user', '{"text":"with a picture"}', '[{"type":"image","url":"/uploads/a.png","mimeType":"image/png"}]'
      from "chat" c limit 1`;
    await owner`insert into "user" (email, name) values ('linus@example.com', 'Linus')`;
  });

  it('a login without CREATE rights is told what an administrator must run, and nothing is created', async () => {
    const url = await freshDatabase('ar_nocreate');
    const login = uniqueName('no_create');
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`create role ${login} login password 'pw'`);
      await makeChatAppDatabase(admin);
      const err = await rejection(createTeamTables(as(url, login, 'pw'), {}, migrationsFolder), UserFacingError);
      assert.match(err.message, new RegExp(`"${login}" may not create the resource tables.*GRANT CREATE ON SCHEMA public TO "${login}"`));
      const [{ n }] = (await admin`select count(*)::int as n from pg_class where relname like 'resource%'`) as unknown as [{ n: number }];
      assert.equal(n, 0);
    } finally {
      await admin.end();
    }
  });

  it("a database an earlier version migrated (history in drizzle's table) keeps it, and gets only what is new", async () => {
    const url = await freshDatabase('ar_legacy');
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const migrations = readMigrations(migrationsFolder);
      const legacy = migrations.slice(0, 3); // what 0.1.0 shipped: pg_trgm, the schema, the public list index
      for (const m of legacy) for (const statement of m.statements) await sql.unsafe(statement);
      await sql.unsafe(
        'create schema drizzle; create table drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)',
      );
      for (const m of legacy) await sql`insert into drizzle.__drizzle_migrations (hash, created_at) values (${m.hash}, ${m.when})`;
      await sql`insert into "user" (email) values ('kept@example.com')`;
      await createTeamTables(url, {}, migrationsFolder);
      const ours = await sql`select tag from ${sql(migrationsTable)} order by tag`;
      assert.deepEqual(
        ours.map((r) => r.tag),
        migrations.map((m) => m.tag),
      );
      assert.equal((await sql`select count(*)::int as n from drizzle.__drizzle_migrations`)[0]!.n, 3);
      assert.equal((await sql`select count(*)::int as n from "user" where email = 'kept@example.com'`)[0]!.n, 1);
      assert.ok((await sql`select to_regclass('resource_member') is not null as ok`)[0]!.ok);
    } finally {
      await sql.end();
    }
  });
});
