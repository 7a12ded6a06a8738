import { getTableColumns, getTableName } from 'drizzle-orm';
import type { Sql } from 'postgres';
import { resource, resourceShare, user } from './schema';

export type SchemaState = { state: 'ready' } | { state: 'missing' } | { state: 'incomplete'; missing: string[] };

const required = [user, resource, resourceShare].map((table) => ({
  table: getTableName(table),
  columns: Object.values(getTableColumns(table)).map((c) => c.name),
}));

/**
 * Compares a database with what the extension needs, without changing it: a team
 * database's schema is only changed when the user says so.
 */
export async function checkSchema(sql: Sql): Promise<SchemaState> {
  const rows = await sql<{ table_name: string; column_name: string }[]>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and table_name in ${sql(required.map((r) => r.table))}`;
  const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
  const tables = new Set(rows.map((r) => r.table_name));
  if (tables.size === 0) return { state: 'missing' };
  const missing: string[] = [];
  for (const { table, columns } of required) {
    if (!tables.has(table)) {
      missing.push(`table "${table}"`);
      continue;
    }
    for (const column of columns) if (!present.has(`${table}.${column}`)) missing.push(`column "${table}.${column}"`);
  }
  return missing.length ? { state: 'incomplete', missing } : { state: 'ready' };
}
