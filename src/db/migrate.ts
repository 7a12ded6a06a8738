import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres, { type Sql, type TransactionSql } from 'postgres';
import type { ConnectionOptions } from './client';

// Any constant shared by every copy of the extension: "agentres" as a 64-bit number.
const migrationLockKey = 0x6167656e74726573n;

/**
 * Our own history table. drizzle's default (drizzle.__drizzle_migrations) is the one the chat
 * app's drizzle migrations use on the same database: sharing it, either side could skip the
 * other's migrations, since drizzle applies only what is newer than the last row.
 */
export const migrationsTable = 'agent_resources_migrations';

export interface Migration {
  tag: string;
  /** drizzle-kit's journal time: how an earlier version's rows in drizzle's table are recognised. */
  when: number;
  hash: string;
  statements: string[];
}

/** The migrations of a folder written by drizzle-kit (journal order), each split at its breakpoints. */
export function readMigrations(migrationsFolder: string): Migration[] {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string; when: number }[];
  };
  return journal.entries.map(({ tag, when }) => {
    const text = readFileSync(join(migrationsFolder, `${tag}.sql`), 'utf8');
    const statements = text
      .split('--> statement-breakpoint')
      .map((s) => s.trim())
      .filter(Boolean);
    return { tag, when, hash: createHash('sha256').update(text).digest('hex'), statements };
  });
}

/**
 * Applies the migrations not yet recorded, each in a transaction of its own, in journal order (an
 * older one missed is still applied: tags are compared, not times). An advisory lock held by each
 * transaction serialises processes that start at once (two windows, or a window and the MCP
 * server). Transaction-scoped and nothing prepared, so it works through a transaction pooler too
 * (a session lock could stay on a server connection that the unlock never reaches).
 */
export async function migrateDatabase(url: string | undefined, migrationsFolder: string, options: ConnectionOptions = {}): Promise<void> {
  const migrations = readMigrations(migrationsFolder);
  const settings: ConnectionOptions = {
    connect_timeout: 10,
    ...options,
    max: 1,
    prepare: false,
    fetch_types: false, // as client.ts: a lost connection would leave an unhandled rejection
    onnotice: () => {},
    connection: { TimeZone: 'UTC', application_name: 'agent-resources-migrate', ...options.connection },
  };
  const sql = url ? postgres(url, settings) : postgres(settings);
  const locked = <T>(work: (tx: TransactionSql) => Promise<T>) =>
    sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${migrationLockKey.toString()}::bigint)`;
      return work(tx);
    }) as Promise<T>;
  try {
    const applied = await locked((tx) => appliedTags(tx, migrations));
    for (const migration of migrations.filter((m) => !applied.has(m.tag))) {
      await locked(async (tx) => {
        // Another process may have applied it while this one waited for the lock.
        if ((await tx`select 1 from ${tx(migrationsTable)} where tag = ${migration.tag}`).length) return;
        for (const statement of migration.statements) await tx.unsafe(statement);
        await tx`insert into ${tx(migrationsTable)} (tag, hash) values (${migration.tag}, ${migration.hash})`;
      });
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * The tags recorded in our table, created on first use. A database an earlier version migrated has
 * its history in drizzle's table instead: rows there with our journal times are ours, and are copied
 * (drizzle's table itself is never changed).
 */
async function appliedTags(sql: TransactionSql, migrations: Migration[]): Promise<Set<string>> {
  await sql`create table if not exists ${sql(migrationsTable)} (
    tag text primary key, hash text not null, applied_at timestamptz not null default now())`;
  const recorded = await sql<{ tag: string }[]>`select tag from ${sql(migrationsTable)}`;
  if (recorded.length === 0) {
    const [legacy] = await sql<{ exists: boolean }[]>`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`;
    if (legacy?.exists) {
      const times = await sql<{ when: string }[]>`select created_at::text as when from drizzle.__drizzle_migrations`;
      const ours = new Set(times.map((t) => t.when));
      for (const m of migrations.filter((m) => ours.has(String(m.when)))) {
        await sql`insert into ${sql(migrationsTable)} (tag, hash) values (${m.tag}, ${m.hash}) on conflict do nothing`;
        recorded.push({ tag: m.tag });
      }
    }
  }
  return new Set(recorded.map((r) => r.tag));
}

/** The migrations of the folder that the database has not recorded (for a schema check that changes nothing). */
export async function pendingMigrations(sql: Sql, migrationsFolder: string): Promise<string[]> {
  const migrations = readMigrations(migrationsFolder);
  const [table] = await sql<{ exists: boolean }[]>`select to_regclass(${migrationsTable}) is not null as exists`;
  if (!table?.exists) return migrations.map((m) => m.tag);
  const recorded = new Set((await sql<{ tag: string }[]>`select tag from ${sql(migrationsTable)}`).map((r) => r.tag));
  return migrations.map((m) => m.tag).filter((tag) => !recorded.has(tag));
}
