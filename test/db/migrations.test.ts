import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { is } from 'drizzle-orm';
import { getTableConfig, PgTable } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import drizzleConfig from '../../drizzle.config';
import { migrateDatabase, migrationsTable } from '../../src/db/migrate';
import * as schema from '../../src/db/schema';
import { freshDatabase, migrationsFolder, sharedDatabase } from './support/database';
import { countOf } from './support/rows';

const root = resolve(__dirname, '..', '..');
// Every table schema.ts declares (our migration history table is the migrator's, not the schema's).
const tables: PgTable[] = Object.values(schema as Record<string, unknown>).filter((value): value is PgTable => is(value, PgTable));

/** Everything the database says about the public schema, in one comparable value. */
async function describeSchema(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const columns = await sql`select table_name, column_name, format_type(a.atttypid, a.atttypmod) as type,
        c.is_nullable, c.column_default
      from information_schema.columns c
      join pg_attribute a on a.attrelid = format('public.%I', c.table_name)::regclass and a.attname = c.column_name
      where c.table_schema = 'public' and c.table_name <> ${migrationsTable} order by 1, c.ordinal_position`;
    const constraints = await sql`select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as def
      from pg_constraint where connamespace = 'public'::regnamespace and contype in ('c', 'f', 'u', 'p')
        and conrelid <> ${migrationsTable}::regclass order by 1, 2`;
    const indexes =
      await sql`select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' and tablename <> ${migrationsTable} order by 1, 2`;
    const extensions = await sql`select extname from pg_extension order by 1`;
    const migrations = await sql`select tag, hash from ${sql(migrationsTable)} order by tag`;
    return {
      columns: [...columns],
      constraints: [...constraints],
      indexes: [...indexes],
      extensions: [...extensions],
      migrations: [...migrations],
    };
  } finally {
    await sql.end();
  }
}

const run = promisify(execFile);

/** Runs `drizzle-kit generate` with the project's config against a copy of the migrations folder. */
async function generateInto(folder: string): Promise<string> {
  const { stdout, stderr } = await run(
    join(root, 'node_modules', '.bin', 'drizzle-kit'),
    ['generate', '--dialect', drizzleConfig.dialect, '--schema', drizzleConfig.schema as string, '--out', relative(root, folder)],
    { cwd: root, env: { ...process.env, NO_COLOR: '1' } },
  );
  // drizzle-kit exits 0 even when it fails; an error printed is a failure.
  assert.doesNotMatch(`${stdout}\n${stderr}`, /Error|ENOENT/, `${stdout}\n${stderr}`);
  return stdout;
}

function folderDigest(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(folder, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(folder);
  return out;
}

describe('migrations', function () {
  this.timeout(120_000);

  it('the project config generates into the folder that is applied', () => {
    assert.equal(resolve(root, drizzleConfig.out!), migrationsFolder);
    assert.equal(resolve(root, drizzleConfig.schema as string), join(root, 'src', 'db', 'schema.ts'));
  });

  it('apply to a fresh database: pg_trgm, the tables of schema.ts and one history row per migration, in our own table', async () => {
    const url = await freshDatabase('ar_migrate');
    await migrateDatabase(url, migrationsFolder);
    const described = await describeSchema(url);
    assert.deepEqual([...new Set(described.columns.map((c) => c.table_name))].sort(), tables.map((t) => getTableConfig(t).name).sort());
    assert.ok(described.extensions.some((e) => e.extname === 'pg_trgm'));
    assert.equal(described.migrations.length, readdirSync(migrationsFolder).filter((f) => f.endsWith('.sql')).length);
  });

  it('applying a second time is a no-op: same schema, no new bookkeeping row, data kept', async () => {
    const url = await freshDatabase('ar_migrate_twice');
    await migrateDatabase(url, migrationsFolder);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql`insert into "user" (email) values ('kept@example.com')`;
      const before = await describeSchema(url);
      await migrateDatabase(url, migrationsFolder);
      assert.deepEqual(await describeSchema(url), before);
      const count = await countOf(sql`select count(*)::int as count from "user" where email = 'kept@example.com'`);
      assert.equal(count, 1);
    } finally {
      await sql.end();
    }
  });

  it('three concurrent migrations of one fresh database all succeed and apply each migration once', async () => {
    const url = await freshDatabase('ar_migrate_race');
    const results = await Promise.allSettled([1, 2, 3].map(() => migrateDatabase(url, migrationsFolder)));
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.status)),
      ['fulfilled', 'fulfilled', 'fulfilled'],
    );
    const reference = await freshDatabase('ar_migrate_ref');
    await migrateDatabase(reference, migrationsFolder);
    const [raced, serial] = await Promise.all([describeSchema(url), describeSchema(reference)]);
    assert.deepEqual(raced, serial);
  });

  it('releases its advisory lock: nothing is left holding it after a run', async () => {
    const url = await freshDatabase('ar_migrate_lock');
    await migrateDatabase(url, migrationsFolder);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const locks = await sql`select count(*)::int as count from pg_locks l join pg_database d on d.oid = l.database
        where l.locktype = 'advisory' and d.datname = current_database()`;
      assert.equal(locks[0]!.count, 0);
    } finally {
      await sql.end();
    }
  });

  describe('schema.ts and the migrations agree', () => {
    let scratch: string;
    beforeEach(() => {
      scratch = mkdtempSync(join(tmpdir(), 'agent-resources-drizzle-'));
    });
    afterEach(() => rmSync(scratch, { recursive: true, force: true }));

    it('drizzle-kit generate finds no change between schema.ts and migrations/', async () => {
      const copy = join(scratch, 'migrations');
      cpSync(migrationsFolder, copy, { recursive: true });
      const before = folderDigest(copy);
      const output = await generateInto(copy);
      assert.match(output, /No schema changes, nothing to migrate/, output);
      assert.deepEqual(folderDigest(copy), before, 'drizzle-kit wrote a new migration: run `npm run db:generate`');
    });

    it('(the check above does notice a difference: with the last migration removed it writes one)', async () => {
      const copy = join(scratch, 'migrations');
      cpSync(migrationsFolder, copy, { recursive: true });
      const journalPath = join(copy, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] };
      // From the last migration drizzle-kit generated (hand-written ones after it change no snapshot).
      const creates = journal.entries.map((e) => /CREATE TABLE/.test(readFileSync(join(copy, `${e.tag}.sql`), 'utf8')));
      const generated = creates.lastIndexOf(true);
      for (const removed of journal.entries.splice(generated)) {
        rmSync(join(copy, `${removed.tag}.sql`));
        rmSync(join(copy, 'meta', `${String(removed.idx).padStart(4, '0')}_snapshot.json`));
      }
      writeFileSync(journalPath, JSON.stringify(journal, null, 2));
      await generateInto(copy);
      const written = readdirSync(copy).filter((f) => f.endsWith('.sql') && !(f in folderDigest(migrationsFolder)));
      assert.equal(written.length, 1, `files: ${readdirSync(copy).join(', ')}`);
      assert.match(readFileSync(join(copy, written[0]!), 'utf8'), /CREATE (TABLE|INDEX) "resource/);
    });

    it('the migrated database has exactly the tables, columns, types, nullability, defaults, keys, checks and indexes schema.ts declares', async () => {
      const { url } = await sharedDatabase();
      const live = await describeSchema(url);
      const canonical = (type: string) =>
        type.toLowerCase().replace(/\s+/g, '').replace('charactervarying', 'varchar').replace('withouttimezone', '');
      const declared = tables.flatMap((table) => {
        const config = getTableConfig(table);
        return config.columns.map((c) => ({
          table: config.name,
          column: c.name,
          type: canonical(c.getSQLType()),
          nullable: !c.notNull,
          hasDefault: c.hasDefault,
        }));
      });
      const actual = live.columns.map((c) => ({
        table: c.table_name,
        column: c.column_name,
        type: canonical(c.type),
        nullable: c.is_nullable === 'YES',
        hasDefault: c.column_default !== null,
      }));
      const byKey = (a: { table: string; column: string }, b: { table: string; column: string }) =>
        `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`);
      assert.deepEqual(actual.sort(byKey), declared.sort(byKey));

      const declaredConstraints = tables.flatMap((table) => {
        const config = getTableConfig(table);
        return [
          // A composite primary key has drizzle's name; a column's, Postgres's.
          ...(config.primaryKeys.length ? config.primaryKeys.map((pk) => pk.getName()) : [`${config.name}_pkey`]),
          ...config.checks.map((c) => c.name),
          ...config.foreignKeys.map((fk) => `${fk.getName()} ${fk.onDelete ?? 'no action'}`),
          ...config.columns.filter((c) => c.isUnique).map((c) => c.uniqueName!),
          ...config.uniqueConstraints.map((u) => u.getName()),
        ].map((n) => `${config.name}: ${n}`);
      });
      const liveConstraints = live.constraints.map((c) => {
        const table = String(c.table_name).replace(/"/g, '');
        const action = /^FOREIGN KEY/.test(c.def)
          ? ` ${/ON DELETE (SET NULL|CASCADE)/.exec(c.def)?.[1]?.toLowerCase() ?? 'no action'}`
          : '';
        return `${table}: ${c.conname}${action}`;
      });
      assert.deepEqual(liveConstraints.sort(), declaredConstraints.sort());

      const declaredIndexes = tables.flatMap((table) => getTableConfig(table).indexes.map((i) => i.config.name));
      const liveIndexes = live.indexes
        .map((i) => i.indexname)
        .filter((n) => !n.endsWith('_pkey') && !n.endsWith('_pk') && !n.endsWith('_unique'));
      assert.deepEqual(liveIndexes.sort(), declaredIndexes.sort());
    });
  });
});
