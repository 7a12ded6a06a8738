import { getTableColumns, getTableName } from 'drizzle-orm';
import type { Sql } from 'postgres';
import { pendingMigrations } from './migrate';
import { resource, resourceShare, user } from './schema';

export type SchemaState = { state: 'ready' } | { state: 'missing' } | { state: 'incomplete'; missing: string[] };

const required = [user, resource, resourceShare].map((table) => ({
  table: getTableName(table),
  columns: Object.values(getTableColumns(table)).map((c) => c.name),
}));

/**
 * Compares a database with what the extension needs, without changing it: a team database's
 * schema is only changed when the user says so. Reads the catalogs, not information_schema, which
 * hides what a member's login has no privilege on (the chat app's "user" table).
 */
export async function checkSchema(sql: Sql, migrationsFolder: string): Promise<SchemaState> {
  const rows = await sql<{ table_name: string; column_name: string }[]>`
    select c.relname as table_name, a.attname as column_name
    from pg_class c join pg_attribute a on a.attrelid = c.oid
    where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
      and c.relname in ${sql(required.map((r) => r.table))} and a.attnum > 0 and not a.attisdropped`;
  const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
  const tables = new Set(rows.map((r) => r.table_name));
  // The chat app's database before setup has its own tables, but none of ours.
  if (!tables.has(getTableName(resource))) return { state: 'missing' };
  const missing: string[] = [];
  for (const { table, columns } of required) {
    if (!tables.has(table)) {
      missing.push(`table "${table}"`);
      continue;
    }
    for (const column of columns) if (!present.has(`${table}.${column}`)) missing.push(`column "${table}.${column}"`);
  }
  if (!missing.length) {
    const pending = await pendingMigrations(sql, migrationsFolder);
    if (pending.length) missing.push(...pending.map((tag) => `migration ${tag}`));
  }
  return missing.length ? { state: 'incomplete', missing } : { state: 'ready' };
}
