import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Options, type Sql } from 'postgres';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema>;

export interface DatabaseClient {
  db: Database;
  sql: Sql;
  close(): Promise<void>;
}

export type ConnectionOptions = Options<Record<string, postgres.PostgresType>>;

/**
 * One pool per connection target. Sessions run in UTC so that `timestamp` columns
 * (without time zone) mean the same instant to every client.
 */
export function createDatabaseClient(url: string | undefined, options: ConnectionOptions = {}): DatabaseClient {
  const settings: ConnectionOptions = {
    max: 4,
    idle_timeout: 30,
    connect_timeout: 10,
    onnotice: () => {},
    ...options,
    connection: { TimeZone: 'UTC', application_name: 'agent-resources', ...options.connection },
  };
  const sql = url ? postgres(url, settings) : postgres(settings);
  return {
    db: drizzle(sql, { schema }),
    sql,
    close: () => sql.end({ timeout: 5 }),
  };
}
