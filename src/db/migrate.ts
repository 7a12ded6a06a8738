import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { ConnectionOptions } from './client';

// Any constant shared by every copy of the extension: "agentres" as a 64-bit number.
const migrationLockKey = 0x6167656e74726573n;

/**
 * Applies the migrations in `migrationsFolder`. A session advisory lock serialises
 * processes that start at once (two VS Code windows), which would otherwise race on
 * drizzle's bookkeeping table. One dedicated connection, since the lock is per session.
 */
export async function migrateDatabase(url: string | undefined, migrationsFolder: string, options: ConnectionOptions = {}): Promise<void> {
  const settings: ConnectionOptions = {
    connect_timeout: 10,
    ...options,
    max: 1,
    onnotice: () => {},
    connection: { TimeZone: 'UTC', application_name: 'agent-resources-migrate', ...options.connection },
  };
  const sql = url ? postgres(url, settings) : postgres(settings);
  try {
    await sql`select pg_advisory_lock(${migrationLockKey.toString()}::bigint)`;
    try {
      await migrate(drizzle(sql), { migrationsFolder });
    } finally {
      await sql`select pg_advisory_unlock(${migrationLockKey.toString()}::bigint)`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
